import request from 'supertest';
import type { UserDto } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { openSocket, ready, refusal, type ClientSocket } from '../support/sockets';

let app: TestApp;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await app.close();
});

function open(auth?: Record<string, unknown>): ClientSocket {
  const socket = openSocket(app.url, auth);
  sockets.push(socket);
  return socket;
}

describe('Socket.io', () => {
  test('When a socket comes without a token, then it is refused', async () => {
    expect(await refusal(open())).toBe('UNAUTHENTICATED');
  });

  test('When a socket comes with a forged token, then it is refused', async () => {
    expect(await refusal(open({ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged' }))).toBe('UNAUTHENTICATED');
  });

  test('When a socket comes with an expired token, then it is refused with TOKEN_EXPIRED', async () => {
    const { tokens } = await signedIn(app.url);
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask'],
      now: Date.now() + (tokens.expiresIn + 5) * 1000,
    });
    try {
      expect(await refusal(open({ token: tokens.accessToken }))).toBe('TOKEN_EXPIRED');
    } finally {
      jest.useRealTimers();
    }
  });

  test('When a socket comes with a valid token, then it is accepted and told who it is', async () => {
    const { user, tokens } = await signedIn(app.url, { role: 'driver' });
    expect((await ready(open({ token: tokens.accessToken }))).id).toBe(user.id);
  });

  test('When a socket is signed in, then the server keeps no copy of its token (nor hands one to other instances)', async () => {
    const { user, tokens } = await signedIn(app.url, { role: 'driver' });
    await ready(open({ token: tokens.accessToken, client: 'phone' }));
    // fetchSockets is what other instances see through the Redis adapter, too.
    const mine = (await app.karavan.io.fetchSockets()).filter((s) => s.data.actor.id === user.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.handshake.auth).toEqual({ client: 'phone' });
    expect(JSON.stringify(mine[0]!.handshake)).not.toContain(tokens.accessToken);
  });

  test("When the user's profile changes, then their socket hears users.updated", async () => {
    const { tokens, auth } = await signedIn(app.url);
    const socket = open({ token: tokens.accessToken });
    await ready(socket);
    const updated = new Promise<UserDto>((resolve) => socket.once('users.updated', ({ user }) => resolve(user)));
    await request(app.url).patch('/api/users/me').set(auth).send({ name: 'Live Name' }).expect(200);
    expect((await updated).name).toBe('Live Name');
  });

  test('When a user is disabled, then their open sockets are closed by the server, and a new one is refused', async () => {
    const organiser = await signedIn(app.url, { role: 'organiser' });
    const driver = await signedIn(app.url, { role: 'driver' });
    const socket = open({ token: driver.tokens.accessToken });
    await ready(socket);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    await request(app.url)
      .patch(`/api/users/${driver.user.id}`)
      .set(organiser.auth)
      .send({ active: false })
      .expect(200);
    expect(await closed).toBe('io server disconnect');
    expect(await refusal(open({ token: driver.tokens.accessToken }))).toBe('UNAUTHENTICATED');
  });

  test('When a user signs out, then the sockets of that sign-in are closed at once and the token is refused', async () => {
    const { tokens } = await signedIn(app.url);
    const socket = open({ token: tokens.accessToken });
    await ready(socket);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    await request(app.url).post('/api/auth/logout').send({ refreshToken: tokens.refreshToken }).expect(204);
    expect(await closed).toBe('io server disconnect');
    expect(await refusal(open({ token: tokens.accessToken }))).toBe('UNAUTHENTICATED');
  });

  test('When the access token of an open socket expires, then the socket is told session.expired and closed', async () => {
    const short = await startTestApp({ ACCESS_TOKEN_TTL_SECONDS: '5' });
    try {
      const { tokens } = await signedIn(short.url);
      const socket = openSocket(short.url, { token: tokens.accessToken });
      sockets.push(socket);
      await ready(socket);
      const expired = new Promise<string>((resolve) => socket.once('session.expired', ({ reason }) => resolve(reason)));
      const closed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
      expect(await expired).toBe('TOKEN_EXPIRED');
      expect(await closed).toBe('io server disconnect');
      // The expired token cannot open a new one.
      const again = openSocket(short.url, { token: tokens.accessToken });
      sockets.push(again);
      expect(await refusal(again)).toBe('TOKEN_EXPIRED');
    } finally {
      await short.close();
    }
  }, 20_000);
});
