import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { login, signedIn } from '../support/factories';
import { startRedis } from '../support/redis';

// A checked caller is remembered for AUTH_CACHE_SECONDS (30 s by default) so that a request need
// not read the user and the session again; whatever ends or changes a sign-in must still act on
// the very next request, on this instance and on every other one.

describe('Remembered callers on one instance', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());
  const api = () => request(app.url);

  test('When an organiser is made a coordinator, then their very next request is refused what only organisers may do', async () => {
    const chief = await signedIn(app.url, { role: 'organiser' });
    const other = await signedIn(app.url, { role: 'organiser' });
    expect((await api().get('/api/users').set(other.auth)).status).toBe(200); // remembered as organiser
    await api().patch(`/api/users/${other.user.id}`).set(chief.auth).send({ role: 'coordinator' }).expect(200);
    const after = await api().get('/api/users').set(other.auth);
    expect(after.status).toBe(403);
  });

  test('When a user is disabled, or their password is reset, then the token they just used is refused next time', async () => {
    const chief = await signedIn(app.url, { role: 'organiser' });
    const disabled = await signedIn(app.url, { role: 'driver' });
    const reset = await signedIn(app.url, { role: 'driver' });
    for (const who of [disabled, reset]) expect((await api().get('/api/users/me').set(who.auth)).status).toBe(200);
    await api().patch(`/api/users/${disabled.user.id}`).set(chief.auth).send({ active: false }).expect(200);
    await api()
      .put(`/api/users/${reset.user.id}/password`)
      .set(chief.auth)
      .send({ password: 'a temporary one 4 you' })
      .expect(200);
    for (const who of [disabled, reset]) expect((await api().get('/api/users/me').set(who.auth)).status).toBe(401);
  });

  test('When a user changes their own password, then the tokens of their other sign-ins are refused next time', async () => {
    const { user, password, auth } = await signedIn(app.url, { role: 'coordinator' });
    const phone = await login(app.url, user.email, password);
    const phoneAuth = { Authorization: `Bearer ${phone.accessToken}` };
    expect((await api().get('/api/users/me').set(phoneAuth)).status).toBe(200);
    await api()
      .put('/api/users/me/password')
      .set(auth)
      .send({ currentPassword: password, newPassword: 'a new and longer passphrase' })
      .expect(200);
    expect((await api().get('/api/users/me').set(phoneAuth)).status).toBe(401);
  });
});

describe('Remembered callers on two instances (REDIS_URL)', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, JWT_SECRET: 'shared-secret-of-both-instances-for-the-cache' };
    a = await startTestApp(env);
    b = await startTestApp(env);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  test('When a user signs out through one instance, then the other refuses their access token on the very next request', async () => {
    const { tokens, auth } = await signedIn(a.url, { role: 'driver' });
    expect((await request(b.url).get('/api/users/me').set(auth)).status).toBe(200); // remembered by b
    await request(a.url).post('/api/auth/logout').send({ refreshToken: tokens.refreshToken }).expect(204);
    expect((await request(b.url).get('/api/users/me').set(auth)).status).toBe(401);
  });

  test('When a user is disabled or demoted through one instance, then the other acts on it at the very next request', async () => {
    const chief = await signedIn(a.url, { role: 'organiser' });
    const driver = await signedIn(a.url, { role: 'driver' });
    const organiser = await signedIn(a.url, { role: 'organiser' });
    expect((await request(b.url).get('/api/users/me').set(driver.auth)).status).toBe(200);
    expect((await request(b.url).get('/api/users').set(organiser.auth)).status).toBe(200);
    await request(a.url).patch(`/api/users/${driver.user.id}`).set(chief.auth).send({ active: false }).expect(200);
    await request(a.url).patch(`/api/users/${organiser.user.id}`).set(chief.auth).send({ role: 'driver' }).expect(200);
    expect((await request(b.url).get('/api/users/me').set(driver.auth)).status).toBe(401);
    expect((await request(b.url).get('/api/users').set(organiser.auth)).status).toBe(403);
  });
});
