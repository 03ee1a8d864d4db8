import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import request from 'supertest';
import type { ShipmentDto } from '@karavan/shared';
import { repairStockOps } from '../../server/src/stock';
import { Balance, StockOp } from '../../server/src/stock/stock.model';
import { Shipment, ShipmentUpdate } from '../../server/src/shipments/shipments.model';
import { clearFaults, injectFault } from '../../server/src/db/operations';
import { SETTLE_GATHER_MS, settled } from '../../server/src/db/idempotency';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, expectReconciled, nextAt, type Scene } from '../support/shipments';

// Concurrency and crashes: loadings competing for the same stock, and a process that dies
// between the shipment's intent and its stock operation (or inside it).

let app: TestApp;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp();
  coordinator = await signedIn(app.url, { role: 'coordinator' });
});
afterAll(() => app.close());
afterEach(() => {
  clearFaults();
});

const FAR_FUTURE = new Date(Date.now() + 365 * 24 * 3_600_000);
const api = () => request(app.url);
const balance = async (s: Scene) => {
  const b = await Balance.findById(`${s.origin.id}:${s.lotId}`).lean();
  return { onHand: b?.onHand ?? 0, reserved: b?.reserved ?? 0 };
};
const update = (shipmentId: string, body: Record<string, unknown>) =>
  api().post(`/api/shipments/${shipmentId}/updates`).set(coordinator.auth).send(body);

describe('Concurrent loadings', () => {
  test('When 50 shipments load at once from stock for 10 of them, then exactly 10 succeed and nothing is oversold', async () => {
    const s = await buildScene(app.url, { stock: 100 });
    const shipments = [];
    for (let i = 0; i < 50; i += 1) {
      shipments.push(
        await createShipment(app.url, coordinator.auth, s, { lines: [{ itemId: s.item.id, quantity: 10 }] }),
      );
    }
    const answers = await Promise.all(
      shipments.map((sh) => update(sh.id, { id: randomUUID(), status: 'loading', at: nextAt() })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((st) => st === 200)).toHaveLength(10);
    expect(statuses.filter((st) => st === 409)).toHaveLength(40);
    expect(
      answers
        .filter((a) => a.status === 409)
        .every((a) => a.body.code === 'CONFLICT' && a.body.details[0].type === 'insufficient'),
    ).toBe(true);
    expect(await balance(s)).toEqual({ onHand: 100, reserved: 100 });
    expect(await Shipment.countDocuments({ campaignId: s.campaign.id, status: 'loading' })).toBe(10);
    await expectReconciled();
  }, 120_000);
});

describe('An update that waits on a concurrent change', () => {
  /** A shipment of 10 of the scene's item, moved by the coordinator through `steps`. */
  async function shipmentAfter(steps: string[]) {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s, {
      lines: [{ itemId: s.item.id, quantity: 10 }],
    });
    for (const status of steps)
      expect((await update(shipment.id, { id: randomUUID(), status, at: nextAt() })).status).toBe(200);
    return { s, shipment };
  }

  /**
   * Another operation holds the shipment (its intent) while the driver's status update comes in:
   * the update passes the first check, is recorded and waits. When the holder lets go (with
   * `release` written), the shipment is read again and the update is checked again against it.
   */
  async function driverUpdateWhileHeld(
    { s, shipment }: { s: Scene; shipment: ShipmentDto },
    body: Record<string, unknown>,
    release: Record<string, unknown>,
  ) {
    const id = new mongoose.Types.ObjectId(shipment.id);
    const hold = {
      updateId: randomUUID(),
      opId: randomUUID(),
      status: 'arrived',
      set: {},
      entry: null,
      since: new Date(),
    };
    await Shipment.collection.updateOne({ _id: id }, { $set: { pending: hold } });
    const answer = api()
      .post(`/api/shipments/${shipment.id}/updates`)
      .set(s.driver.auth)
      .send({ id: randomUUID(), at: nextAt(), ...body })
      .then((res) => res);
    const deadline = Date.now() + 10_000;
    while ((await ShipmentUpdate.countDocuments({ shipmentId: shipment.id, state: 'pending' })) === 0) {
      if (Date.now() > deadline) throw new Error('the update never got to wait on the shipment');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Shipment.collection.updateOne({ _id: id }, { $set: { pending: null, ...release }, $inc: { version: 1 } });
    return answer;
  }

  test('When the shipment is given to another driver while the first driver’s update waits, then that update is refused (403) and the shipment does not move', async () => {
    const held = await shipmentAfter(['loading', 'departed']);
    const res = await driverUpdateWhileHeld(held, { status: 'arrived' }, { driverId: held.s.otherDriver.user.id });
    expect([res.status, res.body.code]).toEqual([403, 'FORBIDDEN']);
    const after = await api().get(`/api/shipments/${held.shipment.id}`).set(coordinator.auth).expect(200);
    expect(after.body.status).toBe('departed');
    expect(await ShipmentUpdate.countDocuments({ shipmentId: held.shipment.id, state: 'pending' })).toBe(0);
  });

  test('When the shipment goes private while a driver’s update with a position waits, then the position is not kept', async () => {
    const held = await shipmentAfter(['loading']);
    const id = randomUUID();
    const res = await driverUpdateWhileHeld(
      held,
      { id, status: 'departed', position: { lat: 42.9, lng: 74.7 } },
      { privacyMode: true },
    );
    expect(res.status).toBe(200);
    const kept = (res.body.shipment as ShipmentDto).history.find((entry) => entry.id === id);
    expect(kept).toMatchObject({ status: 'departed', position: null });
  });
});

describe('A crash between the writes', () => {
  test('When the process dies after the intent and before the stock operation, then the repair drops the intent and the phone’s retry goes through once', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const body = { id: randomUUID(), status: 'loading', at: nextAt() };
    injectFault('after-claims');
    expect((await update(shipment.id, body)).status).toBe(500);
    expect((await Shipment.findById(shipment.id).lean())!.pending).not.toBeNull();
    expect(await balance(s)).toEqual({ onHand: 1000, reserved: 0 });

    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 0, undone: 1 });
    const after = (await Shipment.findById(shipment.id).lean())!;
    expect(after.pending).toBeNull();
    expect(after.status).toBe('planned');
    expect(await ShipmentUpdate.countDocuments({ _id: body.id })).toBe(0);
    await expectReconciled();

    const retry = await update(shipment.id, body);
    expect(retry.status).toBe(200);
    expect(retry.body.applied).toBe(true);
    expect(await balance(s)).toEqual({ onHand: 1000, reserved: 100 });
    expect((await update(shipment.id, body)).body.applied).toBe(true);
    expect(await balance(s)).toEqual({ onHand: 1000, reserved: 100 });
    await expectReconciled();
  });

  test('When the process dies after the stock moved and before the shipment changed, then the repair finishes the status change', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    await update(shipment.id, { id: randomUUID(), status: 'loading', at: nextAt() });
    const body = { id: randomUUID(), status: 'departed', at: nextAt() };
    injectFault('before-hooks');
    expect((await update(shipment.id, body)).status).toBe(500);
    // The stock moved (dispatched) but the shipment still says loading: the op is left applied, unfinished.
    expect(await StockOp.countDocuments({})).toBe(1);
    expect((await Shipment.findById(shipment.id).lean())!.status).toBe('loading');

    // What the repair finishes is published like what a request finishes: screens follow it live.
    const published: { name: string; payload: unknown }[] = [];
    const stop = [
      app.karavan.events.subscribe('shipments.updated', (payload) => published.push({ name: 'shipments', payload })),
      app.karavan.events.subscribe('stock.moved', (payload) => published.push({ name: 'stock', payload })),
    ];
    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 1, undone: 0 });
    stop.forEach((unsubscribe) => unsubscribe());
    expect(published).toEqual(
      expect.arrayContaining([
        {
          name: 'shipments',
          payload: expect.objectContaining({
            shipment: expect.objectContaining({ id: shipment.id, status: 'departed' }),
            update: expect.objectContaining({ id: body.id, status: 'departed', applied: true }),
          }),
        },
        {
          name: 'stock',
          payload: {
            kind: 'shipment_dispatch',
            movements: [expect.objectContaining({ kind: 'dispatched', quantity: -100, shipmentId: shipment.id })],
          },
        },
      ]),
    );
    const after = (await Shipment.findById(shipment.id).lean())!;
    expect(after.status).toBe('departed');
    expect(after.pending).toBeNull();
    expect(await balance(s)).toEqual({ onHand: 900, reserved: 0 });
    await expectReconciled();

    const replay = await update(shipment.id, body);
    expect(replay.status).toBe(200);
    expect(replay.body.applied).toBe(true);
    expect(replay.body.shipment.status).toBe('departed');
    expect(replay.body.shipment.history.filter((h: { id: string }) => h.id === body.id)).toHaveLength(1);
    expect(await balance(s)).toEqual({ onHand: 900, reserved: 0 });
    await expectReconciled();
  });
});

describe('The record of an update, marked done after the answer', () => {
  test('When an update is answered before its record is marked done, then the record ends done, and a copy that finds it still pending gets the first answer without applying it again', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const loading = { id: randomUUID(), status: 'loading', at: nextAt() };
    const first = await update(shipment.id, loading);
    expect(first.status).toBe(200);
    expect(first.body.applied).toBe(true);
    await settled();
    expect(await ShipmentUpdate.findById(loading.id).lean()).toMatchObject({ state: 'done', applied: true });

    // As if the mark had not been written (the process died right after answering).
    await ShipmentUpdate.updateOne({ _id: loading.id }, { $set: { state: 'pending', owner: 'a-dead-process' } });
    const copy = await update(shipment.id, loading);
    expect(copy.status).toBe(200);
    expect(copy.body.applied).toBe(true);
    expect(copy.body.shipment.history.filter((h: { id: string }) => h.id === loading.id)).toHaveLength(1);
    expect(await ShipmentUpdate.findById(loading.id).lean()).toMatchObject({ state: 'done', applied: true });
    expect(await balance(s)).toEqual({ onHand: 1000, reserved: 100 });
    await expectReconciled();
  });

  test('When nothing waits for the marks, then they are written by themselves after SETTLE_GATHER_MS', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const loading = { id: randomUUID(), status: 'loading', at: nextAt() };
    expect((await update(shipment.id, loading)).status).toBe(200);
    const answeredAt = Date.now();
    let record = await ShipmentUpdate.findById(loading.id).lean();
    // (generous: a busy CI machine; what matters is that no call of settled() is needed)
    while (record?.state !== 'done' && Date.now() - answeredAt < 50 * SETTLE_GATHER_MS) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      record = await ShipmentUpdate.findById(loading.id).lean();
    }
    expect(record).toMatchObject({ state: 'done', applied: true });
  });

  test('When 30 updates, one of them out of order, are answered at once, then every record ends done with its own result, and the marks share bulk writes', async () => {
    const s = await buildScene(app.url, { stock: 100_000 });
    const shipments: ShipmentDto[] = [];
    for (let i = 0; i < 30; i += 1) shipments.push(await createShipment(app.url, coordinator.auth, s));
    // The last shipment first hears of a later loading, then of an earlier one (not applied).
    const later = { id: randomUUID(), status: 'loading', at: new Date(Date.now() - 60_000).toISOString() };
    expect((await update(shipments[29]!.id, later)).status).toBe(200);
    await settled(); // its own mark is not counted below
    const bodies = shipments.map((_, i) => ({
      id: randomUUID(),
      status: 'loading',
      at: i === 29 ? new Date(Date.now() - 120_000).toISOString() : nextAt(),
    }));
    const writes: number[] = [];
    mongoose.set('debug', (collection: string, method: string, ops: unknown) => {
      if (collection === ShipmentUpdate.collection.collectionName && method === 'bulkWrite')
        writes.push((ops as unknown[]).length);
    });
    try {
      const answers = await Promise.all(bodies.map((body, i) => update(shipments[i]!.id, body)));
      expect(answers.map((a) => [a.status, a.body.applied])).toEqual(bodies.map((_, i) => [200, i !== 29]));
      await settled();
    } finally {
      mongoose.set('debug', false);
    }
    const records = await ShipmentUpdate.find({ _id: { $in: bodies.map((b) => b.id) } }).lean();
    expect(
      bodies.map((b) => {
        const record = records.find((r) => r._id === b.id);
        return [record?.state, record?.applied];
      }),
    ).toEqual(bodies.map((_, i) => ['done', i !== 29]));
    expect(writes.reduce((a, b) => a + b, 0)).toBe(30);
    expect(writes.length).toBeLessThan(30);
  });
});
