import request from 'supertest';
import type { CampaignProgressItem, ExpiredWriteOffDto, PublicNeedDto, StockRowDto } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { expectLedgerConsistent, expectProgressInvariant, stockWorld, type StockWorld } from '../support/stock';

const HOUR = 3_600_000;
let app: TestApp;
let w: StockWorld;
beforeAll(async () => {
  // The timer stays off: each test runs the expiry pass itself.
  app = await startTestApp({ EXPIRY_CHECK_SECONDS: '0' });
});
beforeEach(async () => {
  w = await stockWorld(app.url);
});
afterEach(async () => {
  await expectLedgerConsistent();
  await expectProgressInvariant(app.url, w.organiser.auth, w.campaign.id);
});
afterAll(() => app.close());

/** 300 loaves of bread received four days ago: they kept three, so they are expired. */
const spoiledBread = (quantity = 300, locationId = w.point.id) =>
  w.donate([{ itemId: w.bread.id, quantity }], {
    locationId,
    receivedAt: new Date(Date.now() - 4 * 24 * HOUR).toISOString(),
  });
const freshBread = (quantity: number) => w.donate([{ itemId: w.bread.id, quantity }]);

async function breadProgress(): Promise<CampaignProgressItem> {
  const res = await request(app.url).get(`/api/campaigns/${w.campaign.id}/progress`).set(w.organiser.auth).expect(200);
  return (res.body.items as CampaignProgressItem[]).find((item) => item.itemId === w.bread.id)!;
}

describe('Usable and expired stock', () => {
  test('When bread expires, then progress shows it apart from usable stock and the need comes back', async () => {
    await freshBread(1000);
    await spoiledBread(300);
    const bread = await breadProgress();
    expect(bread).toMatchObject({ donated: 1300, onHand: 1300, usable: 1000, expired: 300 });
    expect(bread.needed).toBe(15_000 - 1000);

    await request(app.url)
      .patch(`/api/campaigns/${w.campaign.id}`)
      .set(w.organiser.auth)
      .send({ public: true })
      .expect(200);
    const page = await request(app.url).get(`/api/public/campaigns/${w.campaign.id}`).expect(200);
    const need = (page.body.needs as PublicNeedDto[]).find((n) => n.itemId === w.bread.id)!;
    expect(need).toMatchObject({
      target: 15_000,
      collected: 1300,
      usable: 1000,
      inTransit: 0,
      delivered: 0,
      pledged: 0,
      needed: 14_000,
      enough: false,
    });
  });

  test('When goods expire while nothing is written, then the next progress read counts them expired; a donation shows at once', async () => {
    // Its own server, whose tokens outlive the clock moved below.
    const own = await startTestApp({ EXPIRY_CHECK_SECONDS: '0', ACCESS_TOKEN_TTL_SECONDS: '86400' });
    try {
      const world = await stockWorld(own.url);
      // Kefir keeps lots by the hour: one that expires at the next full hour (at least a minute away).
      const expiry = Math.ceil((Date.now() + 60_000) / HOUR) * HOUR;
      await world.donate([{ itemId: world.kefir.id, quantity: 40, expiresAt: new Date(expiry).toISOString() }]);
      const kefir = async () => {
        const res = await request(own.url)
          .get(`/api/campaigns/${world.campaign.id}/progress`)
          .set(world.organiser.auth)
          .expect(200);
        return (res.body.items as CampaignProgressItem[]).find((item) => item.itemId === world.kefir.id)!;
      };
      const at = (now: number) =>
        jest.useFakeTimers({
          now,
          doNotFake: [
            'nextTick',
            'setImmediate',
            'setTimeout',
            'setInterval',
            'queueMicrotask',
            'performance',
            'hrtime',
          ],
        });
      at(expiry - 1_000);
      expect(await kefir()).toMatchObject({ onHand: 40, usable: 40, expired: 0 });
      expect(await kefir()).toMatchObject({ onHand: 40, usable: 40, expired: 0 });
      // A donation answered here is in the very next read.
      await world.donate([{ itemId: world.kefir.id, quantity: 10 }]);
      expect(await kefir()).toMatchObject({ onHand: 50, usable: 50, expired: 0 });
      // Two seconds later, no write and no event: the lot's expiry alone changes the numbers.
      at(expiry + 1_000);
      expect(await kefir()).toMatchObject({ onHand: 50, usable: 10, expired: 40 });
    } finally {
      jest.useRealTimers();
      await own.close();
    }
  });

  test('When the stock list is asked for expired lots only, then it is the "to write off" list', async () => {
    const spoiled = await spoiledBread(5);
    await freshBread(7);
    const list = await request(app.url)
      .get('/api/stock')
      .query({ locationId: w.point.id, expired: true })
      .set(w.coordinator.auth)
      .expect(200);
    expect((list.body.items as StockRowDto[]).map((r) => r.lotId)).toEqual([spoiled.lines[0]!.lotId]);
    const usable = await request(app.url)
      .get('/api/stock')
      .query({ locationId: w.point.id, expired: false })
      .set(w.coordinator.auth)
      .expect(200);
    expect((usable.body.items as StockRowDto[]).every((r) => !r.expired)).toBe(true);
    expect(usable.body.items).toHaveLength(1);
  });
});

describe('POST /api/stock/write-offs/expired', () => {
  test('When a coordinator writes off all expired goods at a place, then each expired lot goes, once, through the ledger', async () => {
    const a = await spoiledBread(30);
    const b = await w.donate([{ itemId: w.kefir.id, quantity: 4 }], {
      receivedAt: new Date(Date.now() - 3 * 24 * HOUR).toISOString(),
    });
    await freshBread(50);
    const elsewhere = await spoiledBread(9, w.warehouse.id);
    const key = `expired-${w.point.id}`;
    const first = await request(app.url)
      .post('/api/stock/write-offs/expired')
      .set(w.coordinator.auth)
      .set('Idempotency-Key', key)
      .send({ locationId: w.point.id })
      .expect(201);
    const result = first.body as ExpiredWriteOffDto;
    expect(result.movements.map((m) => [m.lotId, m.quantity, m.reason]).sort()).toEqual(
      [
        [a.lines[0]!.lotId, -30, 'expired'],
        [b.lines[0]!.lotId, -4, 'expired'],
      ].sort(),
    );
    expect(result.rows.every((r) => r.onHand === 0)).toBe(true);
    expect(result.stillReserved).toBe(0);

    // The same key again: the same answer, nothing written off twice.
    const again = await request(app.url)
      .post('/api/stock/write-offs/expired')
      .set(w.coordinator.auth)
      .set('Idempotency-Key', key)
      .send({ locationId: w.point.id })
      .expect(201);
    expect((again.body as ExpiredWriteOffDto).movements.map((m) => m.id)).toEqual(result.movements.map((m) => m.id));
    // A new click finds nothing left to write off.
    const none = await request(app.url)
      .post('/api/stock/write-offs/expired')
      .set(w.coordinator.auth)
      .send({ locationId: w.point.id })
      .expect(201);
    expect(none.body.movements).toEqual([]);

    const bread = await breadProgress();
    expect(bread).toMatchObject({ writtenOff: 30, expired: 9, usable: 50 });
    // The other place's expired bread is untouched.
    const other = await request(app.url)
      .get('/api/stock')
      .query({ locationId: w.warehouse.id, expired: true })
      .set(w.coordinator.auth)
      .expect(200);
    expect(other.body.items.map((r: StockRowDto) => r.lotId)).toEqual([elsewhere.lines[0]!.lotId]);
  });

  test('When a driver asks, or the place does not exist, then it is 403 or 404 and nothing changes', async () => {
    await spoiledBread(3);
    await request(app.url)
      .post('/api/stock/write-offs/expired')
      .set(w.driver.auth)
      .send({ locationId: w.point.id })
      .expect(403);
    await request(app.url)
      .post('/api/stock/write-offs/expired')
      .set(w.coordinator.auth)
      .send({ locationId: 'ffffffffffffffffffffffff' })
      .expect(404);
    await request(app.url).post('/api/stock/write-offs/expired').set(w.coordinator.auth).send({}).expect(400);
    expect((await breadProgress()).expired).toBe(3);
  });
});

describe('Expiry alerts (48 h, 24 h, expired)', () => {
  test('When lots come within 48 h and 24 h of expiry and expire, then each alert goes out once per lot, place and threshold, also after a restart', async () => {
    const seen: { hoursLeft: number; lotId: string; locationId: string }[] = [];
    const stop = app.karavan.events.subscribe('stock.expiring', ({ hoursLeft, row }) =>
      seen.push({ hoursLeft, lotId: row.lotId, locationId: row.locationId }),
    );
    try {
      // Kefir keeps 36 h in hourly lots: received now, it is inside the 48 h window.
      const kefir = await w.donate([{ itemId: w.kefir.id, quantity: 6 }]);
      const lotId = kefir.lines[0]!.lotId;
      const expiresAt = (
        await request(app.url)
          .get('/api/stock')
          .query({ locationId: w.point.id, itemId: w.kefir.id })
          .set(w.coordinator.auth)
          .expect(200)
      ).body.items[0].expiresAt as string;
      const at = (hoursBefore: number) => new Date(new Date(expiresAt).getTime() - hoursBefore * HOUR);

      const mine = () => seen.filter((s) => s.lotId === lotId);
      await app.karavan.stock.checkExpiry(at(40));
      await app.karavan.stock.checkExpiry(at(30));
      expect(mine().map((s) => s.hoursLeft)).toEqual([48]);
      await app.karavan.stock.checkExpiry(at(20));
      await app.karavan.stock.checkExpiry(at(10));
      expect(mine().map((s) => s.hoursLeft)).toEqual([48, 24]);

      // Another instance (a restart, or a second process on the same database) repeats nothing.
      const other = await startTestApp({ EXPIRY_CHECK_SECONDS: '0' });
      try {
        const elsewhere: number[] = [];
        other.karavan.events.subscribe('stock.expiring', ({ hoursLeft, row }) => {
          if (row.lotId === lotId) elsewhere.push(hoursLeft);
        });
        await other.karavan.stock.checkExpiry(at(5));
        await other.karavan.stock.checkExpiry(at(-1));
        await app.karavan.stock.checkExpiry(at(-2));
        expect([...mine().map((s) => s.hoursLeft), ...elsewhere]).toEqual([48, 24, 0]);
      } finally {
        await other.close();
      }
      expect(mine().every((s) => s.locationId === w.point.id)).toBe(true);
    } finally {
      stop();
    }
  });

  test('When an alert goes out, then the dashboard and the place get it as a live event', async () => {
    const kefir = await w.donate([{ itemId: w.kefir.id, quantity: 2 }]);
    await app.karavan.stock.checkExpiry(new Date(Date.now() + 20 * HOUR));
    await app.karavan.live.idle();
    for (const room of ['dashboard', `location:${w.point.id}`, `campaign:${w.campaign.id}`]) {
      const res = await request(app.url)
        .get('/api/events/latest')
        .query({ room, name: 'stock.expiring', limit: 50 })
        .set(w.organiser.auth)
        .expect(200);
      const alerts = (res.body.items as { payload: { hoursLeft: number; row: StockRowDto } }[]).filter(
        (e) => e.payload.row.lotId === kefir.lines[0]!.lotId,
      );
      expect(alerts.map((e) => e.payload.hoursLeft)).toEqual([24]);
    }
  });
});
