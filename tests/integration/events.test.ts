import request from 'supertest';
import { SeqTracker, type LiveEventDto, type LiveEventName, type SubscribeAck } from '@karavan/shared';
import mongoose from 'mongoose';
import { startTestApp, type TestApp } from '../support/app';
import { buildCampaign } from '../support/catalogue';
import { openSocket, ready, type ClientSocket } from '../support/sockets';
import { expectLedgerConsistent, stockWorld, type StockWorld } from '../support/stock';
import { TTL_TEST_TIMEOUT_MS, untilExpired } from '../support/ttl';

let app: TestApp;
let w: StockWorld;
const sockets: ClientSocket[] = [];
beforeAll(async () => {
  app = await startTestApp();
  w = await stockWorld(app.url);
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await app.close();
});
afterEach(() => expectLedgerConsistent());

const EVENTS: LiveEventName[] = [
  'donation.recorded',
  'donation.voided',
  'stock.changed',
  'campaign.progress',
  'volunteer.changed',
];

/** A signed-in socket that records every live event it gets, in arrival order. */
async function watcher(token: string) {
  const socket = openSocket(app.url, { token });
  sockets.push(socket);
  await ready(socket);
  const got: { name: LiveEventName; payload: { seq: number } & Record<string, unknown> }[] = [];
  for (const name of EVENTS) {
    (socket as unknown as { on(n: string, f: (p: never) => void): void }).on(name, (payload) => {
      got.push({ name, payload });
    });
  }
  const subscribe = (room: string) =>
    new Promise<SubscribeAck>((resolve) => socket.emit('subscribe', { room }, resolve));
  const unsubscribe = (room: string) =>
    new Promise<{ ok: boolean }>((resolve) => socket.emit('unsubscribe', { room }, resolve));
  return { socket, got, subscribe, unsubscribe };
}

/** Resolves once `n` events have arrived (a round trip through the event loop per check). */
async function until(got: unknown[], n: number) {
  while (got.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('subscribe', () => {
  test('When a coordinator subscribes to the dashboard, a campaign and a location, then each is acknowledged with the seq', async () => {
    const { subscribe } = await watcher(w.coordinator.tokens.accessToken);
    for (const room of ['dashboard', `campaign:${w.campaign.id}`, `location:${w.point.id}`]) {
      const ack = await subscribe(room);
      expect(ack).toEqual({ ok: true, seq: expect.any(Number) });
    }
  });

  test('When a driver subscribes to the dashboard, then it is refused FORBIDDEN; odd rooms are refused too', async () => {
    const driver = await watcher(w.driver.tokens.accessToken);
    expect(await driver.subscribe('dashboard')).toEqual({ ok: false, code: 'FORBIDDEN' });
    expect(await driver.subscribe(`campaign:${w.campaign.id}`)).toEqual({ ok: false, code: 'FORBIDDEN' });
    const coordinator = await watcher(w.coordinator.tokens.accessToken);
    // No such shipment (who may watch shipment rooms: tests/integration/shipments-live.test.ts).
    expect(await coordinator.subscribe('shipment:0123456789abcdef01234567')).toEqual({
      ok: false,
      code: 'FORBIDDEN',
    });
    expect(await coordinator.subscribe('warehouse:0123456789abcdef01234567')).toEqual({
      ok: false,
      code: 'UNKNOWN_ROOM',
    });
    expect(await coordinator.subscribe(`user:${w.coordinator.user.id}`)).toEqual({ ok: false, code: 'UNKNOWN_ROOM' });
    expect(await coordinator.subscribe('campaign:nope')).toEqual({ ok: false, code: 'INVALID_ROOM' });
    expect(await coordinator.subscribe({} as unknown as string)).toEqual({ ok: false, code: 'INVALID_ROOM' });
  });
});

describe('Live events', () => {
  test('When a donation is recorded, then the campaign room gets donation.recorded, stock.changed and campaign.progress in order', async () => {
    const { got, subscribe } = await watcher(w.coordinator.tokens.accessToken);
    const ack = await subscribe(`campaign:${w.campaign.id}`);
    if (!ack.ok) throw new Error('refused');
    const donation = await w.donate([
      { itemId: w.bread.id, quantity: 1, unit: 'tray' },
      { itemId: w.milk.id, quantity: 6 },
    ]);
    await until(got, 3);
    expect(got.map((e) => e.name)).toEqual(['donation.recorded', 'stock.changed', 'campaign.progress']);
    const seqs = got.map((e) => e.payload.seq);
    expect(seqs[0]).toBeGreaterThan(ack.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(3);
    for (const e of got) expect(e.payload.at).toEqual(expect.any(String));
    expect(got[0]!.payload.donation).toEqual(donation);
    expect(got[1]!.payload).toMatchObject({ locationId: w.point.id });
    const rows = got[1]!.payload.rows as { lotId: string; onHand: number }[];
    expect(rows.map((r) => r.lotId).sort()).toEqual(donation.lines.map((l) => l.lotId).sort());
    const progress = got[2]!.payload.progress as {
      campaignId: string;
      seq: number;
      items: { itemId: string; donated: number }[];
    };
    expect(progress.campaignId).toBe(w.campaign.id);
    expect(progress.items.find((i) => i.itemId === w.bread.id)!.donated).toBeGreaterThanOrEqual(20);
    // The snapshot's seq is the event's own: it was read after that seq was taken.
    expect(progress.seq).toBe(got[2]!.payload.seq);
  });

  test('When a socket was away, then GET /api/events gives what it missed, in order, without doubles', async () => {
    const room = `location:${w.warehouse.id}`;
    const first = await watcher(w.coordinator.tokens.accessToken);
    const ack = await first.subscribe(room);
    if (!ack.ok) throw new Error('refused');
    const tracker = new SeqTracker(ack.seq);
    await w.donate([{ itemId: w.water.id, quantity: 2 }], { locationId: w.warehouse.id });
    await until(first.got, 2); // a location room gets donations and stock; progress goes to campaign rooms
    for (const e of first.got) expect(tracker.accept(e.payload.seq)).toBe(true);
    first.socket.close();

    // While it is away: a donation and a write-off there.
    const missed = await w.donate([{ itemId: w.water.id, quantity: 5 }], { locationId: w.warehouse.id });
    await request(app.url)
      .post('/api/stock/write-offs')
      .set(w.coordinator.auth)
      .send({ locationId: w.warehouse.id, lotId: missed.lines[0]!.lotId, quantity: 1, reason: 'damaged' })
      .expect(201);
    await app.karavan.live.idle();

    const again = await watcher(w.coordinator.tokens.accessToken);
    expect((await again.subscribe(room)).ok).toBe(true);
    const res = await request(app.url)
      .get('/api/events')
      .query({ after: tracker.cursor(), room })
      .set(w.coordinator.auth)
      .expect(200);
    expect(res.body).toMatchObject({ truncated: false, limit: 500, seq: expect.any(Number) });
    const items = res.body.items as LiveEventDto[];
    const seqs = items.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const fresh = items.filter((e) => tracker.accept(e.seq));
    expect(fresh.map((e) => e.name)).toEqual(['donation.recorded', 'stock.changed', 'stock.changed']);
    expect((fresh[0]!.payload as { donation: { id: string } }).donation.id).toBe(missed.id);
    expect((fresh[2]!.payload as { rows: { onHand: number }[] }).rows[0]!.onHand).toBeGreaterThanOrEqual(4);
    // Asking again from the latest seq gives nothing new.
    const none = await request(app.url)
      .get('/api/events')
      .query({ after: tracker.latest, room })
      .set(w.coordinator.auth)
      .expect(200);
    expect(none.body.items).toEqual([]);
  });

  test('When a socket unsubscribes, then it gets no more events of that room', async () => {
    const { got, subscribe, unsubscribe } = await watcher(w.coordinator.tokens.accessToken);
    const room = `location:${w.distribution.id}`;
    expect((await subscribe(room)).ok).toBe(true);
    expect(await unsubscribe(room)).toEqual({ ok: true });
    await w.donate([{ itemId: w.water.id, quantity: 1 }], { locationId: w.distribution.id });
    await app.karavan.live.idle();
    // Anything sent to the room would have arrived before this acknowledgement.
    await subscribe('dashboard');
    expect(got).toEqual([]);
  });

  test('When a volunteer is registered, then the dashboard gets volunteer.changed', async () => {
    const { got, subscribe } = await watcher(w.organiser.tokens.accessToken);
    expect((await subscribe('dashboard')).ok).toBe(true);
    const res = await request(app.url)
      .post('/api/volunteers')
      .set(w.organiser.auth)
      .send({ name: 'Асель' })
      .expect(201);
    await until(got, 1);
    expect(got[0]).toMatchObject({
      name: 'volunteer.changed',
      payload: { volunteer: { id: res.body.id, name: 'Асель' } },
    });
  });
});

describe('GET /api/events/latest', () => {
  const latest = (query: Record<string, unknown>, auth = w.organiser.auth) =>
    request(app.url).get('/api/events/latest').query(query).set(auth);

  test('When a campaign has had donations, then the latest events of its room come oldest first, of the names asked, up to the limit', async () => {
    const campaign = await buildCampaign({ targets: [] });
    const room = `campaign:${campaign.id}`;
    const donations = [];
    for (const quantity of [1, 2, 3, 4]) {
      donations.push(await w.donate([{ itemId: w.water.id, quantity }], { campaignId: campaign.id }));
    }
    await w.donate([{ itemId: w.water.id, quantity: 9 }]); // another campaign: not in this room
    await app.karavan.live.idle();

    const all = await latest({ room, limit: 200 }).expect(200);
    expect(all.body).toMatchObject({ limit: 200, seq: expect.any(Number) });
    const seqs = (all.body.items as LiveEventDto[]).map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(Math.max(...seqs)).toBeLessThanOrEqual(all.body.seq);
    // Each donation: donation.recorded, stock.changed and campaign.progress (possibly coalesced).
    const recorded = (all.body.items as LiveEventDto[]).filter((e) => e.name === 'donation.recorded');
    expect(recorded.map((e) => (e.payload as { donation: { id: string } }).donation.id)).toEqual(
      donations.map((d) => d.id),
    );

    // The catch-up reads the same log: the same events, the same seqs.
    const after = await request(app.url).get('/api/events').query({ after: 0, room }).set(w.organiser.auth).expect(200);
    expect((after.body.items as LiveEventDto[]).map((e) => e.seq)).toEqual(seqs);

    const two = await latest({ room, limit: 2, name: 'donation.recorded' }).expect(200);
    expect(
      (two.body.items as LiveEventDto[]).map((e) => (e.payload as { donation: { id: string } }).donation.id),
    ).toEqual(donations.slice(2).map((d) => d.id));
    const named = await request(app.url)
      .get(`/api/events/latest?room=${room}&name=donation.recorded&name=campaign.progress`)
      .set(w.organiser.auth)
      .expect(200);
    expect(new Set((named.body.items as LiveEventDto[]).map((e) => e.name))).toEqual(
      new Set(['donation.recorded', 'campaign.progress']),
    );
    expect(named.body.limit).toBe(50);
  });

  test('When the caller may not watch the room or asks wrongly, then it is 403, 400 or 401', async () => {
    await latest({ room: 'dashboard' }, w.driver.auth).expect(403);
    await latest({ room: `campaign:${w.campaign.id}` }, w.driver.auth).expect(403);
    const bad = await latest({ room: 'campaign:nope' }).expect(400);
    expect(bad.body.details[0].path).toBe('query.room');
    expect((await latest({ room: 'dashboard', name: 'nonsense' }).expect(400)).body.details[0].path).toMatch(
      /^query\.name/,
    );
    await latest({ room: 'dashboard', limit: 201 }).expect(400);
    await request(app.url).get('/api/events/latest').query({ room: 'dashboard' }).expect(401);
    expect((await latest({ room: 'dashboard' }, w.coordinator.auth).expect(200)).body.items.length).toBeGreaterThan(0);
  });
});

describe('GET /api/events', () => {
  test('When the caller may not watch the room, then it is 403; a bad room 400; no token 401', async () => {
    await request(app.url).get('/api/events').query({ after: 0, room: 'dashboard' }).set(w.driver.auth).expect(403);
    // No such shipment (who may watch shipment rooms: tests/integration/shipments-live.test.ts).
    await request(app.url)
      .get('/api/events')
      .query({ after: 0, room: 'shipment:0123456789abcdef01234567' })
      .set(w.coordinator.auth)
      .expect(403);
    const bad = await request(app.url)
      .get('/api/events')
      .query({ after: 0, room: 'campaign:nope' })
      .set(w.coordinator.auth)
      .expect(400);
    expect(bad.body.details[0].path).toBe('query.room');
    await request(app.url)
      .get('/api/events')
      .query({ after: 0, room: 'warehouse:0123456789abcdef01234567' })
      .set(w.coordinator.auth)
      .expect(400);
    await request(app.url).get('/api/events').query({ after: 0 }).set(w.coordinator.auth).expect(400);
    await request(app.url).get('/api/events').query({ after: 0, room: 'dashboard' }).expect(401);
  });

  test(
    'When events are older than the retention, then the database expires them (TTL) and a catch-up from before says truncated',
    async () => {
      await w.donate([{ itemId: w.water.id, quantity: 1 }]);
      await app.karavan.live.idle();
      const before = await request(app.url)
        .get('/api/events')
        .query({ after: 0, room: 'dashboard', limit: 1 })
        .set(w.organiser.auth)
        .expect(200);
      expect(before.body.items).toHaveLength(1);
      const events = mongoose.connection.collection<{ _id: number; at: Date }>('events');
      const retention = (await events.listIndexes().toArray()).find((i) => i.name === 'at_1');
      expect(retention).toMatchObject({ key: { at: 1 }, expireAfterSeconds: 7 * 24 * 3600 });
      await events.updateMany({}, { $set: { at: new Date(Date.now() - 8 * 24 * 3_600_000) } });
      expect(await untilExpired(async () => (await events.countDocuments()) === 0)).toBe(true);
      const after = await request(app.url)
        .get('/api/events')
        .query({ after: 0, room: 'dashboard' })
        .set(w.organiser.auth)
        .expect(200);
      expect(after.body).toMatchObject({ items: [], truncated: true });
      const latest = await request(app.url)
        .get('/api/events')
        .query({ after: after.body.seq, room: 'dashboard' })
        .set(w.organiser.auth)
        .expect(200);
      expect(latest.body.truncated).toBe(false);
    },
    TTL_TEST_TIMEOUT_MS,
  );
});
