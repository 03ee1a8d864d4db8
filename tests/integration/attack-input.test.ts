import { createHash, randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, nextAt, type Scene } from '../support/shipments';

/*
 * Bad input gets nowhere: NoSQL operators in bodies, query strings and ids, protected fields
 * slipped into bodies (mass assignment), oversized and deeply nested bodies, malformed JSON and
 * wrong types each get a 4xx, never a 5xx, and the database is exactly as before.
 */

let app: TestApp;
let scene: Scene;
let organiser: Awaited<ReturnType<typeof signedIn>>;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let shipmentId: string;
let donationId: string;

beforeAll(async () => {
  app = await startTestApp();
  [organiser, coordinator] = await Promise.all([
    signedIn(app.url, { role: 'organiser' }),
    signedIn(app.url, { role: 'coordinator' }),
  ]);
  scene = await buildScene(app.url, { stock: 1000 });
  shipmentId = (await createShipment(app.url, coordinator.auth, scene)).id;
  const donation = await request(app.url)
    .post('/api/donations')
    .set(coordinator.auth)
    .send({
      campaignId: scene.campaign.id,
      locationId: scene.origin.id,
      lines: [{ itemId: scene.item.id, quantity: 5 }],
    })
    .expect(201);
  donationId = donation.body.id as string;
});
afterAll(() => app.close());

/** Every document of every collection, hashed: equal before and after means nothing changed. */
async function databaseFingerprint(): Promise<Record<string, string>> {
  const db = mongoose.connection.db!;
  const out: Record<string, string> = {};
  for (const { name } of await db.listCollections().toArray()) {
    const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    out[name] = `${docs.length}:${createHash('sha256').update(JSON.stringify(docs)).digest('hex')}`;
  }
  return out;
}

type Attempt = [name: string, send: () => request.Test];
const api = () => request(app.url);
const post = (path: string, body: unknown, auth = coordinator.auth) =>
  api()
    .post(path)
    .set(auth)
    .send(body as object);
const patch = (path: string, body: unknown, auth = coordinator.auth) =>
  api()
    .patch(path)
    .set(auth)
    .send(body as object);
const get = (path: string, auth = coordinator.auth) => api().get(path).set(auth);

const donation = (extra: Record<string, unknown> = {}, line: Record<string, unknown> = {}) => ({
  campaignId: scene.campaign.id,
  locationId: scene.origin.id,
  lines: [{ itemId: scene.item.id, quantity: 1, ...line }],
  ...extra,
});

function nested(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const ATTEMPTS: () => Attempt[] = () => [
  // NoSQL operators in bodies
  [
    'login with $gt operators',
    () =>
      api()
        .post('/api/auth/login')
        .send({ email: { $gt: '' }, password: { $gt: '' } }),
  ],
  [
    'login with $ne password',
    () =>
      api()
        .post('/api/auth/login')
        .send({ email: organiser.user.email, password: { $ne: 'x' } }),
  ],
  ['donation with an operator as campaign id', () => post('/api/donations', donation({ campaignId: { $gt: '' } }))],
  ['donation with an operator as quantity', () => post('/api/donations', donation({}, { quantity: { $inc: 1000 } }))],
  ['donation with $where', () => post('/api/donations', donation({ $where: 'sleep(1000)' }))],
  [
    'update with an operator as status',
    () => post(`/api/shipments/${shipmentId}/updates`, { id: randomUUID(), status: { $ne: 'planned' }, at: nextAt() }),
  ],
  [
    'user patch with $set',
    () => patch(`/api/users/${coordinator.user.id}`, { $set: { role: 'organiser' } }, organiser.auth),
  ],
  [
    'item patch with a dotted key',
    () => patch(`/api/items/${scene.item.id}`, { 'name.ru': 'x', 'packs.$': 1 }, organiser.auth),
  ],
  // NoSQL operators in query strings and ids
  ['stock ?locationId[$ne]=x', () => get('/api/stock?locationId[$ne]=x')],
  ['donations ?campaignId[$gt]=', () => get('/api/donations?campaignId[$gt]=')],
  ['movements ?kind[$regex]=.*', () => get('/api/movements?kind[$regex]=.*')],
  ['shipments ?status[$ne]=x', () => get('/api/shipments?status[$ne]=x')],
  ['users ?q[$ne]=x', () => get('/api/users?q[$ne]=x', organiser.auth)],
  ['events ?after[$gt]=0', () => get('/api/events?room=dashboard&after[$gt]=0')],
  ['shipment id [$ne]', () => get('/api/shipments/[$ne]')],
  ['shipment id {"$gt":""}', () => get(`/api/shipments/${encodeURIComponent('{"$gt":""}')}`)],
  ['donation void with id=[$ne]', () => post(`/api/donations/${encodeURIComponent('[$ne]')}/void`, { reason: 'x' })],
  ['item id $where', () => patch(`/api/items/${encodeURIComponent('$where')}`, { active: false }, organiser.auth)],
  // Mass assignment of protected fields
  ['own role', () => patch('/api/users/me', { role: 'organiser' })],
  ['own tokenVersion', () => patch('/api/users/me', { tokenVersion: 0 })],
  ['own passwordHash', () => patch('/api/users/me', { passwordHash: 'x' })],
  [
    "another user's tokenVersion",
    () => patch(`/api/users/${coordinator.user.id}`, { tokenVersion: 99 }, organiser.auth),
  ],
  ['donation receivedBy', () => post('/api/donations', donation({ receivedBy: organiser.user.id }))],
  [
    'donation voided',
    () => post('/api/donations', donation({ voided: { at: new Date().toISOString(), by: 'x', reason: 'x' } })),
  ],
  [
    'donation id and createdAt',
    () => post('/api/donations', donation({ id: donationId, createdAt: '2020-01-01T00:00:00Z' })),
  ],
  ['donation line lotId', () => post('/api/donations', donation({}, { lotId: 'lot-forged' }))],
  [
    'adjustment with onHand and reserved',
    () =>
      post('/api/stock/adjustments', {
        locationId: scene.origin.id,
        lotId: scene.lotId,
        countedQuantity: 1000,
        reason: 'recount',
        onHand: 1e9,
        reserved: 0,
      }),
  ],
  [
    'write-off with a ledger entry',
    () =>
      post('/api/stock/write-offs', {
        locationId: scene.origin.id,
        lotId: scene.lotId,
        quantity: 1,
        reason: 'spoiled',
        movements: [{ kind: 'received', quantity: 1e6 }],
      }),
  ],
  [
    'shipment created delivered',
    () =>
      post('/api/shipments', {
        campaignId: scene.campaign.id,
        originId: scene.origin.id,
        destinationId: scene.destination.id,
        lines: [{ itemId: scene.item.id, quantity: 1 }],
        status: 'delivered',
      }),
  ],
  ['shipment patch status', () => patch(`/api/shipments/${shipmentId}`, { status: 'delivered', history: [] })],
  [
    'shipment patch lastHeardAt',
    () => patch(`/api/shipments/${shipmentId}`, { lastHeardAt: new Date().toISOString() }),
  ],
  ['campaign progress totals', () => patch(`/api/campaigns/${scene.campaign.id}`, { donated: 1e6 }, organiser.auth)],
  // Oversized, deeply nested, malformed, wrong types
  ['a 2 MB body', () => post('/api/donations', donation({ donor: { kind: 'person', name: 'x'.repeat(2_000_000) } }))],
  [
    'a body nested 5,000 deep',
    // As JSON text built without recursion: supertest's own serialiser recurses and can run out
    // of stack in the test process before anything is sent.
    () =>
      api()
        .post('/api/donations')
        .set(coordinator.auth)
        .set('Content-Type', 'application/json')
        .send(
          JSON.stringify(donation({ donor: '__deep__' })).replace(
            '"__deep__"',
            `${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)}`,
          ),
        ),
  ],
  ['a body nested 50 deep in a line', () => post('/api/donations', donation({}, { expiresAt: nested(50) }))],
  [
    'malformed JSON',
    () =>
      api()
        .post('/api/donations')
        .set(coordinator.auth)
        .set('Content-Type', 'application/json')
        .send('{"campaignId": "'),
  ],
  [
    'JSON with a trailing comma',
    () =>
      api().post('/api/donations').set(coordinator.auth).set('Content-Type', 'application/json').send('{"lines": [],}'),
  ],
  [
    'a JSON string as the body',
    () => api().post('/api/donations').set(coordinator.auth).set('Content-Type', 'application/json').send('"x"'),
  ],
  ['a form body', () => api().post('/api/donations').set(coordinator.auth).type('form').send('campaignId=x&lines=1')],
  ['text/plain', () => api().post('/api/donations').set(coordinator.auth).set('Content-Type', 'text/plain').send('{}')],
  ['quantity as a string', () => post('/api/donations', donation({}, { quantity: '10; drop' }))],
  ['quantity negative', () => post('/api/donations', donation({}, { quantity: -5 }))],
  ['quantity fractional', () => post('/api/donations', donation({}, { quantity: 1.5 }))],
  ['quantity huge', () => post('/api/donations', donation({}, { quantity: 1e308 }))],
  [
    'lines as an object',
    () => post('/api/donations', donation({ lines: { 0: { itemId: scene.item.id, quantity: 1 } } })),
  ],
  [
    'a list of 100,000 lines',
    () =>
      post(
        '/api/donations',
        donation({ lines: Array.from({ length: 100_000 }, () => ({ itemId: scene.item.id, quantity: 1 })) }),
      ),
  ],
  [
    '__proto__ pollution',
    () =>
      api()
        .post('/api/donations')
        .set(coordinator.auth)
        .set('Content-Type', 'application/json')
        .send(
          `{"campaignId":"${scene.campaign.id}","locationId":"${scene.origin.id}","lines":[{"itemId":"${scene.item.id}","quantity":1}],"__proto__":{"role":"organiser"}}`,
        ),
  ],
  [
    'constructor.prototype pollution',
    () => post('/api/donations', donation({ constructor: { prototype: { isAdmin: true } } })),
  ],
  [
    'an update at a bad time',
    () => post(`/api/shipments/${shipmentId}/updates`, { id: randomUUID(), status: 'cancelled', at: 'yesterday' }),
  ],
  [
    'an update with a non-uuid id',
    () => post(`/api/shipments/${shipmentId}/updates`, { id: { $gt: '' }, status: 'cancelled', at: nextAt() }),
  ],
  ['a bad Idempotency-Key', () => post('/api/donations', donation()).set('Idempotency-Key', '$ne {"a":1}')],
];

describe('Hostile input', () => {
  test('When operators, protected fields, huge, deep, malformed or mistyped bodies are sent, then each is a 4xx and nothing in the database changes', async () => {
    // The live events of the set-up are stored after their answers: wait for them first.
    await app.karavan.live.idle();
    const before = await databaseFingerprint();
    const failures: string[] = [];
    for (const [name, send] of ATTEMPTS()) {
      const res = await send();
      if (res.status < 400 || res.status >= 500)
        failures.push(`${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      else if (typeof (res.body as { code?: unknown }).code !== 'string') failures.push(`${name}: no error code`);
      else if (/at .*\.(ts|js):\d+/.test(JSON.stringify(res.body))) failures.push(`${name}: a stack trace`);
    }
    expect(failures).toEqual([]);
    await app.karavan.live.idle();
    expect(await databaseFingerprint()).toEqual(before);
    // Nobody became an organiser and Object.prototype is clean.
    const me = await get('/api/users/me').expect(200);
    expect(me.body.role).toBe('coordinator');
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  test('When the injections are sent, then the answers are the documented ones (413 too big, 415 not JSON, 400 with field paths)', async () => {
    const big = await post('/api/donations', donation({ donor: { kind: 'person', name: 'x'.repeat(2_000_000) } }));
    expect(big.status).toBe(413);
    const form = await api().post('/api/donations').set(coordinator.auth).type('form').send('campaignId=x');
    expect(form.status).toBe(415);
    const op = await post('/api/donations', donation({ campaignId: { $gt: '' } }));
    expect(op.status).toBe(400);
    expect((op.body.details as { path: string }[]).map((d) => d.path)).toContain('body.campaignId');
    const role = await patch('/api/users/me', { role: 'organiser' });
    expect(role.status).toBe(400);
    expect((role.body.details as { path: string }[]).map((d) => d.path)).toContain('body.role');
  });
});
