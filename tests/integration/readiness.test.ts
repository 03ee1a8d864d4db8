import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { connectOptions } from '../../server/src/db/database';
import { startEmbeddedDb, type EmbeddedDb } from '../../server/src/db/embedded-db';
import { startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';

// This file stops and restarts a database, so it runs its own (on the H2 file) instead of the shared one.
let dir: string;
let db: EmbeddedDb;
let app: TestApp;

beforeAll(async () => {
  await mongoose.disconnect();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-readyz-'));
  db = await startEmbeddedDb({ dir });
  await mongoose.connect(`${db.uri}karavan_test_readyz`, connectOptions());
  app = await startTestApp();
});

afterAll(async () => {
  await app.close();
  await mongoose.disconnect();
  await db.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function waitForStatus(url: string, status: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await request(url).get('/readyz');
    if (res.status === status) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`/readyz stayed ${res.status}, wanted ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('GET /healthz and /readyz', () => {
  test('When a health check asks, then no cache may keep the answer (no-store, no tag to revalidate)', async () => {
    for (const url of ['/healthz', '/readyz']) {
      const res = await request(app.url).get(url);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.etag).toBeUndefined();
    }
  });

  test('When the database stops, then /readyz and the API answer 503 while /healthz stays 200; when it is back, they recover', async () => {
    const { user, password } = await createUser();
    expect((await request(app.url).get('/readyz')).status).toBe(200);

    await db.stop();

    await waitForStatus(app.url, 503, 15_000);
    const down = await request(app.url).get('/readyz');
    expect(down.body.code).toBe('DATABASE_UNAVAILABLE');
    expect((await request(app.url).get('/healthz')).status).toBe(200);
    const login = await request(app.url).post('/api/auth/login').send({ email: user.email, password });
    expect(login.status).toBe(503);
    expect(login.body.code).toBe('DATABASE_UNAVAILABLE');
    expect(login.headers['retry-after']).toBeDefined();
    // What needs no database still answers: the API document and the client's settings.
    expect((await request(app.url).get('/api/openapi.json')).status).toBe(200);
    expect((await request(app.url).get('/api/client-config')).status).toBe(200);

    // Started again on the same directory, it listens on the same socket: the driver reconnects.
    db = await startEmbeddedDb({ dir });
    await waitForStatus(app.url, 200, 20_000);
    // The data survived the restart (same H2 file) and requests work again.
    expect((await request(app.url).post('/api/auth/login').send({ email: user.email, password })).status).toBe(200);
  }, 60_000);
});
