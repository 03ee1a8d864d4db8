import request from 'supertest';
import type { StockRowDto } from '@karavan/shared';
import { IdempotencyRecord } from '../../server/src/lib/idempotency';
import { createStockService } from '../../server/src/stock';
import { startTestApp, type TestApp } from '../support/app';
import { expectLedgerConsistent, expectProgressInvariant, stockWorld, type StockWorld } from '../support/stock';

let app: TestApp;
let w: StockWorld;
beforeAll(async () => {
  app = await startTestApp();
  w = await stockWorld(app.url);
});
afterAll(() => app.close());
afterEach(async () => {
  await expectLedgerConsistent();
  await expectProgressInvariant(app.url, w.organiser.auth, w.campaign.id);
});

const HOUR = 3_600_000;
let farDays = 500;
/** A donation into a lot of its own (an expiry nobody else uses), at `locationId`. */
async function ownLot(quantity: number, locationId = w.point.id) {
  farDays += 1;
  const expiresAt = new Date(Date.now() + farDays * 24 * HOUR).toISOString();
  const donation = await w.donate([{ itemId: w.milk.id, quantity, expiresAt }], { locationId });
  return donation.lines[0]!.lotId;
}

async function row(lotId: string, locationId = w.point.id): Promise<StockRowDto | undefined> {
  const res = await request(app.url)
    .get('/api/stock')
    .query({ locationId, includeEmpty: true, limit: 200 })
    .set(w.coordinator.auth)
    .expect(200);
  return (res.body.items as StockRowDto[]).find((r) => r.lotId === lotId);
}

const writeOff = (body: object, auth = w.coordinator.auth) =>
  request(app.url).post('/api/stock/write-offs').set(auth).send(body);
const adjust = (body: object, auth = w.coordinator.auth) =>
  request(app.url).post('/api/stock/adjustments').set(auth).send(body);

describe('GET /api/stock', () => {
  test('When stock is listed with filters, then rows match them and come soonest expiry first', async () => {
    const later = await ownLot(5, w.warehouse.id);
    const sooner = await w.donate([{ itemId: w.kefir.id, quantity: 4 }], { locationId: w.warehouse.id });
    const res = await request(app.url)
      .get('/api/stock')
      .query({ locationId: w.warehouse.id })
      .set(w.coordinator.auth)
      .expect(200);
    const lots = res.body.items.map((r: StockRowDto) => r.lotId);
    expect(lots.indexOf(sooner.lines[0]!.lotId)).toBeLessThan(lots.indexOf(later));
    expect(res.body.items.every((r: StockRowDto) => r.locationId === w.warehouse.id && r.onHand > 0)).toBe(true);

    const milkOnly = await request(app.url)
      .get('/api/stock')
      .query({ locationId: w.warehouse.id, itemId: w.milk.id, campaignId: w.campaign.id })
      .set(w.coordinator.auth)
      .expect(200);
    expect(milkOnly.body.items.map((r: StockRowDto) => r.lotId)).toContain(later);
    expect(milkOnly.body.items.every((r: StockRowDto) => r.itemId === w.milk.id)).toBe(true);

    // Kefir keeps 36 h: it expires within 48 hours, the far milk lot does not.
    const expiring = await request(app.url)
      .get('/api/stock')
      .query({ locationId: w.warehouse.id, expiringWithinHours: 48 })
      .set(w.coordinator.auth)
      .expect(200);
    expect(expiring.body.items.map((r: StockRowDto) => r.lotId)).toEqual([sooner.lines[0]!.lotId]);
  });

  test('When a lot is past its expiry, then it is flagged expired', async () => {
    const receivedAt = new Date(Date.now() - 5 * 24 * HOUR).toISOString();
    const donation = await w.donate([{ itemId: w.kefir.id, quantity: 3 }], { receivedAt });
    expect(await row(donation.lines[0]!.lotId)).toMatchObject({ onHand: 3, expired: true });
  });

  test('When a driver or nobody asks, then it is 403 or 401; bad filters are 400', async () => {
    await request(app.url).get('/api/stock').set(w.driver.auth).expect(403);
    await request(app.url).get('/api/stock').expect(401);
    const res = await request(app.url)
      .get('/api/stock')
      .query({ locationId: 'x', expiringWithinHours: -1 })
      .set(w.coordinator.auth)
      .expect(400);
    expect(new Set(res.body.details.map((d: { path: string }) => d.path))).toEqual(
      new Set(['query.expiringWithinHours', 'query.locationId']),
    );
  });
});

describe('GET /api/stock, page by page', () => {
  test('When the stock of a place is read page by page, then the pages join into the whole list for every filter: soonest expiry first, lots without expiry last, the same total on every page', async () => {
    const place = (
      await request(app.url)
        .post('/api/locations')
        .set(w.organiser.auth)
        .send({ name: `Склад постранично ${Date.now()}`, kind: 'warehouse' })
        .expect(201)
    ).body.id as string;
    const undatedItem = async (name: string) =>
      (
        await request(app.url)
          .post('/api/items')
          .set(w.organiser.auth)
          .send({ name: { ru: `${name} ${Date.now()}`, en: name }, baseUnit: 'piece', perishable: false })
          .expect(201)
      ).body.id as string;
    const [sugar, tea] = await Promise.all([undatedItem('Sugar'), undatedItem('Tea')]);
    const at = { locationId: place };
    // Spoiled bread (received four days ago, keeps 72 h), kefir (36 h), milk in five lots of their own
    // expiry (one later emptied), and three lots without expiry.
    await w.donate([{ itemId: w.bread.id, quantity: 3 }], {
      ...at,
      receivedAt: new Date(Date.now() - 4 * 24 * HOUR).toISOString(),
    });
    await w.donate([{ itemId: w.kefir.id, quantity: 2 }], at);
    const milkLots: string[] = [];
    for (const days of [30, 3, 60, 10, 1]) {
      const expiresAt = new Date(Date.now() + days * 24 * HOUR).toISOString();
      milkLots.push((await w.donate([{ itemId: w.milk.id, quantity: days, expiresAt }], at)).lines[0]!.lotId);
    }
    await w.donate(
      [
        { itemId: w.water.id, quantity: 4 },
        { itemId: sugar, quantity: 5 },
        { itemId: tea, quantity: 6 },
      ],
      at,
    );
    await writeOff({ locationId: place, lotId: milkLots[3], quantity: 10, reason: 'damaged' }).expect(201);

    const list = async (filter: object, limit: number, offset: number) => {
      const res = await request(app.url)
        .get('/api/stock')
        .query({ ...at, ...filter, limit, offset })
        .set(w.coordinator.auth)
        .expect(200);
      return res.body as { items: StockRowDto[]; total: number };
    };
    const expiry = (r: StockRowDto) => (r.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(r.expiresAt));
    const filters: [object, (r: StockRowDto) => boolean, number][] = [
      [{}, (r) => r.onHand > 0, 9],
      [{ includeEmpty: true }, () => true, 10],
      [{ expired: false }, (r) => r.onHand > 0 && !r.expired, 8],
      [{ expired: true }, (r) => r.expired, 1],
      [{ expiringWithinHours: 48 }, (r) => r.expiresAt !== null && expiry(r) <= Date.now() + 48 * HOUR, 3],
    ];
    for (const [filter, wanted, size] of filters) {
      const whole = await list(filter, 200, 0);
      expect([filter, whole.total, whole.items.length]).toEqual([filter, size, size]);
      expect(whole.items.every(wanted)).toBe(true);
      const order = whole.items.map(expiry);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      for (const limit of [1, 2, 4]) {
        const joined: StockRowDto[] = [];
        for (let offset = 0; offset < size + limit; offset += limit) {
          const page = await list(filter, limit, offset);
          expect([filter, limit, offset, page.total]).toEqual([filter, limit, offset, size]);
          joined.push(...page.items);
        }
        expect(joined.map((r) => r.lotId)).toEqual(whole.items.map((r) => r.lotId));
      }
    }
    // Undated lots last, in the order of their ids; the emptied lot only when asked for.
    const whole = await list({ includeEmpty: true }, 200, 0);
    expect(whole.items.slice(-3).every((r) => r.expiresAt === null)).toBe(true);
    expect(whole.items.find((r) => r.lotId === milkLots[3])).toMatchObject({ onHand: 0 });
  });
});

describe('POST /api/stock/write-offs', () => {
  test('When goods are written off in a pack unit, then on hand goes down by the base quantity', async () => {
    const lotId = await ownLot(30);
    const res = await writeOff({ locationId: w.point.id, lotId, quantity: 2, unit: 'crate', reason: 'damaged' }).expect(
      201,
    );
    expect(res.body.movement).toMatchObject({
      kind: 'written_off',
      quantity: -24,
      reason: 'damaged',
      lotId,
      actorId: w.coordinator.user.id,
    });
    expect(res.body.row).toMatchObject({ onHand: 6, reserved: 0 });
  });

  test('When more is written off than there is, then it is 409 with the missing quantity and nothing changes', async () => {
    const lotId = await ownLot(5);
    const res = await writeOff({ locationId: w.point.id, lotId, quantity: 8, reason: 'lost' }).expect(409);
    expect(res.body.code).toBe('CONFLICT');
    expect(res.body.details[0]).toMatchObject({ path: 'body.quantity', message: expect.stringContaining('missing 3') });
    expect(await row(lotId)).toMatchObject({ onHand: 5 });
  });

  test('When the reason is "other", then a note is required (422)', async () => {
    const lotId = await ownLot(5);
    const res = await writeOff({ locationId: w.point.id, lotId, quantity: 1, reason: 'other' }).expect(422);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['body.note']);
    await writeOff({ locationId: w.point.id, lotId, quantity: 1, reason: 'other', note: 'Given to the driver' }).expect(
      201,
    );
    await writeOff({ locationId: w.point.id, lotId, quantity: 1, reason: 'eaten' }).expect(400);
  });

  test('When the lot, the location or the stock there is unknown, then it is 404; a wrong unit is 422', async () => {
    const lotId = await ownLot(5);
    await writeOff({ locationId: w.point.id, lotId: '0123456789abcdef01234567', quantity: 1, reason: 'lost' }).expect(
      404,
    );
    await writeOff({ locationId: '0123456789abcdef01234567', lotId, quantity: 1, reason: 'lost' }).expect(404);
    await writeOff({ locationId: w.distribution.id, lotId, quantity: 1, reason: 'lost' }).expect(404);
    const res = await writeOff({ locationId: w.point.id, lotId, quantity: 1, unit: 'tray', reason: 'lost' }).expect(
      422,
    );
    expect(res.body.details[0].path).toBe('body.unit');
  });

  test('When a driver writes off, then it is 403; an organiser may', async () => {
    const lotId = await ownLot(5);
    await writeOff({ locationId: w.point.id, lotId, quantity: 1, reason: 'lost' }, w.driver.auth).expect(403);
    await writeOff({ locationId: w.point.id, lotId, quantity: 1, reason: 'lost' }, w.organiser.auth).expect(201);
  });

  test('When 30 write-offs of 1 race against a lot of 10, then exactly 10 succeed and the rest are 409', async () => {
    const lotId = await ownLot(10);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => writeOff({ locationId: w.point.id, lotId, quantity: 1, reason: 'spoiled' })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    expect(results.filter((r) => r.status === 409)).toHaveLength(20);
    expect(await row(lotId)).toMatchObject({ onHand: 0, reserved: 0 });
  });

  test('When a write-off is replayed with its Idempotency-Key, also concurrently, then it counts once', async () => {
    const lotId = await ownLot(10);
    const body = { locationId: w.point.id, lotId, quantity: 3, reason: 'damaged' };
    const send = (key: string) =>
      request(app.url).post('/api/stock/write-offs').set(w.coordinator.auth).set('Idempotency-Key', key).send(body);
    const first = await send('wo-1').expect(201);
    const replay = await send('wo-1').expect(201);
    expect(replay.body).toEqual(first.body);
    expect(await row(lotId)).toMatchObject({ onHand: 7 });
    const [a, b] = await Promise.all([send('wo-2'), send('wo-2')]);
    expect([a.status, b.status]).toContain(201);
    for (const res of [a, b]) expect([201, 409]).toContain(res.status);
    expect(await row(lotId)).toMatchObject({ onHand: 4 });
  });
});

describe('POST /api/stock/adjustments', () => {
  test('When a count finds less or more, then one adjusted movement of the difference is written', async () => {
    const lotId = await ownLot(10);
    const down = await adjust({ locationId: w.point.id, lotId, countedQuantity: 7, reason: 'count' }).expect(201);
    expect(down.body.movement).toMatchObject({ kind: 'adjusted', quantity: -3, reason: 'count' });
    expect(down.body.row).toMatchObject({ onHand: 7 });
    const up = await adjust({
      locationId: w.point.id,
      lotId,
      countedQuantity: 1,
      unit: 'crate',
      reason: 'found',
    }).expect(201);
    expect(up.body.movement).toMatchObject({ quantity: 5 });
    expect(up.body.row).toMatchObject({ onHand: 12 });
    const same = await adjust({ locationId: w.point.id, lotId, countedQuantity: 12, reason: 'count' }).expect(201);
    expect(same.body.movement).toBeNull();
  });

  test('When the count is below what is reserved, then it is 409', async () => {
    const lotId = await ownLot(10);
    await createStockService(app.karavan.events).reserve(
      { id: w.coordinator.user.id, role: 'coordinator', email: 'x', mustChangePassword: false },
      { shipmentId: '0123456789abcdef01234567', locationId: w.point.id, lines: [{ lotId, quantity: 6 }] },
    );
    const res = await adjust({ locationId: w.point.id, lotId, countedQuantity: 5, reason: 'count' }).expect(409);
    expect(res.body.details[0].path).toBe('body.countedQuantity');
    await adjust({ locationId: w.point.id, lotId, countedQuantity: 6, reason: 'count' }).expect(201);
    expect(await row(lotId)).toMatchObject({ onHand: 6, reserved: 6 });
  });

  test('When a driver adjusts or the body is bad, then it is 403 or 400', async () => {
    const lotId = await ownLot(3);
    await adjust({ locationId: w.point.id, lotId, countedQuantity: 1, reason: 'count' }, w.driver.auth).expect(403);
    await adjust({ locationId: w.point.id, lotId, countedQuantity: -1, reason: 'count' }).expect(400);
    await adjust({ locationId: w.point.id, lotId, countedQuantity: 1 }).expect(400);
  });
});

describe('a retry under the key of a lost answer', () => {
  // The write-off was done but its answer and the key's "done" mark were lost (the process killed
  // or the database gone between the two writes); the key was released at the next start or went
  // stale, and the phone sends the same request again with the same key.
  const forget = (key: string) => IdempotencyRecord.deleteMany({ _id: { $regex: `:${key}$` } });

  test('When a write-off is sent again, then it answers the first movement and the goods go once', async () => {
    const lotId = await ownLot(10);
    const key = `wo-${Date.now()}-${Math.random()}`;
    const body = { locationId: w.point.id, lotId, quantity: 3, reason: 'damaged' };
    const first = await writeOff(body).set('Idempotency-Key', key);
    expect(first.status).toBe(201);
    await forget(key);
    const again = await writeOff(body).set('Idempotency-Key', key);
    expect(again.status).toBe(201);
    expect(again.body.movement.id).toBe(first.body.movement.id);
    expect((await row(lotId))!.onHand).toBe(7);
  });

  test('When an adjustment is sent again, then it answers the first movement and the count stands', async () => {
    const lotId = await ownLot(10);
    const key = `adj-${Date.now()}-${Math.random()}`;
    const body = { locationId: w.point.id, lotId, countedQuantity: 4, reason: 'count' };
    const first = await adjust(body).set('Idempotency-Key', key);
    expect(first.status).toBe(201);
    await forget(key);
    const again = await adjust(body).set('Idempotency-Key', key);
    expect(again.status).toBe(201);
    expect(again.body.movement?.id).toBe(first.body.movement.id);
    expect((await row(lotId))!.onHand).toBe(4);
  });
});
