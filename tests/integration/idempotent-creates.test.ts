import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { IdempotencyRecord } from '../../server/src/lib/idempotency';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { buildScene, shipmentBody } from '../support/shipments';

// A create that was done but whose answer, and the "done" mark of its Idempotency-Key, were lost
// (the process killed or the database gone between the two writes): the key is released at the
// next start or once stale, and the client sends the same request again with the same key. It
// must get the first one back, never a second one and never a 409 for its own name.

let app: TestApp;
let organiser: { Authorization: string };
let coordinator: { Authorization: string };
beforeAll(async () => {
  app = await startTestApp();
  organiser = (await signedIn(app.url, { role: 'organiser' })).auth;
  coordinator = (await signedIn(app.url, { role: 'coordinator' })).auth;
});
afterAll(() => app.close());

const tag = () => randomUUID().slice(0, 8);

/** Sends `body` with a key, forgets the key as a crash would, and sends it again. */
async function createTwice(path: string, auth: Record<string, string>, body: object) {
  const key = `retry-${randomUUID()}`;
  const first = await request(app.url).post(path).set(auth).set('Idempotency-Key', key).send(body);
  expect(first.status).toBe(201);
  await IdempotencyRecord.deleteMany({ _id: { $regex: `:${key}$` } });
  const again = await request(app.url).post(path).set(auth).set('Idempotency-Key', key).send(body);
  return { first, again };
}

const cases: Array<[string, string, () => Record<string, string>, () => Promise<object>, (body: object) => string]> = [
  [
    'an item',
    '/api/items',
    () => organiser,
    async () => ({ name: { ru: `Кефир ${tag()}`, en: `Kefir ${tag()}` }, baseUnit: 'litre' }),
    (b) => `/api/items?q=${encodeURIComponent((b as { name: { en: string } }).name.en)}`,
  ],
  [
    'a place',
    '/api/locations',
    () => organiser,
    async () => ({ name: `Склад ${tag()}`, kind: 'warehouse' }),
    (b) => `/api/locations?q=${encodeURIComponent((b as { name: string }).name)}`,
  ],
  [
    'a campaign',
    '/api/campaigns',
    () => organiser,
    async () => ({ name: `Зима ${tag()}`, startsAt: '2026-12-01T00:00:00.000Z' }),
    (b) => `/api/campaigns?q=${encodeURIComponent((b as { name: string }).name)}`,
  ],
  [
    'a volunteer',
    '/api/volunteers',
    () => coordinator,
    async () => ({ name: `Айгуль ${tag()}` }),
    (b) => `/api/volunteers?q=${encodeURIComponent((b as { name: string }).name)}`,
  ],
  [
    'a user',
    '/api/users',
    () => organiser,
    async () => ({
      email: `u-${tag()}@example.org`,
      name: `Азамат ${tag()}`,
      role: 'coordinator',
      password: `Kv-${randomUUID()}`,
    }),
    (b) => `/api/users?q=${encodeURIComponent((b as { email: string }).email)}`,
  ],
];

test.each(cases)(
  'When %s is created again with the key of a lost answer, then the first one comes back and there is one',
  async (_what, path, auth, body, list) => {
    const sent = await body();
    const { first, again } = await createTwice(path, auth(), sent);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const found = await request(app.url).get(list(sent)).set(auth());
    expect(found.body.total).toBe(1);
  },
);

test('When a shipment is planned again with the key of a lost answer, then the first one comes back and there is one', async () => {
  const scene = await buildScene(app.url);
  const { first, again } = await createTwice('/api/shipments', coordinator, shipmentBody(scene));
  expect(again.status).toBe(201);
  expect(again.body.id).toBe(first.body.id);
  const listed = await request(app.url).get('/api/shipments').query({ campaignId: scene.campaign.id }).set(coordinator);
  expect(listed.body.total).toBe(1);
});
