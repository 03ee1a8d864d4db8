import { Redis } from 'ioredis';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { startRedis } from '../support/redis';
import { openSocket, ready } from '../support/sockets';

// Two Karavan instances on one database and one Redis (REDIS_URL), as behind a load balancer.
let redis: Awaited<ReturnType<typeof startRedis>>;
let a: TestApp;
let b: TestApp;
const secret = 'shared-secret-of-both-instances-0123456789';

beforeAll(async () => {
  redis = await startRedis();
  const env = { REDIS_URL: redis.url, JWT_SECRET: secret, LOGIN_RATE_LIMIT: '4' };
  a = await startTestApp(env);
  b = await startTestApp(env);
});
afterAll(async () => {
  await a.close();
  await b.close();
  await redis.stop();
});

describe('Several instances with REDIS_URL', () => {
  test('When a user is disabled through one instance, then their socket on the other is closed', async () => {
    const organiser = await signedIn(b.url, { role: 'organiser' });
    const driver = await signedIn(a.url, { role: 'driver' });
    const socket = openSocket(a.url, { token: driver.tokens.accessToken });
    try {
      await ready(socket);
      const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      await request(b.url)
        .patch(`/api/users/${driver.user.id}`)
        .set(organiser.auth)
        .send({ active: false })
        .expect(200);
      expect(await closed).toBe('io server disconnect');
    } finally {
      socket.close();
    }
  });

  test('When sign-ins are spread over both instances, then the rate limit counts them together', async () => {
    // Start from a clean count: earlier tests signed in too.
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    const attempt = (url: string) =>
      request(url).post('/api/auth/login').send({ email: 'guess@test.karavan', password: 'wrong guess' });
    const statuses = [];
    for (const url of [a.url, b.url, a.url, b.url, a.url]) statuses.push((await attempt(url)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });
});
