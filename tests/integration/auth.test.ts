import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import request from 'supertest';
import { tokenResponseSchema } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { createUser, login, signedIn } from '../support/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const api = () => request(app.url);

/** Moves a refresh token's rotation into the past, as if `ms` had gone by since. */
async function ageRotation(refreshToken: string, ms: number) {
  const _id = createHash('sha256').update(refreshToken).digest('hex');
  const sessions = mongoose.connection.collection<{ _id: string; rotatedAt: Date }>('sessions');
  const { rotatedAt } = (await sessions.findOne({ _id }))!;
  await sessions.updateOne({ _id }, { $set: { rotatedAt: new Date(rotatedAt.getTime() - ms) } });
}

describe('POST /api/auth/login', () => {
  test('When the email and password match, then it returns tokens and the user without secrets', async () => {
    const { user, password } = await createUser({ role: 'driver' });
    const res = await api().post('/api/auth/login').send({ email: user.email.toUpperCase(), password });
    expect(res.status).toBe(200);
    expect(tokenResponseSchema.validate(res.body).error).toBeUndefined();
    expect(res.body.user).toMatchObject({ id: user.id, role: 'driver' });
    expect(res.body.user.lastLoginAt).not.toBeNull();
    expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|tokenVersion|argon2/);
    const me = await api().get('/api/users/me').set('Authorization', `Bearer ${res.body.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(user.email);
  });

  test('When the password is wrong or the email unknown, then it answers 401 INVALID_CREDENTIALS alike', async () => {
    const { user } = await createUser();
    const wrong = await api().post('/api/auth/login').send({ email: user.email, password: 'not the password' });
    const unknown = await api().post('/api/auth/login').send({ email: 'nobody@test.karavan', password: 'whatever pw' });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'INVALID_CREDENTIALS', requestId: expect.any(String) });
    }
  });

  test('When the account is disabled, then the right password is refused', async () => {
    const { user, password } = await createUser({ active: false });
    const res = await api().post('/api/auth/login').send({ email: user.email, password });
    expect(res.status).toBe(401);
  });

  test('When the body lacks fields, then it answers 400 with the field paths', async () => {
    const res = await api().post('/api/auth/login').send({ email: 'not-an-email' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['body.email', 'body.password']);
  });

  test('When sign-in is tried too often from one address, then it answers 429', async () => {
    const limited = await startTestApp({ LOGIN_RATE_LIMIT: '3' });
    try {
      const attempt = () =>
        request(limited.url).post('/api/auth/login').send({ email: 'someone@test.karavan', password: 'guess guess' });
      for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
      const res = await attempt();
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});

describe('POST /api/auth/refresh', () => {
  test('When a refresh token is used, then it gives a new pair, and the old one no longer works', async () => {
    const { user, password } = await createUser();
    const first = await login(app.url, user.email, password);
    const res = await api().post('/api/auth/refresh').send({ refreshToken: first.refreshToken });
    expect(res.status).toBe(200);
    expect(res.body.refreshToken).not.toBe(first.refreshToken);
    expect((await api().get('/api/users/me').set('Authorization', `Bearer ${res.body.accessToken}`)).status).toBe(200);
  });

  test('When a retired refresh token is replayed after the grace window, then the whole session ends (theft detection)', async () => {
    const { user, password } = await createUser();
    const first = await login(app.url, user.email, password);
    const second = await api().post('/api/auth/refresh').send({ refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    await ageRotation(first.refreshToken, 11_000);
    const replay = await api().post('/api/auth/refresh').send({ refreshToken: first.refreshToken });
    expect(replay.status).toBe(401);
    // The token issued after the retired one is ended too, and so is its access token.
    const after = await api().post('/api/auth/refresh').send({ refreshToken: second.body.refreshToken });
    expect(after.status).toBe(401);
    expect((await api().get('/api/users/me').set('Authorization', `Bearer ${second.body.accessToken}`)).status).toBe(
      401,
    );
  });

  test('When the same refresh token is sent twice at once (a retry on a flaky link), then both get the same new pair', async () => {
    const { user, password } = await createUser();
    const first = await login(app.url, user.email, password);
    const send = () => api().post('/api/auth/refresh').send({ refreshToken: first.refreshToken });
    const [a, b] = await Promise.all([send(), send()]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.refreshToken).toBe(a.body.refreshToken);
    expect(b.body.accessToken).toBe(a.body.accessToken);
    expect(b.body.refreshExpiresAt).toBe(a.body.refreshExpiresAt);
    // A retry a moment later (the answer was lost) gets the same pair too.
    const late = await send();
    expect(late.status).toBe(200);
    expect(late.body.refreshToken).toBe(a.body.refreshToken);
    // The sign-in goes on: the new pair works.
    expect((await api().get('/api/users/me').set('Authorization', `Bearer ${a.body.accessToken}`)).status).toBe(200);
    const next = await api().post('/api/auth/refresh').send({ refreshToken: a.body.refreshToken });
    expect(next.status).toBe(200);
    // Nothing stored holds a token in plain form.
    const stored = JSON.stringify(await mongoose.connection.collection('sessions').find({}).toArray());
    for (const token of [first.refreshToken, a.body.refreshToken, next.body.refreshToken]) {
      expect(stored).not.toContain(token);
    }
  });

  test('When a retired refresh token comes back after its successor was used, then the whole session ends', async () => {
    const { user, password } = await createUser();
    const first = await login(app.url, user.email, password);
    const second = await api().post('/api/auth/refresh').send({ refreshToken: first.refreshToken });
    const third = await api().post('/api/auth/refresh').send({ refreshToken: second.body.refreshToken });
    expect(third.status).toBe(200);
    expect((await api().post('/api/auth/refresh').send({ refreshToken: first.refreshToken })).status).toBe(401);
    expect((await api().post('/api/auth/refresh').send({ refreshToken: third.body.refreshToken })).status).toBe(401);
  });

  test('When an unknown refresh token is sent, then it answers 401', async () => {
    const res = await api()
      .post('/api/auth/refresh')
      .send({ refreshToken: 'x'.repeat(43) });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });
});

describe('POST /api/auth/logout', () => {
  test('When a user signs out, then their refresh token is revoked', async () => {
    const { tokens } = await signedIn(app.url);
    expect((await api().post('/api/auth/logout').send({ refreshToken: tokens.refreshToken })).status).toBe(204);
    expect((await api().post('/api/auth/refresh').send({ refreshToken: tokens.refreshToken })).status).toBe(401);
  });

  test('When a user signs out, then that access token is refused at once, and their other sign-ins go on', async () => {
    const { user, password, tokens, auth } = await signedIn(app.url);
    const other = await login(app.url, user.email, password);
    expect((await api().get('/api/users/me').set(auth)).status).toBe(200);
    expect((await api().post('/api/auth/logout').send({ refreshToken: tokens.refreshToken })).status).toBe(204);
    const after = await api().get('/api/users/me').set(auth);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('UNAUTHENTICATED');
    expect((await api().get('/api/users/me').set('Authorization', `Bearer ${other.accessToken}`)).status).toBe(200);
  });
});

describe('Access tokens', () => {
  test('When no token or a forged one is sent, then protected routes answer 401', async () => {
    expect((await api().get('/api/users/me')).body.code).toBe('UNAUTHENTICATED');
    const forged = await api().get('/api/users/me').set('Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x');
    expect(forged.status).toBe(401);
  });

  test('When a token that was accepted comes back with its claims or signature changed, then it is refused', async () => {
    const { tokens, auth } = await signedIn(app.url);
    expect((await api().get('/api/users/me').set(auth)).status).toBe(200);
    const [header, payload, signature] = tokens.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'organiser', exp: 4_102_444_800 })).toString(
      'base64url',
    );
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const token of [`${header}.${promoted}.${signature}`, `${header}.${payload}.${flipped}`]) {
      const res = await api().get('/api/users/me').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    }
    expect((await api().get('/api/users/me').set(auth)).status).toBe(200);
  });

  test('When a token has expired, then it answers 401 TOKEN_EXPIRED', async () => {
    const short = await startTestApp({ ACCESS_TOKEN_TTL_SECONDS: '30', JWT_SECRET: 'a'.repeat(40) });
    try {
      const { tokens } = await signedIn(short.url);
      // Used once while valid: the instance remembers it verified this token; that ends at its expiry.
      const fresh = await request(short.url).get('/api/users/me').set('Authorization', `Bearer ${tokens.accessToken}`);
      expect(fresh.status).toBe(200);
      jest.useFakeTimers({
        doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval'],
        now: Date.now() + 31_000,
      });
      const res = await request(short.url).get('/api/users/me').set('Authorization', `Bearer ${tokens.accessToken}`);
      jest.useRealTimers();
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('TOKEN_EXPIRED');
    } finally {
      jest.useRealTimers();
      await short.close();
    }
  });
});

describe('PUT /api/users/me/password', () => {
  test('When the first organiser signs in with a one-time password, then only the password change is allowed until done', async () => {
    const { user, password } = await createUser({ role: 'organiser', mustChangePassword: true });
    const tokens = await login(app.url, user.email, password);
    const auth = { Authorization: `Bearer ${tokens.accessToken}` };
    expect(tokens.user.mustChangePassword).toBe(true);

    const blocked = await api().get('/api/users').set(auth);
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await api().get('/api/users/me').set(auth)).status).toBe(200);

    const changed = await api()
      .put('/api/users/me/password')
      .set(auth)
      .send({ currentPassword: password, newPassword: 'a brand new secret' });
    expect(changed.status).toBe(200);
    expect(changed.body.user.mustChangePassword).toBe(false);

    // The old token is revoked; the new one works everywhere the role allows.
    expect((await api().get('/api/users/me').set(auth)).status).toBe(401);
    expect((await api().get('/api/users').set('Authorization', `Bearer ${changed.body.accessToken}`)).status).toBe(200);
    expect((await api().post('/api/auth/refresh').send({ refreshToken: tokens.refreshToken })).status).toBe(401);
    await login(app.url, user.email, 'a brand new secret');
  });

  test('When the current password is wrong, then it answers 400 naming the field and nothing changes', async () => {
    const { user, password, auth } = await signedIn(app.url);
    const res = await api()
      .put('/api/users/me/password')
      .set(auth)
      .send({ currentPassword: 'wrong wrong', newPassword: 'another long one' });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ path: 'body.currentPassword' })]);
    await login(app.url, user.email, password);
  });

  test('When the new password is too short, then it answers 400', async () => {
    const { password, auth } = await signedIn(app.url);
    const res = await api()
      .put('/api/users/me/password')
      .set(auth)
      .send({ currentPassword: password, newPassword: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toBe('body.newPassword');
  });

  test('When the new password is one of the 10,000 most common, then it answers 400 naming newPassword', async () => {
    const { user, password, auth } = await signedIn(app.url);
    // The detail's type names the rule, so that the client can say it in the user's language.
    for (const [common, rule] of [
      ['1234567890', 'password.common'],
      ['Password123', 'password.common'],
      ['qwertyuiop', 'password.common'],
      ['basketball', 'password.common'],
      [user.email, 'password.email'],
    ]) {
      const res = await api()
        .put('/api/users/me/password')
        .set(auth)
        .send({ currentPassword: password, newPassword: common });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.objectContaining({ path: 'body.newPassword', type: rule })]);
    }
    await login(app.url, user.email, password);
  });

  test('When the current password is guessed too often, then it answers 429 for that user only', async () => {
    const limited = await startTestApp({ LOGIN_RATE_LIMIT: '3' });
    try {
      const guesser = await signedIn(limited.url);
      const other = await signedIn(limited.url);
      const guess = (who: typeof guesser, currentPassword: string) =>
        request(limited.url)
          .put('/api/users/me/password')
          .set(who.auth)
          .send({ currentPassword, newPassword: 'a new long secret phrase' });
      for (let i = 0; i < 3; i++) expect((await guess(guesser, `guess number ${i}`)).status).toBe(400);
      const blocked = await guess(guesser, guesser.password);
      expect(blocked.status).toBe(429);
      expect(blocked.body.code).toBe('RATE_LIMITED');
      // The right password was not even tried: the old one still works.
      await login(limited.url, guesser.user.email, guesser.password);
      expect((await guess(other, other.password)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
