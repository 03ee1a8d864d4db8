import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { roleHasRight, type Role } from '@karavan/shared';
import type { RouteSpec } from '../../server/src/lib/route';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { buildVolunteer } from '../support/catalogue';
import { buildScene, createShipment, nextAt, type Scene } from '../support/shipments';

/*
 * The authorisation matrix: EVERY mounted route (read from app.karavan.routes, so a route added
 * later is covered without touching this file) x every caller: each role, the assigned driver and
 * another driver, no token, an expired token, a token of a disabled account. The expected status
 * comes from the route's `access` and the rights table (shared/src/roles.ts), plus the object
 * rules for drivers (their own shipments only). A refusal (401/403) never carries data.
 */

const SECRET = 'attack-matrix-secret-0123456789-abcdefghijkl';
let app: TestApp;
let scene: Scene;
let organiser: Awaited<ReturnType<typeof signedIn>>;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let disabled: Awaited<ReturnType<typeof signedIn>>;
let expiredAuth: Record<string, string>;
let ids: Record<string, string>;

beforeAll(async () => {
  app = await startTestApp({ JWT_SECRET: SECRET });
  [organiser, coordinator, disabled] = await Promise.all([
    signedIn(app.url, { role: 'organiser' }),
    signedIn(app.url, { role: 'coordinator' }),
    signedIn(app.url, { role: 'coordinator' }),
  ]);
  scene = await buildScene(app.url, { stock: 1000 });
  const shipment = await createShipment(app.url, coordinator.auth, scene);
  const volunteer = await buildVolunteer();
  const donation = await request(app.url)
    .post('/api/donations')
    .set(coordinator.auth)
    .send({
      campaignId: scene.campaign.id,
      locationId: scene.origin.id,
      lines: [{ itemId: scene.item.id, quantity: 5 }],
    })
    .expect(201);
  ids = {
    users: coordinator.user.id,
    items: scene.item.id,
    locations: scene.origin.id,
    campaigns: scene.campaign.id,
    volunteers: volunteer.id,
    donations: donation.body.id as string,
    shipments: shipment.id,
    // (no pledge needed: the right is checked before the pledge is looked for)
    pledges: '0123456789abcdef01234567',
    // (a device nobody registered: an organiser's revocation answers 404, anybody else's 403)
    devices: '0123456789abcdef01234568',
  };
  // An access token whose time is up, otherwise valid (same user, session and signature).
  const claims = jwt.decode(organiser.tokens.accessToken) as Record<string, unknown>;
  const past = Math.floor(Date.now() / 1000) - 3600;
  const expired = jwt.sign({ ...claims, iat: past - 900, exp: past }, SECRET, { algorithm: 'HS256' });
  expiredAuth = { Authorization: `Bearer ${expired}` };
  await request(app.url)
    .patch(`/api/users/${disabled.user.id}`)
    .set(organiser.auth)
    .send({ active: false })
    .expect(200);
});
afterAll(() => app.close());

/** The route's path with real ids of the scene in it. */
function pathOf(spec: RouteSpec): string {
  return (
    spec.path
      .replace(/\/api\/(\w+)\/:id/, (_m, collection: string) => {
        const id = ids[collection];
        if (!id) throw new Error(`no id for ${spec.path}: add one to the matrix`);
        return `/api/${collection}/${id}`;
      })
      .replace(':key', 'waybill')
      .replace(':handoverId', randomUUID())
      .replace(':itemId', scene.item.id)
      // (a photo nobody uploaded: who may read the shipment's photos gets 404, anybody else 403)
      .replace(':photoId', '0123456789abcdef01234569')
  );
}

/**
 * A request that passes validation where the route has an object rule (so that the service, not
 * the validator, answers); `{}` elsewhere (a caller with the right gets a 400 and changes nothing).
 */
function bodyOf(spec: RouteSpec): object | undefined {
  if (spec.method === 'get') return undefined;
  if (spec.path === '/api/shipments/:id/updates') return { id: randomUUID(), status: 'departed', at: nextAt() };
  if (spec.path === '/api/shipments/:id/privacy') return { privacyMode: false };
  if (spec.path === '/api/shipments/:id/handovers')
    return { id: randomUUID(), at: nextAt(), to: { name: 'X' }, lines: [] };
  if (/^\/api\/shipments\/:id\/handovers\/:handoverId\/(confirm|cancel)$/.test(spec.path)) return { at: nextAt() };
  return {};
}

function queryOf(spec: RouteSpec): Record<string, string> {
  return spec.path === '/api/events' ? { room: 'dashboard', after: '0' } : {};
}

type Caller = Role | 'assigned driver' | 'other driver';
const CALLERS: Caller[] = ['organiser', 'coordinator', 'assigned driver', 'other driver'];
const roleOf = (c: Caller): Role => (c === 'assigned driver' || c === 'other driver' ? 'driver' : c);
const authOf = (c: Caller) =>
  ({
    organiser: organiser.auth,
    coordinator: coordinator.auth,
    driver: scene.driver.auth,
    'assigned driver': scene.driver.auth,
    'other driver': scene.otherDriver.auth,
  })[c];

/**
 * Object rules on `authenticated` routes (services check them): a driver reads and moves only
 * the shipments assigned to them, and watches no dashboard. Everything else open to any signed-in
 * user is theirs (own profile, own sessions, own shipment list).
 */
function objectRuleRefuses(spec: RouteSpec, caller: Caller): boolean {
  // The receiver's confirmation: only somebody whose places include the destination (nobody here).
  if (spec.path === '/api/shipments/:id/receipt') return true;
  if (roleOf(caller) !== 'driver') return false;
  if (spec.path.startsWith('/api/shipments/:id')) return caller === 'other driver';
  if (spec.path === '/api/events') return true; // room=dashboard needs dashboard:watch
  return false;
}

function expectedRefusal(spec: RouteSpec, caller: Caller): 403 | undefined {
  if (spec.access === 'public') return undefined;
  if (spec.access !== 'authenticated' && !roleHasRight(roleOf(caller), spec.access)) return 403;
  return objectRuleRefuses(spec, caller) ? 403 : undefined;
}

/** A refusal carries the error shape only: no field of the thing asked for. */
function expectNoData(body: Record<string, unknown>) {
  expect(Object.keys(body).every((k) => ['code', 'message', 'details', 'requestId'].includes(k))).toBe(true);
  expect(JSON.stringify(body)).not.toMatch(/"(id|email|items|lines|name|onHand|donor)"\s*:/);
}

function send(spec: RouteSpec, auth: Record<string, string> | undefined) {
  let req = request(app.url)[spec.method](pathOf(spec)).query(queryOf(spec));
  if (auth) req = req.set(auth);
  // An upload route takes the file itself (a JPEG's first bytes), not JSON.
  if (spec.upload) return req.set('Content-Type', 'image/jpeg').send(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]));
  const body = bodyOf(spec);
  return body === undefined ? req : req.send(body);
}

// Sign-out with the refresh token is public and would end a caller's session: it is covered by
// auth.test.ts; here it gets `{}` (400) like every other write.
const routes = () => app.karavan.routes;
const label = (spec: RouteSpec) => `${spec.method.toUpperCase()} ${spec.path} (${spec.access})`;

describe('Authorisation matrix over every mounted route', () => {
  test('When the matrix is built, then it covers every route of the app, including the shipment and stock routes', () => {
    const names = routes().map((r) => `${r.method} ${r.path}`);
    expect(names.length).toBeGreaterThan(40);
    expect(names).toEqual(expect.arrayContaining(['post /api/shipments/:id/updates', 'post /api/admin/reconcile']));
  });

  test('When each role calls every route, then a missing right or a foreign object is 403 and a granted one is never 401/403', async () => {
    const failures: string[] = [];
    for (const spec of routes()) {
      for (const caller of CALLERS) {
        const res = await send(spec, authOf(caller));
        const refusal = expectedRefusal(spec, caller);
        if (refusal) {
          if (res.status !== refusal) failures.push(`${label(spec)} as ${caller}: ${res.status}, expected ${refusal}`);
          else expectNoData(res.body as Record<string, unknown>);
        } else if (res.status === 401 || res.status === 403 || res.status >= 500) {
          failures.push(`${label(spec)} as ${caller}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  test.each([
    ['no token', () => undefined, ['UNAUTHENTICATED']],
    ['an expired token', () => expiredAuth, ['TOKEN_EXPIRED']],
    [
      'a forged token',
      () => ({ Authorization: `Bearer ${jwt.sign({ sub: organiser.user.id, role: 'organiser' }, 'not-our-secret')}` }),
      ['UNAUTHENTICATED'],
    ],
    ['the token of a disabled account', () => disabled.auth, ['ACCOUNT_DISABLED']],
  ])(
    'When a request comes with %s, then every non-public route answers 401 without data',
    async (_name, auth, codes) => {
      const failures: string[] = [];
      for (const spec of routes()) {
        if (spec.access === 'public') continue;
        const res = await send(spec, auth());
        if (res.status !== 401 || !codes.includes((res.body as { code: string }).code)) {
          failures.push(`${label(spec)}: ${res.status} ${JSON.stringify(res.body)}`);
        } else expectNoData(res.body as Record<string, unknown>);
      }
      expect(failures).toEqual([]);
    },
  );

  test('When a public route is called without a token, then it never answers 401/403 or 5xx (sign-in with bad credentials aside)', async () => {
    for (const spec of routes().filter((r) => r.access === 'public')) {
      const res = await send(spec, undefined);
      expect([label(spec), res.status < 500]).toEqual([label(spec), true]);
      if (spec.path !== '/api/auth/login') expect([label(spec), res.status]).not.toEqual([label(spec), 403]);
    }
  });

  test("When a driver sends an update to another driver's shipment, then it is 403 and the shipment does not move", async () => {
    const res = await request(app.url)
      .post(`/api/shipments/${ids.shipments}/updates`)
      .set(scene.otherDriver.auth)
      .send({ id: randomUUID(), status: 'cancelled', at: nextAt() });
    expect(res.status).toBe(403);
    const after = await request(app.url).get(`/api/shipments/${ids.shipments}`).set(coordinator.auth).expect(200);
    expect(after.body.status).toBe('planned');
    expect(after.body.history).toEqual([]);
    const list = await request(app.url).get('/api/shipments').set(scene.otherDriver.auth).expect(200);
    expect((list.body.items as { id: string }[]).map((s) => s.id)).not.toContain(ids.shipments);
  });

  test("When another user sends the same Idempotency-Key, then they get their own result, never the first user's", async () => {
    const key = `shared-key-${randomUUID()}`;
    const body = {
      campaignId: scene.campaign.id,
      locationId: scene.origin.id,
      lines: [{ itemId: scene.item.id, quantity: 3 }],
    };
    const first = await request(app.url)
      .post('/api/donations')
      .set(coordinator.auth)
      .set('Idempotency-Key', key)
      .send(body);
    expect(first.status).toBe(201);
    const second = await request(app.url)
      .post('/api/donations')
      .set(organiser.auth)
      .set('Idempotency-Key', key)
      .send(body);
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.receivedBy).toBe(organiser.user.id);
    // A driver reusing the key on a route they may not call gets 403, not the stored donation.
    const driver = await request(app.url)
      .post('/api/donations')
      .set(scene.driver.auth)
      .set('Idempotency-Key', key)
      .send(body);
    expect(driver.status).toBe(403);
    expectNoData(driver.body as Record<string, unknown>);
  });
});
