import request from 'supertest';
import { loadConfig } from '../../server/src/config';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { buildCampaign, buildItem, buildLocation } from '../support/catalogue';

// Sign-in and writes are limited at their configured thresholds: the next request is 429 with
// Retry-After, the count is per address (sign-in) or per user (writes), and reads are not counted.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ LOGIN_RATE_LIMIT: '3', WRITE_RATE_LIMIT: '5', WRITE_RATE_WINDOW_SECONDS: '60' });
});
afterAll(() => app.close());

describe('Rate limits', () => {
  test('When sign-in fails past LOGIN_RATE_LIMIT, then the next attempt is 429 even with the right password', async () => {
    const { user, password } = await (async () => {
      const s = await signedIn(app.url, { role: 'driver' }); // one sign-in counted
      return s;
    })();
    const attempt = (pw: string) => request(app.url).post('/api/auth/login').send({ email: user.email, password: pw });
    expect((await attempt('wrong password 1')).status).toBe(401);
    expect((await attempt('wrong password 2')).status).toBe(401);
    const limited = await attempt(password);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(limited.body.accessToken).toBeUndefined();
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('When a user writes past WRITE_RATE_LIMIT, then the next write is 429, changes nothing, and reads and other users go on', async () => {
    // Two users signed in before the sign-in budget of this address ran out (see above: its own app).
    const writerApp = await startTestApp({ LOGIN_RATE_LIMIT: '10', WRITE_RATE_LIMIT: '5' });
    try {
      const [writer, other] = await Promise.all([
        signedIn(writerApp.url, { role: 'coordinator' }),
        signedIn(writerApp.url, { role: 'coordinator' }),
      ]);
      const [campaign, item, location] = await Promise.all([buildCampaign(), buildItem(), buildLocation()]);
      const donate = (auth: Record<string, string>) =>
        request(writerApp.url)
          .post('/api/donations')
          .set(auth)
          .send({ campaignId: campaign.id, locationId: location.id, lines: [{ itemId: item.id, quantity: 1 }] });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await donate(writer.auth)).status);
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
      const limited = await donate(writer.auth);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // A bad write counts too (a runaway script is not free because it is wrong).
      expect((await request(writerApp.url).patch('/api/users/me').set(writer.auth).send({ role: 'x' })).status).toBe(
        429,
      );
      const list = await request(writerApp.url)
        .get(`/api/donations?campaignId=${campaign.id}`)
        .set(writer.auth)
        .expect(200);
      expect(list.body.items).toHaveLength(5);
      expect((await donate(other.auth)).status).toBe(201);
    } finally {
      await writerApp.close();
    }
  });

  test('When the OpenAPI document is read, then every write of a signed-in user documents its 429', async () => {
    const doc = (await request(app.url).get('/api/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const spec of app.karavan.routes) {
      if (spec.method === 'get' || spec.access === 'public') continue;
      const path = spec.path.replace(/:(\w+)/g, '{$1}');
      expect([spec.path, Object.keys(doc.paths[path]?.[spec.method]?.responses ?? {})]).toEqual([
        spec.path,
        expect.arrayContaining(['429']),
      ]);
    }
  });

  test('When the default configuration is used, then a phone replaying a long outbox (300 updates) stays under the write limit', () => {
    expect(app.config.writeRateLimit).toBe(5);
    // The default (no WRITE_RATE_LIMIT): 600 per minute per user.
    const defaults = loadConfig({ NODE_ENV: 'test' });
    expect(defaults.writeRateLimit / defaults.writeRateWindowSeconds).toBeGreaterThanOrEqual(5);
    expect(defaults.writeRateLimit).toBeGreaterThanOrEqual(300);
  });
});
