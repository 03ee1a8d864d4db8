import request from 'supertest';
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

const writeOff = (body: object, auth = w.coordinator.auth) =>
  request(app.url).post('/api/stock/write-offs').set(auth).send(body);
const adjust = (body: object, auth = w.coordinator.auth) =>
  request(app.url).post('/api/stock/adjustments').set(auth).send(body);

describe('GET /api/movements', () => {
  test('When the ledger is listed with filters, then it is newest first and pages', async () => {
    const lotId = await ownLot(10, w.distribution.id);
    await writeOff({ locationId: w.distribution.id, lotId, quantity: 1, reason: 'stolen' }).expect(201);
    await adjust({ locationId: w.distribution.id, lotId, countedQuantity: 5, reason: 'count' }).expect(201);
    const res = await request(app.url)
      .get('/api/movements')
      .query({ locationId: w.distribution.id, lotId })
      .set(w.coordinator.auth)
      .expect(200);
    expect(res.body.items.map((m: { kind: string }) => m.kind)).toEqual(['adjusted', 'written_off', 'received']);
    const kinds = await request(app.url)
      .get('/api/movements')
      .query({ kind: 'written_off', itemId: w.milk.id, campaignId: w.campaign.id })
      .set(w.coordinator.auth)
      .expect(200);
    expect(
      kinds.body.items.every(
        (m: { kind: string; itemId: string }) => m.kind === 'written_off' && m.itemId === w.milk.id,
      ),
    ).toBe(true);
    const page = await request(app.url)
      .get('/api/movements')
      .query({ locationId: w.distribution.id, limit: 2, offset: 1 })
      .set(w.coordinator.auth)
      .expect(200);
    expect(page.body).toMatchObject({ limit: 2, offset: 1 });
    expect(page.body.items.map((m: { kind: string }) => m.kind)).toEqual(['written_off', 'received']);
    expect(page.body.total).toBe(3);
  });

  test('When a driver or nobody asks, then it is 403 or 401; a bad kind is 400', async () => {
    await request(app.url).get('/api/movements').set(w.driver.auth).expect(403);
    await request(app.url).get('/api/movements').expect(401);
    await request(app.url).get('/api/movements').query({ kind: 'teleported' }).set(w.coordinator.auth).expect(400);
  });
});
