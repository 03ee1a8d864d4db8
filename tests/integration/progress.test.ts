import request from 'supertest';
import type { CampaignProgressDto, CampaignProgressItem } from '@karavan/shared';
import { createStockService, StockConflict, type StockService } from '../../server/src/stock';
import type { Actor } from '../../server/src/lib/route';
import { startTestApp, type TestApp } from '../support/app';
import { expectLedgerConsistent, expectProgressInvariant, stockWorld, type StockWorld } from '../support/stock';

let app: TestApp;
let w: StockWorld;
let stock: StockService;
let actor: Actor;
beforeAll(async () => {
  app = await startTestApp();
  w = await stockWorld(app.url);
  stock = createStockService(app.karavan.events);
  actor = {
    id: w.coordinator.user.id,
    role: 'coordinator',
    email: w.coordinator.user.email,
    mustChangePassword: false,
  };
});
afterAll(() => app.close());
afterEach(async () => {
  await expectLedgerConsistent();
  await expectProgressInvariant(app.url, w.organiser.auth, w.campaign.id);
});

const HOUR = 3_600_000;
const SHIPMENT = '0123456789abcdef0123abcd';

async function progress(campaignId = w.campaign.id, auth = w.coordinator.auth): Promise<CampaignProgressDto> {
  return (await request(app.url).get(`/api/campaigns/${campaignId}/progress`).set(auth).expect(200)).body;
}
const itemOf = (p: CampaignProgressDto, itemId: string) =>
  p.items.find((i) => i.itemId === itemId) as CampaignProgressItem;

describe('GET /api/campaigns/:id/progress', () => {
  test('When nothing was donated yet, then every target is listed with zeros', async () => {
    const fresh = await request(app.url)
      .post('/api/campaigns')
      .set(w.organiser.auth)
      .send({ name: `Fresh ${Date.now()}`, targets: [{ itemId: w.kefir.id, quantity: 5_000 }] })
      .expect(201);
    const p = await progress(fresh.body.id);
    expect(p).toEqual({
      campaignId: fresh.body.id,
      asOf: expect.any(String),
      seq: expect.any(Number),
      items: [
        {
          itemId: w.kefir.id,
          target: 5_000,
          donated: 0,
          onHand: 0,
          reserved: 0,
          inTransit: 0,
          delivered: 0,
          writtenOff: 0,
          usable: 0,
          expired: 0,
          needed: 5_000,
        },
      ],
    });
  });

  test('When goods are donated, written off and voided, then progress follows and an untargeted item shows with target 0', async () => {
    const before = await progress();
    const bread0 = itemOf(before, w.bread.id);
    expect(bread0.target).toBe(15_000);
    expect(itemOf(before, w.milk.id).target).toBe(15_000); // 1,250 crates of 12 litres
    const donation = await w.donate([
      { itemId: w.bread.id, quantity: 3, unit: 'tray' },
      { itemId: w.water.id, quantity: 10 },
    ]);
    await request(app.url)
      .post('/api/stock/write-offs')
      .set(w.coordinator.auth)
      .send({ locationId: w.point.id, lotId: donation.lines[0]!.lotId, quantity: 5, reason: 'spoiled' })
      .expect(201);
    const voided = await w.donate([{ itemId: w.bread.id, quantity: 4 }]);
    await request(app.url)
      .post(`/api/donations/${voided.id}/void`)
      .set(w.coordinator.auth)
      .send({ reason: 'typo' })
      .expect(200);

    const after = await progress();
    expect(after.seq).toBeGreaterThanOrEqual(before.seq);
    const bread = itemOf(after, w.bread.id);
    expect(bread.donated - bread0.donated).toBe(60);
    expect(bread.writtenOff - bread0.writtenOff).toBe(5);
    expect(bread.onHand - bread0.onHand).toBe(55);
    const water = itemOf(after, w.water.id);
    expect(water.target).toBe(0);
    expect(water.donated).toBeGreaterThanOrEqual(10);
    expect(after.items.slice(0, 2).map((i) => i.itemId)).toEqual([w.bread.id, w.milk.id]);
  });

  test('When a driver asks, then it is 403; an unknown campaign is 404; a bad id 400', async () => {
    await request(app.url).get(`/api/campaigns/${w.campaign.id}/progress`).set(w.driver.auth).expect(403);
    await request(app.url).get('/api/campaigns/0123456789abcdef01234567/progress').set(w.coordinator.auth).expect(404);
    await request(app.url).get('/api/campaigns/nope/progress').set(w.coordinator.auth).expect(400);
    await request(app.url).get(`/api/campaigns/${w.campaign.id}/progress`).expect(401);
  });
});

describe('The shipment side of the ledger (reserve, dispatch, deliver, transfer)', () => {
  test('When goods are reserved, dispatched, delivered, transferred and lost, then every number adds up', async () => {
    const expiresAt = new Date(Date.now() + 900 * 24 * HOUR).toISOString();
    const donation = await w.donate([{ itemId: w.milk.id, quantity: 100, expiresAt }], { locationId: w.warehouse.id });
    const lotId = donation.lines[0]!.lotId;
    const p0 = itemOf(await progress(), w.milk.id);

    await stock.reserve(actor, { shipmentId: SHIPMENT, locationId: w.warehouse.id, lines: [{ lotId, quantity: 80 }] });
    expect(itemOf(await progress(), w.milk.id).reserved - p0.reserved).toBe(80);
    await expect(
      stock.reserve(actor, { shipmentId: SHIPMENT, locationId: w.warehouse.id, lines: [{ lotId, quantity: 21 }] }),
    ).rejects.toBeInstanceOf(StockConflict);
    await stock.release(actor, { shipmentId: SHIPMENT, locationId: w.warehouse.id, lines: [{ lotId, quantity: 10 }] });
    const dispatched = await stock.dispatch(actor, {
      shipmentId: SHIPMENT,
      locationId: w.warehouse.id,
      lines: [{ lotId, quantity: 70 }],
    });
    expect(dispatched.movements[0]).toMatchObject({ kind: 'dispatched', quantity: -70, shipmentId: SHIPMENT });
    const p1 = itemOf(await progress(), w.milk.id);
    expect(p1.inTransit - p0.inTransit).toBe(70);
    expect(p1.onHand - p0.onHand).toBe(-70);
    expect(p1.reserved - p0.reserved).toBe(0);

    await stock.deliver(actor, {
      shipmentId: SHIPMENT,
      locationId: w.distribution.id,
      lines: [{ lotId, quantity: 40 }],
    });
    await stock.transferIn(actor, { shipmentId: SHIPMENT, locationId: w.point.id, lines: [{ lotId, quantity: 25 }] });
    await stock.writeOffInTransit(actor, { shipmentId: SHIPMENT, lines: [{ lotId, quantity: 5 }], reason: 'stolen' });
    await expect(
      stock.deliver(actor, { shipmentId: SHIPMENT, locationId: w.distribution.id, lines: [{ lotId, quantity: 1 }] }),
    ).rejects.toBeInstanceOf(StockConflict);
    const p2 = itemOf(await progress(), w.milk.id);
    expect(p2.inTransit - p0.inTransit).toBe(0);
    expect(p2.delivered - p0.delivered).toBe(40);
    expect(p2.writtenOff - p0.writtenOff).toBe(5);
    expect(p2.onHand - p0.onHand).toBe(-45);

    const moves = await request(app.url)
      .get('/api/movements')
      .query({ shipmentId: SHIPMENT })
      .set(w.coordinator.auth)
      .expect(200);
    expect(moves.body.items.map((m: { kind: string }) => m.kind).sort()).toEqual(
      ['delivered', 'dispatched', 'released', 'reserved', 'transferred_in', 'written_off_in_transit'].sort(),
    );
  });

  test('When lots are picked first-expired-first-out, then expired and reserved goods are skipped', async () => {
    const campaign = await request(app.url)
      .post('/api/campaigns')
      .set(w.organiser.auth)
      .send({ name: `FEFO ${Date.now()}`, status: 'active' })
      .expect(201);
    const at = (days: number) => new Date(Date.now() + days * 24 * HOUR).toISOString();
    const give = (quantity: number, extra: object) =>
      w.donate([{ itemId: w.milk.id, quantity, ...extra }], {
        campaignId: campaign.body.id,
        locationId: w.warehouse.id,
      });
    const soon = await give(10, { expiresAt: at(3) });
    const later = await give(30, { expiresAt: at(9) });
    const middle = await give(5, {}); // the default shelf life: 5 days

    // Receiving already-expired goods is refused (422), so age a lot instead: received 10 days ago.
    const old = await w.donate([{ itemId: w.milk.id, quantity: 50 }], {
      campaignId: campaign.body.id,
      locationId: w.warehouse.id,
      receivedAt: new Date(Date.now() - 10 * 24 * HOUR).toISOString(),
    });
    const oldLot = old.lines[0]!.lotId;
    await expect(
      stock.reserve(actor, {
        shipmentId: SHIPMENT,
        locationId: w.warehouse.id,
        lines: [{ lotId: oldLot, quantity: 1 }],
      }),
    ).rejects.toMatchObject({ status: 409, details: [expect.objectContaining({ type: 'expired' })] });

    await stock.reserve(actor, {
      shipmentId: SHIPMENT,
      locationId: w.warehouse.id,
      lines: [{ lotId: soon.lines[0]!.lotId, quantity: 4 }],
    });
    const pick = await stock.pickLotsFefo(w.warehouse.id, campaign.body.id, w.milk.id, 20);
    expect(pick.missing).toBe(0);
    expect(pick.lines[0]).toEqual({ lotId: soon.lines[0]!.lotId, quantity: 6, expiresAt: soon.lines[0]!.expiresAt });
    expect(pick.lines.map((l) => [l.lotId, l.quantity])).toEqual([
      [soon.lines[0]!.lotId, 6],
      [middle.lines[0]!.lotId, 5],
      [later.lines[0]!.lotId, 9],
    ]);
    const all = await stock.pickLotsFefo(w.warehouse.id, campaign.body.id, w.milk.id, 1_000);
    expect(all.missing).toBe(1_000 - 6 - 30 - 5);
    expect(all.lines.map((l) => l.lotId)).not.toContain(oldLot);
    await stock.release(actor, {
      shipmentId: SHIPMENT,
      locationId: w.warehouse.id,
      lines: [{ lotId: soon.lines[0]!.lotId, quantity: 4 }],
    });
  });
});
