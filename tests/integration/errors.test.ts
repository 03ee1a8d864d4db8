import mongoose from 'mongoose';
import request from 'supertest';
import { apiErrorSchema } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';

let app: TestApp;
const logLines: Array<Record<string, unknown>> = [];
beforeAll(async () => {
  const capture = { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) };
  app = await startTestApp({ BODY_LIMIT: '2kb', LOG_LEVEL: 'info' }, capture);
});
afterAll(() => app.close());

const api = () => request(app.url);
const expectErrorShape = (body: unknown) => expect(apiErrorSchema.validate(body).error).toBeUndefined();

describe('Errors', () => {
  test('When the JSON body is malformed, then it answers 400 MALFORMED_JSON', async () => {
    const res = await api().post('/api/auth/login').set('Content-Type', 'application/json').send('{"email": ');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MALFORMED_JSON');
    expectErrorShape(res.body);
  });

  test('When the body is not JSON, then it answers 415', async () => {
    const res = await api()
      .post('/api/auth/login')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('email=a&password=b');
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  test('When the body is larger than the limit, then it answers 413', async () => {
    const res = await api()
      .post('/api/auth/login')
      .send({ email: 'a@test.karavan', password: 'x'.repeat(4096) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('When the route does not exist, then it answers a JSON 404', async () => {
    const res = await api().get('/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', message: 'No route for GET /api/no-such-thing' });
    expectErrorShape(res.body);
  });

  test('When a route does not take a query or body, then extra input is a 400', async () => {
    const { auth } = await signedIn(app.url);
    const res = await api().get('/api/users/me').query({ debug: 1 }).set(auth);
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toBe('query');
  });

  test('When something unexpected breaks, then it answers 500 without internals, with the request id', async () => {
    const { auth } = await signedIn(app.url, { role: 'organiser' });
    // A stored user without timestamps makes the presenter throw: a bug, not bad input.
    const { insertedId } = await mongoose.connection
      .collection('users')
      .insertOne({ email: 'broken@test.karavan', name: 'Broken', role: 'driver', active: true });
    const res = await api()
      .get(`/api/users/${insertedId.toHexString()}`)
      .set(auth)
      .set('X-Request-Id', 'trace-me-12345');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      code: 'INTERNAL',
      message: 'Something went wrong on our side; it has been logged',
      requestId: 'trace-me-12345',
    });
    expect(res.headers['x-request-id']).toBe('trace-me-12345');
    expect(res.text).not.toMatch(/TypeError|at .*\.ts|toISOString/);
    // The server log keeps the cause, and every line of that request carries its id.
    const lines = logLines.filter((l) => l.reqId === 'trace-me-12345');
    expect(lines.map((l) => l.msg)).toEqual(['request failed', 'request errored']);
    expect(JSON.stringify(lines[0])).toMatch(/TypeError/);
  });

  test('When any response is sent, then it carries a request id header, and helmet headers are set', async () => {
    const res = await api().get('/healthz');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('CORS', () => {
  test('When an origin is not in CORS_ORIGINS, then no CORS headers are given; when it is, they are', async () => {
    const cors = await startTestApp({ CORS_ORIGINS: 'https://dashboard.karavan.example' });
    try {
      const allowed = await request(cors.url).get('/healthz').set('Origin', 'https://dashboard.karavan.example');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://dashboard.karavan.example');
      expect(allowed.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
      expect(allowed.headers.vary).toMatch(/Origin/);
      const denied = await request(cors.url).get('/healthz').set('Origin', 'https://evil.example');
      expect(denied.headers['access-control-allow-origin']).toBeUndefined();
      // A preflight from an allowed origin is answered before any route.
      const preflight = await request(cors.url)
        .options('/api/donations')
        .set('Origin', 'https://dashboard.karavan.example')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-methods']).toMatch(/POST/);
      expect(preflight.headers['access-control-allow-headers']).toMatch(/idempotency-key/i);
      expect(preflight.headers['access-control-max-age']).toBe('600');
      // Without Origin (the app's own pages, phones, probes) no CORS header, but caches are told
      // that the answer depends on the origin.
      const sameOrigin = await request(cors.url).get('/healthz');
      expect(sameOrigin.headers.vary).toMatch(/Origin/);
      expect(Object.keys(sameOrigin.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    } finally {
      await cors.close();
    }
  });
});

describe('Bad input', () => {
  let big: TestApp;
  beforeAll(async () => {
    big = await startTestApp({ BODY_LIMIT: '1mb', REFRESH_RATE_LIMIT: '3' });
  });
  afterAll(() => big.close());

  test('When free text holds a NUL or another control character, then it answers 400 naming the field', async () => {
    const organiser = await signedIn(big.url, { role: 'organiser' });
    const search = await request(big.url).get('/api/users').query({ q: 'ab\u0000c' }).set(organiser.auth);
    expect(search.status).toBe(400);
    expect(search.body.details[0].path).toBe('query.q');
    // A lone UTF-16 surrogate can only come as a JSON escape.
    const loneSurrogate = await request(big.url)
      .patch('/api/users/me')
      .set(organiser.auth)
      .set('Content-Type', 'application/json')
      .send('{"name":"ab\\ud800"}');
    expect(loneSurrogate.status).toBe(400);
    expect(loneSurrogate.body.details[0].path).toBe('body.name');
    const name = await request(big.url).patch('/api/users/me').set(organiser.auth).send({ name: 'Bad\u0007name' });
    expect(name.status).toBe(400);
    expect(name.body.details[0].path).toBe('body.name');
    const create = await request(big.url)
      .post('/api/users')
      .set(organiser.auth)
      .send({ email: 'ctl@test.karavan', name: 'x\u0000', role: 'driver', password: 'a fine long password' });
    expect(create.status).toBe(400);
    expect(create.body.details[0].path).toBe('body.name');
    const email = await request(big.url)
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email":"a\\u0085b@test.karavan","password":"whatever pw"}');
    expect(email.status).toBe(400);
    expect(email.body.details[0].path).toBe('body.email');
    // Ordinary text, Cyrillic and emoji included, is fine.
    const ok = await request(big.url).get('/api/users').query({ q: 'Асель 🚚' }).set(organiser.auth);
    expect(ok.status).toBe(200);
  });

  test('When a request holds 12,500 unknown keys, then the error lists 20 and counts the rest', async () => {
    const body: Record<string, number> = { email: 'someone@test.karavan', password: 'whatever pw' } as never;
    for (let i = 0; i < 12_500; i++) body[`k${i}`] = 1;
    const res = await request(big.url).post('/api/auth/login').send(body);
    expect(res.status).toBe(400);
    expect(res.body.details).toHaveLength(21);
    expect(res.body.details[20]).toMatchObject({ path: 'body', message: 'and 12480 more problems not listed' });
    expect(res.text.length).toBeLessThan(5_000);
    expectErrorShape(res.body);
  });

  test('When refresh or sign-out is called too often from one address, then it answers 429', async () => {
    const refresh = () =>
      request(big.url)
        .post('/api/auth/refresh')
        .send({ refreshToken: 'x'.repeat(43) });
    for (let i = 0; i < 3; i++) expect((await refresh()).status).toBe(401);
    const limited = await refresh();
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    const logout = await request(big.url)
      .post('/api/auth/logout')
      .send({ refreshToken: 'x'.repeat(43) });
    expect(logout.status).toBe(429);
  });
});

describe('Logs', () => {
  test('When a URL carries a token or a password in its query, then the log line has the path but not the secret', async () => {
    const { auth } = await signedIn(app.url);
    await api()
      .get('/api/users/me')
      .query({
        access_token: 'sEcReT-AcCeSs',
        refresh_token: 'sEcReT-ReFrEsH',
        password: 'sEcReT-PaSs',
        api_key: 'sEcReT-KeY',
        // A token pasted where a search goes: redacted by its shape (a JWT), not its name.
        q: 'eyJsEcReT.eyJsEcReTpAyLoAd.sEcReTsIgNaTuRe',
      })
      .set(auth)
      .set('X-Request-Id', 'log-redaction-1');
    const lines = logLines.filter((l) => l.reqId === 'log-redaction-1');
    expect(lines.length).toBeGreaterThan(0);
    const text = JSON.stringify(lines);
    expect(text).toMatch(/\/api\/users\/me\?access_token=\[redacted\]/);
    expect(text).not.toMatch(/sEcReT/);
  });

  test('When a client sends an X-Request-Id that is too long or not plain, then a fresh one is used', async () => {
    for (const bad of ['x'.repeat(65), 'has space in it', 'short', 'semi;colon-1234', 'a.b:c_d-12345']) {
      const res = await api().get('/healthz').set('X-Request-Id', bad);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const good = await api().get('/healthz').set('X-Request-Id', 'Abc-123-def-456');
    expect(good.headers['x-request-id']).toBe('Abc-123-def-456');
  });
});
