import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { connectOptions } from '../../server/src/db/database';
import { startEmbeddedDb, type EmbeddedDb } from '../../server/src/db/embedded-db';
import { startTestApp, type TestApp } from '../support/app';
import { login, signedIn } from '../support/factories';
import { openSocket, refusal, type ClientSocket } from '../support/sockets';

// This file freezes its database process (SIGSTOP), so it runs its own instead of the shared one.
let dir: string;
let db: EmbeddedDb;
let app: TestApp;
const sockets: ClientSocket[] = [];
let frozen = false;

beforeAll(async () => {
  await mongoose.disconnect();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-frozen-'));
  db = await startEmbeddedDb({ dir });
  await mongoose.connect(`${db.uri}karavan_test_frozen`, connectOptions());
  app = await startTestApp({ REQUEST_TIMEOUT_MS: '3000' });
});

afterAll(async () => {
  if (frozen) process.kill(db.process.pid!, 'SIGCONT');
  sockets.forEach((s) => s.close());
  await app.close();
  await mongoose.connection.dropDatabase().catch(() => undefined);
  await mongoose.disconnect();
  await db.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const freeze = () => {
  process.kill(db.process.pid!, 'SIGSTOP');
  frozen = true;
};
const thaw = () => {
  process.kill(db.process.pid!, 'SIGCONT');
  frozen = false;
};

describe('A frozen database', () => {
  test('When the database process is frozen, then requests get 503 within seconds instead of hanging, and work again when it thaws', async () => {
    const { auth, tokens, user, password } = await signedIn(app.url);
    expect((await request(app.url).get('/api/users/me').set(auth)).status).toBe(200);
    // Another sign-in, not used yet: its token is not among the callers the server remembers
    // (AUTH_CACHE_SECONDS), so checking it needs the database.
    const unchecked = await login(app.url, user.email, password);

    freeze();
    // Each request would hang for as long as the database is frozen (minutes) without the
    // deadline; supertest gives up after 10 s, so a hang fails the test instead of passing late.
    for (const send of [
      () => request(app.url).get('/api/users/me').set(auth),
      () => request(app.url).post('/api/auth/login').send({ email: user.email, password }),
      () => request(app.url).post('/api/auth/refresh').send({ refreshToken: tokens.refreshToken }),
      () => request(app.url).get('/readyz'),
    ]) {
      const res = await send().timeout(10_000);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('DATABASE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBeDefined();
    }
    // A socket whose token must be checked is refused as UNAVAILABLE rather than left waiting.
    const socket = openSocket(app.url, { token: unchecked.accessToken });
    sockets.push(socket);
    expect(await refusal(socket)).toBe('UNAVAILABLE');

    thaw();
    const started = Date.now();
    for (;;) {
      const res = await request(app.url).get('/api/users/me').set(auth).timeout(10_000);
      if (res.status === 200) break;
      if (Date.now() - started > 30_000) throw new Error(`still ${res.status} 30 s after the database thawed`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((await request(app.url).post('/api/auth/login').send({ email: user.email, password })).status).toBe(200);
  }, 90_000);
});
