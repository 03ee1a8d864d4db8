import request from 'supertest';
import type { EventsPage } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { startRedis } from '../support/redis';
import { stockWorld, type StockWorld } from '../support/stock';

// Two instances on one database and one Redis (REDIS_URL), both taking seqs for live events at
// once and at a high rate: a catch-up answers with the seq up to which the room's log is
// complete, and a client that resumes from there misses nothing, whatever the rate.
let redis: Awaited<ReturnType<typeof startRedis>>;
let a: TestApp;
let b: TestApp;
let w: StockWorld;

beforeAll(async () => {
  redis = await startRedis();
  const env = { REDIS_URL: redis.url, JWT_SECRET: 'shared-secret-of-both-instances-for-catch-ups' };
  a = await startTestApp(env);
  b = await startTestApp(env);
  w = await stockWorld(a.url);
});
afterAll(async () => {
  await a.close();
  await b.close();
  await redis.stop();
});

const LIMIT = 500;

/** One whole catch-up of `room` from `after` (page by page), through `url`. */
async function catchUp(url: string, room: string, after: number): Promise<{ seqs: number[]; upTo: number }> {
  const seqs: number[] = [];
  let from = after;
  for (;;) {
    const res = await request(url)
      .get('/api/events')
      .query({ room, after: from, limit: LIMIT })
      .set(w.coordinator.auth)
      .expect(200);
    const page = res.body as EventsPage;
    seqs.push(...page.items.map((item) => item.seq));
    for (const item of page.items) expect(item.seq).toBeLessThanOrEqual(page.seq);
    if (page.items.length < LIMIT) return { seqs, upTo: page.seq };
    from = page.items[page.items.length - 1]!.seq;
  }
}

test('When both instances send events at a high rate, then every catch-up holds every event of the room up to the seq it answers with', async () => {
  const room = 'dashboard';
  const DONATIONS = 160;
  const AT_ONCE = 16;
  let writing = true;
  const writer = (async () => {
    try {
      for (let i = 0; i < DONATIONS; i += AT_ONCE) {
        await Promise.all(
          Array.from({ length: AT_ONCE }, (_, j) =>
            request(j % 2 === 0 ? a.url : b.url)
              .post('/api/donations')
              .set(w.coordinator.auth)
              .send({ campaignId: w.campaign.id, locationId: w.point.id, lines: [{ itemId: w.bread.id, quantity: 1 }] })
              .expect(201),
          ),
        );
      }
    } finally {
      writing = false;
    }
  })();

  // A client catching up again and again, from where the last catch-up said the room was
  // complete, on one instance and then the other: what it holds after each catch-up.
  const held = new Set<number>();
  const checkpoints: { upTo: number; held: Set<number> }[] = [];
  let cursor = 0;
  for (let round = 0; writing || round < 2; round += 1) {
    const { seqs, upTo } = await catchUp(round % 2 === 0 ? a.url : b.url, room, cursor);
    seqs.forEach((seq) => held.add(seq));
    checkpoints.push({ upTo, held: new Set(held) });
    cursor = upTo;
  }
  await writer;
  await a.karavan.live.idle();
  await b.karavan.live.idle();

  // Everything the room was sent, as the log holds it now.
  const all = (await catchUp(a.url, room, 0)).seqs;
  expect(all.length).toBeGreaterThanOrEqual(DONATIONS);
  expect(checkpoints.length).toBeGreaterThan(5);
  const missed = checkpoints.flatMap(({ upTo, held: had }) =>
    all.filter((seq) => seq <= upTo && !had.has(seq)).map((seq) => ({ upTo, seq })),
  );
  expect(missed).toEqual([]);
  // And the last catch-up, once everything was sent, holds all of it.
  const last = await catchUp(b.url, room, cursor);
  last.seqs.forEach((seq) => held.add(seq));
  expect(all.filter((seq) => !held.has(seq))).toEqual([]);
}, 120_000);
