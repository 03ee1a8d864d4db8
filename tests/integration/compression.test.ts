import http from 'node:http';
import { startTestApp, type TestApp } from '../support/app';
import { buildItem } from '../support/catalogue';
import { createUser, signedIn } from '../support/factories';

// Drivers and coordinators are often on slow mobile links: API answers travel compressed, except
// the sign-in answers, whose tokens sit next to what the caller sent (a BREACH oracle).

let app: TestApp;
let auth: { Authorization: string };
beforeAll(async () => {
  app = await startTestApp();
  auth = (await signedIn(app.url, { role: 'organiser' })).auth;
  for (let i = 0; i < 12; i += 1) await buildItem();
});
afterAll(() => app.close());

/** The raw answer (not decoded), as a phone that accepts `encoding` gets it. */
function raw(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  return new Promise<{ status: number; encoding: string | undefined; bytes: number }>((resolve, reject) => {
    const url = new URL(path, app.url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      { method, headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json' } : {}) } },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode!, encoding: res.headers['content-encoding'], bytes }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

test('When a client accepts brotli or gzip, then a list comes compressed and smaller', async () => {
  const plain = await raw('GET', '/api/items?limit=100', { ...auth, 'Accept-Encoding': 'identity' });
  const br = await raw('GET', '/api/items?limit=100', { ...auth, 'Accept-Encoding': 'br' });
  const gzip = await raw('GET', '/api/items?limit=100', { ...auth, 'Accept-Encoding': 'gzip' });
  expect([plain.status, br.status, gzip.status]).toEqual([200, 200, 200]);
  expect(plain.encoding).toBeUndefined();
  expect(br.encoding).toBe('br');
  expect(gzip.encoding).toBe('gzip');
  expect(br.bytes).toBeLessThan(plain.bytes / 2);
});

test('When someone signs in, then the answer holding the tokens is not compressed', async () => {
  const { user, password } = await createUser({ role: 'coordinator' });
  const res = await raw('POST', '/api/auth/login', { 'Accept-Encoding': 'gzip, br' }, { email: user.email, password });
  expect(res.status).toBe(200);
  expect(res.encoding).toBeUndefined();
});
