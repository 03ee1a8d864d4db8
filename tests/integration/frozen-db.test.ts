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

// Thawed before any afterAll: the shared setup's own afterAll (declared first, so run first)
// drops this file's database, which would wait on a database left frozen by a failed test.
afterEach(() => {
  if (frozen) thaw();
});

afterAll(async () => {
  sockets.forEach((s) => s.close());
  await app.close();
  await mongoose.connection.dropDatabase().catch(() => undefined);
  await mongoose.disconnect();
  await db.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** States of a thread that will run no more code: stopped, or dead (zombie). */
const STILL = new Set(['T', 'Z', 'X']);

/** The state letter of every thread of a process (Linux: /proc/<pid>/task/<tid>/stat). */
function threadStates(pid: number): string[] {
  const tasks = `/proc/${pid}/task`;
  return fs.readdirSync(tasks).flatMap((tid) => {
    try {
      // "<tid> (<name>) <state> ...": the name may hold spaces and parentheses, the state follows the last ')'.
      const stat = fs.readFileSync(path.join(tasks, tid, 'stat'), 'utf8');
      return [stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)];
    } catch {
      return []; // the thread ended while we looked
    }
  });
}

/**
 * Freezes the database process and waits until every one of its threads has stopped. SIGSTOP
 * reaches one thread first, and the others go on until it has run: on a busy machine a request
 * sent at once could still be answered (CI saw a 200 from a "frozen" database).
 */
async function freeze(): Promise<void> {
  const pid = db.process.pid!;
  process.kill(pid, 'SIGSTOP');
  frozen = true;
  const deadline = Date.now() + 10_000;
  while (!threadStates(pid).every((state) => STILL.has(state))) {
    if (Date.now() > deadline) throw new Error(`the database process did not stop: ${threadStates(pid).join('')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
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

    await freeze();
    // Two things answer these within seconds: the request deadline (3 s here) first, and the
    // driver's monitor, which gives up on the frozen database about 5 s after its last answer
    // (heartbeat 2 s, connect timeout 3 s) and fails what waits on it. Without both, a request
    // would hang for as long as the database stays frozen; supertest gives up after 10 s, so a hang
    // fails the test instead of passing late. (The deadline alone: tests/unit/route-chain.test.ts.)
    for (const [name, send] of [
      ['profile', () => request(app.url).get('/api/users/me').set(auth)],
      ['sign-in', () => request(app.url).post('/api/auth/login').send({ email: user.email, password })],
      ['refresh', () => request(app.url).post('/api/auth/refresh').send({ refreshToken: tokens.refreshToken })],
      ['readiness', () => request(app.url).get('/readyz')],
    ] as const) {
      const res = await send().timeout(10_000);
      // Named: a failure says which request was answered, and how.
      expect({ request: name, status: res.status, code: res.body.code }).toEqual({
        request: name,
        status: 503,
        code: 'DATABASE_UNAVAILABLE',
      });
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
