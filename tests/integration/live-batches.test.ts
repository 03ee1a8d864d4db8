import request from 'supertest';
import type { DonationDto, EventsPage, LiveEventName, SubscribeAck } from '@karavan/shared';
import { currentSeq } from '../../server/src/realtime/event-log';
import { startTestApp, type TestApp } from '../support/app';
import { startRedis } from '../support/redis';
import { openSocket, ready, type ClientSocket } from '../support/sockets';
import { stockWorld, type StockWorld } from '../support/stock';

// Live events go out in batches, pipelined: while one batch is stored the next one takes its seqs,
// and each socket gets a whole batch in one write. Two instances on one database and one Redis,
// many donations at once on both: every dashboard socket, on either instance, gets every event
// of the room once, each instance's in seq order, and a catch-up from its subscription's seq
// holds exactly what it got live.
let redis: Awaited<ReturnType<typeof startRedis>>;
let a: TestApp;
let b: TestApp;
let w: StockWorld;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const env = { REDIS_URL: redis.url, JWT_SECRET: 'shared-secret-of-both-instances-for-live-batches' };
  a = await startTestApp(env);
  b = await startTestApp(env);
  w = await stockWorld(a.url);
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await a.close();
  await b.close();
  await redis.stop();
});

const NAMES: LiveEventName[] = ['donation.recorded', 'stock.changed', 'campaign.progress'];

/** A dashboard socket on `url` recording every live event in arrival order. */
async function dashboard(url: string) {
  const socket = openSocket(url, { token: w.coordinator.tokens.accessToken });
  sockets.push(socket);
  await ready(socket);
  const got: { name: LiveEventName; seq: number; donationId?: string }[] = [];
  for (const name of NAMES) {
    (socket as unknown as { on(n: string, f: (p: { seq: number; donation?: DonationDto }) => void): void }).on(
      name,
      (payload) => got.push({ name, seq: payload.seq, donationId: payload.donation?.id }),
    );
  }
  const ack = await new Promise<SubscribeAck>((resolve) => socket.emit('subscribe', { room: 'dashboard' }, resolve));
  if (!ack.ok) throw new Error(`subscribe refused: ${ack.code}`);
  return { got, from: ack.seq };
}

/** The room's log after `after`, every page, and up to where it is complete (the last page's `seq`). */
async function logAfter(after: number): Promise<{ seqs: number[]; complete: number }> {
  const seqs: number[] = [];
  let from = after;
  for (;;) {
    const res = await request(a.url)
      .get('/api/events')
      .query({ room: 'dashboard', after: from, limit: 500 })
      .set(w.coordinator.auth)
      .expect(200);
    const page = res.body as EventsPage;
    seqs.push(...page.items.map((item) => item.seq));
    if (page.items.length < 500) return { seqs, complete: page.seq };
    from = page.items[page.items.length - 1]!.seq;
  }
}

/**
 * The room's whole log after `after`, once a catch-up reaches every seq taken so far. An instance
 * clears its in-flight mark in Redis without waiting, so just after both are idle a catch-up may
 * still stop below the other's last batch (by design: its `seq` says where to go on from).
 */
async function wholeLogAfter(after: number): Promise<number[]> {
  const top = await currentSeq();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { seqs, complete } = await logAfter(after);
    if (complete >= top) return seqs;
    if (Date.now() > deadline) throw new Error(`the log stays complete only up to ${complete}, not ${top}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('When both instances record many donations at once, then every dashboard socket gets every event once, each instance in seq order, and the log holds the same', async () => {
  const onA = await dashboard(a.url);
  const onB = await dashboard(b.url);
  const ROUNDS = 6;
  const AT_ONCE = 12;
  /** Which instance recorded each donation. */
  const origin = new Map<string, 'a' | 'b'>();
  for (let round = 0; round < ROUNDS; round += 1) {
    await Promise.all(
      Array.from({ length: AT_ONCE }, async (_, j) => {
        const on = j % 2 === 0 ? 'a' : 'b';
        const res = await request(on === 'a' ? a.url : b.url)
          .post('/api/donations')
          .set(w.coordinator.auth)
          .send({ campaignId: w.campaign.id, locationId: w.point.id, lines: [{ itemId: w.bread.id, quantity: 1 }] })
          .expect(201);
        origin.set((res.body as DonationDto).id, on);
      }),
    );
  }
  await a.karavan.live.idle();
  await b.karavan.live.idle();

  const from = Math.max(onA.from, onB.from);
  const logged = await wholeLogAfter(from);
  // One donation.recorded per donation, at least; snapshots may be coalesced under load.
  expect(logged.length).toBeGreaterThanOrEqual(ROUNDS * AT_ONCE);
  for (const socket of [onA, onB]) {
    const deadline = Date.now() + 15_000;
    const live = () => socket.got.filter((e) => e.seq > from);
    while (live().length < logged.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seqs = live().map((e) => e.seq);
    // Every event of the log, once: nothing lost, nothing doubled.
    expect([...seqs].sort((x, y) => x - y)).toEqual(logged);
    // Each instance's donations arrive in the order of their seqs (one instance sends in order).
    for (const instance of ['a', 'b'] as const) {
      const own = live()
        .filter((e) => e.name === 'donation.recorded' && origin.get(e.donationId!) === instance)
        .map((e) => e.seq);
      expect(own).toHaveLength((ROUNDS * AT_ONCE) / 2);
      expect(own).toEqual([...own].sort((x, y) => x - y));
    }
  }
}, 120_000);
