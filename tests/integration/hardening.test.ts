import request from 'supertest';
import { CLOCK_SKEW_ALLOWANCE_MS, type ShipmentDto } from '@karavan/shared';
import { Donation } from '../../server/src/donations';
import { Location } from '../../server/src/locations';
import { User } from '../../server/src/users';
import { startTestApp, type TestApp } from '../support/app';
import { buildCampaign } from '../support/catalogue';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, sendUpdate } from '../support/shipments';

/*
 * The smaller findings of the second review: device clocks in the future, donations dated before
 * their drive, a delivery counting one item twice, invisible direction overrides and
 * noncharacters in names, bodies that are not UTF-8.
 */

let app: TestApp;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let organiser: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp();
  [coordinator, organiser] = await Promise.all([
    signedIn(app.url, { role: 'coordinator' }),
    signedIn(app.url, { role: 'organiser' }),
  ]);
});
afterAll(() => app.close());

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

describe('Status updates dated in the future', () => {
  test('When a phone sends at=2999-01-01, then `at` is kept as sent but the departure, the wait and the last position use the receive time', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const send = async (auth: Record<string, string>, status: string, at: string, extra = {}) => {
      const res = await sendUpdate(app.url, auth, shipment.id, status as never, { at, ...extra });
      expect(res.status).toBe(200);
      return res.body as { applied: boolean; shipment: ShipmentDto };
    };
    await send(coordinator.auth, 'loading', minutesAgo(50));
    await send(s.driver.auth, 'departed', minutesAgo(40));
    await send(s.driver.auth, 'at_checkpoint', minutesAgo(30), { checkpointId: s.checkpoint.id });
    const before = Date.now();
    const future = await send(s.driver.auth, 'departed', '2999-01-01T00:00:00.000Z', {
      position: { lat: 43.05, lng: 74.72 },
    });
    const limit = Date.now() + CLOCK_SKEW_ALLOWANCE_MS;
    expect(future.applied).toBe(true);
    const after = future.shipment;
    // The device's time is kept as sent.
    expect(after.history.at(-1)!.at).toBe('2999-01-01T00:00:00.000Z');
    // What the server works out does not believe it.
    const wait = after.checkpoints.find((c) => c.locationId === s.checkpoint.id)!;
    expect(new Date(wait.departedAt!).getTime()).toBeLessThanOrEqual(limit);
    expect(new Date(wait.departedAt!).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(wait.waitMinutes).toBeLessThanOrEqual(30 + CLOCK_SKEW_ALLOWANCE_MS / 60_000 + 1);
    expect(new Date(after.lastPosition!.at).getTime()).toBeLessThanOrEqual(limit);
    expect(new Date(after.lastStatusAt!).getTime()).toBeLessThanOrEqual(limit);
    // A later, truthful update still applies.
    const arrived = await send(
      s.driver.auth,
      'arrived',
      new Date(Date.now() + CLOCK_SKEW_ALLOWANCE_MS + 5_000).toISOString(),
    );
    expect(arrived.applied).toBe(true);
    expect(new Date(arrived.shipment.arrivedAt!).getTime()).toBeLessThanOrEqual(Date.now() + CLOCK_SKEW_ALLOWANCE_MS);
  });

  test('When the first departure is dated in the future, then departedAt is the receive time, not the device time', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading', { at: minutesAgo(5) })).status).toBe(
      200,
    );
    const res = await sendUpdate(app.url, s.driver.auth, shipment.id, 'departed', { at: '2999-01-01T00:00:00.000Z' });
    expect(res.status).toBe(200);
    expect(new Date(res.body.shipment.departedAt).getTime()).toBeLessThanOrEqual(Date.now() + CLOCK_SKEW_ALLOWANCE_MS);
  });
});

describe('POST /api/donations dated before the campaign', () => {
  test('When receivedAt is before the campaign started (less a day), then it is 422 and nothing is recorded; within the day it is taken', async () => {
    const s = await buildScene(app.url, { stock: 0 });
    const campaign = await buildCampaign({ startsAt: '2022-01-06T00:00:00.000Z' });
    const body = (receivedAt: string) => ({
      campaignId: campaign.id,
      locationId: s.origin.id,
      receivedAt,
      lines: [{ itemId: s.item.id, quantity: 5, expiresAt: '2022-01-20T00:00:00.000Z' }],
    });
    const count = () => Donation.countDocuments({ campaignId: campaign.id });
    for (const early of ['1970-01-01T00:00:00.000Z', '2022-01-04T23:59:00.000Z']) {
      const res = await request(app.url).post('/api/donations').set(coordinator.auth).send(body(early));
      expect(res.status).toBe(422);
      expect(res.body.details[0]).toMatchObject({ path: 'body.receivedAt', type: 'date.min' });
    }
    expect(await count()).toBe(0);
    const eve = await request(app.url)
      .post('/api/donations')
      .set(coordinator.auth)
      .send(body('2022-01-05T12:00:00.000Z'));
    expect(eve.body).toMatchObject({ receivedAt: '2022-01-05T12:00:00.000Z' });
    expect(eve.status).toBe(201);
    expect(await count()).toBe(1);
  });
});

describe('A delivery listing an item twice', () => {
  test('When the same item comes twice in the delivery lines, then it is 422 naming the second line and nothing changes', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    for (const status of ['loading', 'departed', 'arrived'] as const) {
      expect((await sendUpdate(app.url, coordinator.auth, shipment.id, status)).status).toBe(200);
    }
    const res = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      receivedBy: 'Алия',
      lines: [
        { itemId: s.item.id, received: 100 },
        { itemId: s.item.id, received: 90, reason: 'damaged' },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.details).toContainEqual(expect.objectContaining({ path: 'body.lines.1.itemId', type: 'unique' }));
    const now = await request(app.url).get(`/api/shipments/${shipment.id}`).set(coordinator.auth);
    expect(now.body.status).toBe('arrived');
    expect(now.body.lines[0].received).toBeNull();
  });
});

describe('Direction overrides and noncharacters in text', () => {
  const INVISIBLE = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
  const NONCHARACTERS = ['\ufffe', '\uffff', '\ufdd0', '\ufdef', '\u{1fffe}', '\u{10ffff}'];

  test.each([...INVISIBLE, ...NONCHARACTERS].map((c) => [`U+${c.codePointAt(0)!.toString(16).toUpperCase()}`, c]))(
    'When a name holds %s, then every kind of name is refused with 400 and nothing is saved',
    async (_name, c) => {
      const name = `Erlan${c}nalrE`;
      const driver = await signedIn(app.url, { role: 'driver' });
      const me = await request(app.url).patch('/api/users/me').set(driver.auth).send({ name });
      expect(me.status).toBe(400);
      expect(me.body.details[0].path).toBe('body.name');
      expect((await User.findById(driver.user.id).lean())!.name).toBe(driver.user.name);

      const campaign = await request(app.url)
        .post('/api/campaigns')
        .set(organiser.auth)
        .send({ name: `Хлеб детям ${c}`, status: 'active', public: true });
      expect(campaign.status).toBe(400);
      const place = await request(app.url)
        .post('/api/locations')
        .set(organiser.auth)
        .send({ name: `Склад ${c}`, kind: 'warehouse' });
      expect(place.status).toBe(400);
      const note = await request(app.url)
        .post('/api/locations')
        .set(organiser.auth)
        .send({ name: `Склад ${Date.now()}`, kind: 'warehouse', openingHours: `9-18\n${c}` });
      expect(note.status).toBe(400);
    },
  );

  test('When a name is written in Kyrgyz, Kazakh or with an emoji, then it is still taken', async () => {
    const driver = await signedIn(app.url, { role: 'driver' });
    const res = await request(app.url).patch('/api/users/me').set(driver.auth).send({ name: 'Үмүт Әлібек 🚚' });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Үмүт Әлібек 🚚');
  });
});

describe('Bodies that are not UTF-8', () => {
  test('When a JSON body holds bytes that are not UTF-8, then it is 400 and nothing with U+FFFD is saved', async () => {
    const name = `Склад ${Date.now()}`;
    const bytes = Buffer.concat([
      Buffer.from(`{"name":"${name} `, 'utf8'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('","kind":"warehouse"}', 'utf8'),
    ]);
    // The raw bytes, as sent (supertest would serialise a Buffer as JSON).
    const post = (body: Buffer) =>
      fetch(`${app.url}/api/locations`, {
        method: 'POST',
        headers: { ...organiser.auth, 'Content-Type': 'application/json' },
        body: new Uint8Array(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { code?: string; name?: string } }));
    const res = await post(bytes);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MALFORMED_JSON');
    expect(await Location.countDocuments({ name: { $regex: `^${name}` } })).toBe(0);
    const good = await post(Buffer.from(`{"name":"${name} ✓","kind":"warehouse"}`, 'utf8'));
    expect(good.status).toBe(201);
    expect(good.body.name).toBe(`${name} ✓`);
  });
});
