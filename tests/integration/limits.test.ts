import { Types } from 'mongoose';
import request from 'supertest';
import { PACK_SIZE_MAX, QUANTITY_MAX, TOTAL_MAX } from '@karavan/shared';
import { Donation } from '../../server/src/donations';
import { Balance, CampaignTotal, Movement, StockOp, reconcileStock } from '../../server/src/stock';
import { startTestApp, type TestApp } from '../support/app';
import { expectLedgerConsistent, stockWorld, type StockWorld } from '../support/stock';

/*
 * Counts stay exact integers: one line holds at most QUANTITY_MAX base units (after packs), a pack
 * at most PACK_SIZE_MAX, a running total at most TOTAL_MAX; past a limit the answer is a 422 that
 * names it and nothing is written. The reconcile sums exactly at any size.
 */

let app: TestApp;
let w: StockWorld;
let big: { id: string };
beforeAll(async () => {
  app = await startTestApp();
  w = await stockWorld(app.url);
  const item = await request(app.url)
    .post('/api/items')
    .set(w.organiser.auth)
    .send({
      name: { ru: `Гвозди ${Date.now()}`, en: `Nails ${Date.now()}` },
      baseUnit: 'piece',
      packs: [{ unit: 'pallet', size: PACK_SIZE_MAX }],
    })
    .expect(201);
  big = item.body;
});
afterAll(() => app.close());

const nothingWritten = async <T>(work: () => Promise<T>): Promise<T> => {
  const before = await Promise.all([
    Donation.estimatedDocumentCount(),
    Movement.estimatedDocumentCount(),
    StockOp.estimatedDocumentCount(),
  ]);
  const result = await work();
  expect(
    await Promise.all([
      Donation.estimatedDocumentCount(),
      Movement.estimatedDocumentCount(),
      StockOp.estimatedDocumentCount(),
    ]),
  ).toEqual(before);
  return result;
};

describe('Limits of one line and one pack', () => {
  test('When a pack is larger than PACK_SIZE_MAX, then the item is refused', async () => {
    const res = await request(app.url)
      .post('/api/items')
      .set(w.organiser.auth)
      .send({ name: { ru: 'Ящик', en: 'Box' }, baseUnit: 'piece', packs: [{ unit: 'box', size: PACK_SIZE_MAX + 1 }] });
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toBe('body.packs.0.size');
  });

  test('When a donation line comes to more than QUANTITY_MAX base units after packs, then it is 422 naming the limit and nothing is written', async () => {
    const pallets = QUANTITY_MAX / PACK_SIZE_MAX + 1;
    const res = await nothingWritten(() =>
      request(app.url)
        .post('/api/donations')
        .set(w.coordinator.auth)
        .send({
          campaignId: w.campaign.id,
          locationId: w.point.id,
          lines: [{ itemId: big.id, quantity: pallets, unit: 'pallet' }],
        }),
    );
    expect(res.status).toBe(422);
    expect(res.body.details[0]).toMatchObject({ path: 'body.lines.0.quantity', type: 'limit' });
    expect(res.body.details[0].message).toMatch(/1,000,000,000 base units \(QUANTITY_MAX\)/);
    // Exactly at the limit is fine.
    await request(app.url)
      .post('/api/donations')
      .set(w.coordinator.auth)
      .send({
        campaignId: w.campaign.id,
        locationId: w.warehouse.id,
        lines: [{ itemId: big.id, quantity: QUANTITY_MAX / PACK_SIZE_MAX, unit: 'pallet' }],
      })
      .expect(201);
  });

  test('When a shipment line, a write-off or a count comes to more than QUANTITY_MAX base units, then each is 422 and nothing is written', async () => {
    const donation = await w.donate([{ itemId: big.id, quantity: 5 }]);
    const lotId = donation.lines[0]!.lotId;
    const pallets = QUANTITY_MAX / PACK_SIZE_MAX + 1;
    const shipment = await nothingWritten(() =>
      request(app.url)
        .post('/api/shipments')
        .set(w.coordinator.auth)
        .send({
          campaignId: w.campaign.id,
          originId: w.point.id,
          destinationId: w.warehouse.id,
          lines: [{ itemId: big.id, quantity: pallets, unit: 'pallet' }],
        }),
    );
    expect(shipment.status).toBe(422);
    expect(shipment.body.details[0]).toMatchObject({ path: 'body.lines.0.quantity', type: 'limit' });
    const writeOff = await nothingWritten(() =>
      request(app.url)
        .post('/api/stock/write-offs')
        .set(w.coordinator.auth)
        .send({ locationId: w.point.id, lotId, quantity: pallets, unit: 'pallet', reason: 'damaged' }),
    );
    expect(writeOff.status).toBe(422);
    expect(writeOff.body.details[0]).toMatchObject({ path: 'body.quantity', type: 'limit' });
    const count = await nothingWritten(() =>
      request(app.url)
        .post('/api/stock/adjustments')
        .set(w.coordinator.auth)
        .send({ locationId: w.point.id, lotId, countedQuantity: pallets, unit: 'pallet', reason: 'recount' }),
    );
    expect(count.status).toBe(422);
    expect(count.body.details[0]).toMatchObject({ path: 'body.countedQuantity', type: 'limit' });
  });
});

describe('Limits of running totals', () => {
  test('When a donation would take a balance past TOTAL_MAX, then it is 422 naming the limit and nothing is written', async () => {
    const first = await w.donate([{ itemId: w.water.id, quantity: 1 }]);
    const balanceId = `${w.point.id}:${first.lines[0]!.lotId}`;
    const stored = (await Balance.collection.findOne({ _id: balanceId } as never))!;
    // As if the place already held nearly the most a total may reach.
    await Balance.collection.updateOne({ _id: balanceId } as never, {
      $set: { onHand: TOTAL_MAX - 5, available: TOTAL_MAX - 5 - Number(stored.reserved) },
    });
    try {
      const res = await nothingWritten(() =>
        request(app.url)
          .post('/api/donations')
          .set(w.coordinator.auth)
          .send({ campaignId: w.campaign.id, locationId: w.point.id, lines: [{ itemId: w.water.id, quantity: 10 }] }),
      );
      expect(res.status).toBe(422);
      expect(res.body.message).toMatch(/1,000,000,000,000 base units \(TOTAL_MAX\)/);
      expect(res.body.details[0]).toMatchObject({ path: `balances.${balanceId}.onHand`, type: 'limit' });
      expect((await Balance.collection.findOne({ _id: balanceId } as never))!.onHand).toBe(TOTAL_MAX - 5);
      // Up to the limit is still taken.
      await request(app.url)
        .post('/api/donations')
        .set(w.coordinator.auth)
        .send({ campaignId: w.campaign.id, locationId: w.point.id, lines: [{ itemId: w.water.id, quantity: 5 }] })
        .expect(201);
      expect((await Balance.collection.findOne({ _id: balanceId } as never))!.onHand).toBe(TOTAL_MAX);
    } finally {
      await Balance.collection.updateOne({ _id: balanceId } as never, {
        $set: { onHand: stored.onHand as number, available: stored.available as number },
      });
      await Balance.collection.updateOne({ _id: balanceId } as never, { $inc: { onHand: 5, available: 5 } });
    }
    await expectLedgerConsistent();
  });

  test('When a donation would take a campaign total past TOTAL_MAX, then it is 422 and nothing is written', async () => {
    await w.donate([{ itemId: w.water.id, quantity: 1 }], { locationId: w.distribution.id });
    const totalId = `${w.campaign.id}:${w.water.id}`;
    const stored = (await CampaignTotal.collection.findOne({ _id: totalId } as never))!;
    await CampaignTotal.collection.updateOne({ _id: totalId } as never, { $set: { donated: TOTAL_MAX } });
    try {
      const res = await nothingWritten(() =>
        request(app.url)
          .post('/api/donations')
          .set(w.coordinator.auth)
          .send({
            campaignId: w.campaign.id,
            locationId: w.distribution.id,
            lines: [{ itemId: w.water.id, quantity: 1 }],
          }),
      );
      expect(res.status).toBe(422);
      expect(res.body.details[0]).toMatchObject({ path: `campaign_totals.${totalId}.donated`, type: 'limit' });
    } finally {
      await CampaignTotal.collection.updateOne({ _id: totalId } as never, {
        $set: { donated: stored.donated as number },
      });
    }
    await expectLedgerConsistent();
  });
});

describe('The reconcile at any size', () => {
  test('When a balance written by an older version (5 x 10^16) differs from its movements by 1, then the reconcile reports it', async () => {
    const opId = new Types.ObjectId().toHexString();
    const lotId = new Types.ObjectId().toHexString();
    const locationId = new Types.ObjectId().toHexString();
    const base = {
      opId,
      at: new Date(),
      actorId: w.organiser.user.id,
      locationId,
      itemId: w.water.id,
      campaignId: new Types.ObjectId().toHexString(),
      lotId,
      expiresAt: null,
      reason: null,
      note: null,
      donationId: null,
      shipmentId: null,
    };
    // 50 lines of 10^15 received, then 1 written off: the ledger says 5 x 10^16 - 1.
    const movements = [
      ...Array.from({ length: 50 }, (_, n) => ({ ...base, _id: `${opId}:${n}`, kind: 'received', quantity: 1e15 })),
      { ...base, _id: `${opId}:50`, kind: 'written_off', quantity: -1 },
    ];
    await Movement.collection.insertMany(movements as never[]);
    // What doubles kept: 5 x 10^16 - 1 is not a double, so the write-off left 5 x 10^16.
    const balanceId = `${locationId}:${lotId}`;
    const totalId = `${base.campaignId}:${base.itemId}`;
    await Balance.collection.insertOne({
      _id: balanceId,
      locationId,
      lotId,
      itemId: base.itemId,
      campaignId: base.campaignId,
      expiresAt: null,
      onHand: 5e16,
      reserved: 0,
      available: 5e16,
      ops: [],
    } as never);
    await CampaignTotal.collection.insertOne({
      _id: totalId,
      campaignId: base.campaignId,
      itemId: base.itemId,
      donated: 5e16,
      onHand: 5e16,
      reserved: 0,
      inTransit: 0,
      delivered: 0,
      writtenOff: 1,
      ops: [],
    } as never);
    try {
      const report = await reconcileStock();
      expect(report.differences).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ collection: 'balances', id: balanceId, field: 'onHand' }),
          expect.objectContaining({ collection: 'balances', id: balanceId, field: 'available' }),
          expect.objectContaining({ collection: 'campaign_totals', id: totalId, field: 'onHand' }),
        ]),
      );
      expect(report.differences.filter((d) => d.id === balanceId || d.id === totalId)).toHaveLength(3);
    } finally {
      await Movement.collection.deleteMany({ opId } as never);
      await Balance.collection.deleteOne({ _id: balanceId } as never);
      await CampaignTotal.collection.deleteOne({ _id: totalId } as never);
    }
  });
});
