import { Types } from 'mongoose';
import {
  applyStep,
  buildSteps,
  repairStockOps,
  runStockOp,
  StockConflict,
  type MovementDoc,
  type MovementInput,
  type StockOpDoc,
} from '../../server/src/stock/ledger';
import { Balance, CampaignTotal, Movement, StockOp } from '../../server/src/stock/stock.model';
import { reconcileStock } from '../../server/src/stock/reconcile';
import { createEventBus } from '../../server/src/lib/events';
import { createKernelServices } from '../../server/src/wiring';

// The ledger engine on the real embedded database: guarded steps, rollback, and the repair pass
// finishing or undoing what a crash (simulated by applying only some writes) left behind.

// The kernel wired as the app wires it (hooks, the ledger index after each operation's movements).
beforeAll(() => createKernelServices(createEventBus()));

const newId = () => new Types.ObjectId().toHexString();
const FAR_FUTURE = new Date(Date.now() + 365 * 24 * 3_600_000);

function scene() {
  return { campaignId: newId(), itemId: newId(), lotId: newId(), locationId: newId(), actorId: newId() };
}
type Scene = ReturnType<typeof scene>;

const movement = (s: Scene, kind: MovementInput['kind'], quantity: number, extra: Partial<MovementInput> = {}) => ({
  kind,
  locationId: s.locationId,
  itemId: s.itemId,
  campaignId: s.campaignId,
  lotId: s.lotId,
  expiresAt: null,
  quantity,
  ...extra,
});

const balanceOf = (s: Scene, locationId = s.locationId) => Balance.findById(`${locationId}:${s.lotId}`).lean();
const totalOf = (s: Scene) => CampaignTotal.findById(`${s.campaignId}:${s.itemId}`).lean();

async function expectConsistent() {
  const report = await reconcileStock();
  expect(report.differences).toEqual([]);
  expect(report.inFlight).toBe(0);
  expect(await StockOp.countDocuments({})).toBe(0);
}

/** Writes an intent as runStockOp does, without applying anything (the process "crashes"). */
async function writeIntent(s: Scene, movements: MovementInput[]) {
  const opId = newId();
  const at = new Date();
  const docs: MovementDoc[] = movements.map((m, n) => ({
    _id: `${opId}:${n}`,
    opId,
    at,
    actorId: s.actorId,
    reason: null,
    note: null,
    donationId: null,
    shipmentId: null,
    ...m,
  })) as MovementDoc[];
  const op: StockOpDoc = {
    _id: opId,
    kind: 'test',
    actorId: s.actorId,
    steps: buildSteps(docs),
    movements: docs,
    hook: null,
    createdAt: at,
    leaseUntil: new Date(Date.now() + 60_000),
  };
  await StockOp.collection.insertOne(op as never);
  return op;
}

describe('The ledger engine', () => {
  test('When goods are received, then the balance, the campaign total and the ledger change together', async () => {
    const s = scene();
    const result = await runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(s, 'received', 12)] });
    expect(result.movements).toHaveLength(1);
    expect(await balanceOf(s)).toMatchObject({ onHand: 12, reserved: 0, available: 12, ops: [] });
    expect(await totalOf(s)).toMatchObject({ donated: 12, onHand: 12, inTransit: 0, writtenOff: 0, ops: [] });
    expect(await Movement.countDocuments({ opId: result.opId })).toBe(1);
    await expectConsistent();
  });

  test('When two lines of one operation hit the same lot, then both count', async () => {
    const s = scene();
    await runStockOp({
      kind: 'test',
      actorId: s.actorId,
      movements: [movement(s, 'received', 3), movement(s, 'received', 4)],
    });
    expect(await balanceOf(s)).toMatchObject({ onHand: 7 });
    expect(await totalOf(s)).toMatchObject({ donated: 7, onHand: 7 });
    await expectConsistent();
  });

  test('When a guard fails, then nothing of the operation stays and 409 names what is missing', async () => {
    const s = scene();
    await runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(s, 'received', 5)] });
    const other = { ...s, lotId: newId() };
    await runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(other, 'received', 5)] });
    const attempt = runStockOp({
      kind: 'test',
      actorId: s.actorId,
      movements: [movement(other, 'written_off', -2), movement(s, 'written_off', -6)],
    });
    await expect(attempt).rejects.toBeInstanceOf(StockConflict);
    const err = (await attempt.catch((e: unknown) => e)) as StockConflict;
    expect(err.status).toBe(409);
    expect(err.shortages).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'available', required: 6, current: 5 })]),
    );
    expect(await balanceOf(other)).toMatchObject({ onHand: 5, available: 5, ops: [] });
    expect(await balanceOf(s)).toMatchObject({ onHand: 5, available: 5, ops: [] });
    expect(await totalOf(s)).toMatchObject({ donated: 10, onHand: 10, writtenOff: 0, ops: [] });
    await expectConsistent();
  });

  test('When 30 write-offs of 1 race against a lot of 10, then exactly 10 succeed', async () => {
    const s = scene();
    await runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(s, 'received', 10)] });
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(s, 'written_off', -1)] }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof StockConflict)).toHaveLength(20);
    expect(await balanceOf(s)).toMatchObject({ onHand: 0, available: 0 });
    expect(await totalOf(s)).toMatchObject({ donated: 10, onHand: 0, writtenOff: 10 });
    await expectConsistent();
  });

  test('When goods are reserved, then reserved never exceeds on hand', async () => {
    const s = scene();
    await runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(s, 'received', 10)] });
    await runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(s, 'reserved', 7)] });
    await expect(
      runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(s, 'reserved', 4)] }),
    ).rejects.toBeInstanceOf(StockConflict);
    // A write-off may not take reserved goods either.
    await expect(
      runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(s, 'written_off', -4)] }),
    ).rejects.toBeInstanceOf(StockConflict);
    expect(await balanceOf(s)).toMatchObject({ onHand: 10, reserved: 7, available: 3 });
    await expectConsistent();
  });

  test('When goods travel (reserve, dispatch, deliver, transfer, loss), then donated = onHand + inTransit + delivered + writtenOff', async () => {
    const s = scene();
    const destination = newId();
    const shipmentId = newId();
    const run = (movements: MovementInput[]) => runStockOp({ kind: 'test', actorId: s.actorId, movements });
    await run([movement(s, 'received', 100)]);
    await run([movement(s, 'reserved', 60, { shipmentId })]);
    await run([movement(s, 'released', -10, { shipmentId })]);
    await run([movement(s, 'dispatched', -50, { shipmentId })]);
    expect(await totalOf(s)).toMatchObject({ donated: 100, onHand: 50, reserved: 0, inTransit: 50 });
    await expect(run([movement(s, 'delivered', 51, { locationId: destination, shipmentId })])).rejects.toBeInstanceOf(
      StockConflict,
    );
    await run([
      movement(s, 'delivered', 30, { locationId: destination, shipmentId }),
      movement(s, 'transferred_in', 15, { locationId: destination, shipmentId }),
      movement(s, 'written_off_in_transit', -5, { locationId: null, shipmentId, reason: 'stolen' }),
    ]);
    const total = await totalOf(s);
    expect(total).toMatchObject({ donated: 100, onHand: 65, inTransit: 0, delivered: 30, writtenOff: 5 });
    expect(total!.donated).toBe(total!.onHand + total!.inTransit + total!.delivered + total!.writtenOff);
    expect(await balanceOf(s, destination)).toMatchObject({ onHand: 15, available: 15 });
    await expectConsistent();
  });
});

describe('The repair pass', () => {
  test('When a crash left a pending operation with some steps applied, then repair undoes it', async () => {
    const s = scene();
    await runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(s, 'received', 10)] });
    const op = await writeIntent(s, [movement(s, 'written_off', -4)]);
    // Only the balance step was applied before the "crash".
    const balanceStep = op.steps.find((step) => step.coll === 'balances')!;
    expect(await applyStep(op._id, balanceStep)).toBeNull();
    expect(await balanceOf(s)).toMatchObject({ onHand: 6, ops: [op._id] });

    expect(await repairStockOps(new Date())).toEqual({ finished: 0, undone: 0 }); // its lease still runs
    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 0, undone: 1 });
    expect(await balanceOf(s)).toMatchObject({ onHand: 10, available: 10, ops: [] });
    expect(await totalOf(s)).toMatchObject({ donated: 10, onHand: 10, writtenOff: 0, ops: [] });
    expect(await Movement.countDocuments({ opId: op._id })).toBe(0);
    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 0, undone: 0 });
    await expectConsistent();
  });

  test('When a crash came after every step but before the first movement, then repair undoes it', async () => {
    const s = scene();
    const op = await writeIntent(s, [movement(s, 'received', 6)]);
    for (const step of op.steps) expect(await applyStep(op._id, step)).toBeNull();
    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 0, undone: 1 });
    expect(await balanceOf(s)).toMatchObject({ onHand: 0, ops: [] });
    expect(await totalOf(s)).toMatchObject({ donated: 0, onHand: 0, ops: [] });
    await expectConsistent();
  });

  test('When a crash came after the commit point (the first movement), then repair writes the rest and finishes it once', async () => {
    const s = scene();
    const op = await writeIntent(s, [movement(s, 'received', 8), movement({ ...s, lotId: newId() }, 'received', 2)]);
    for (const step of op.steps) expect(await applyStep(op._id, step)).toBeNull();
    // The first of the two movements (the commit point) was written before the crash.
    await Movement.collection.insertOne(op.movements[0] as never);

    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 1, undone: 0 });
    expect(await Movement.countDocuments({ opId: op._id })).toBe(2);
    expect(await balanceOf(s)).toMatchObject({ onHand: 8, ops: [] });
    expect(await totalOf(s)).toMatchObject({ donated: 10, onHand: 10, ops: [] });
    await expectConsistent();
  });

  test('When a step is applied twice (a retry after a crash), then it counts once', async () => {
    const s = scene();
    const op = await writeIntent(s, [movement(s, 'received', 5)]);
    for (const step of op.steps) {
      expect(await applyStep(op._id, step)).toBeNull();
      expect(await applyStep(op._id, step)).toBeNull();
    }
    expect(await balanceOf(s)).toMatchObject({ onHand: 5 });
    await Movement.collection.insertOne(op.movements[0] as never);
    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 1, undone: 0 });
    expect(await totalOf(s)).toMatchObject({ donated: 5, onHand: 5, ops: [] });
    await expectConsistent();
  });

  test('When a crash came half-way through an undo, then repair completes the undo', async () => {
    const s = scene();
    await runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(s, 'received', 10)] });
    const op = await writeIntent(s, [movement(s, 'written_off', -3)]);
    for (const step of op.steps) expect(await applyStep(op._id, step)).toBeNull();
    // The balance step was undone, the total's not yet.
    await Balance.collection.updateOne(
      { _id: `${s.locationId}:${s.lotId}` } as never,
      {
        $inc: { onHand: 3, available: 3 },
        $pull: { ops: op._id },
      } as never,
    );
    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 0, undone: 1 });
    expect(await balanceOf(s)).toMatchObject({ onHand: 10, ops: [] });
    expect(await totalOf(s)).toMatchObject({ onHand: 10, writtenOff: 0, ops: [] });
    await expectConsistent();
  });

  test('When a balance is changed behind the ledger, then the reconcile reports it and fixes it on request', async () => {
    const s = scene();
    await runStockOp({ kind: 'test', actorId: s.actorId, movements: [movement(s, 'received', 10)] });
    await Balance.collection.updateOne({ _id: `${s.locationId}:${s.lotId}` } as never, { $inc: { onHand: 5 } });
    const report = await reconcileStock();
    expect(report.differences).toEqual([
      { collection: 'balances', id: `${s.locationId}:${s.lotId}`, field: 'onHand', stored: 15, fromLedger: 10 },
    ]);
    expect((await reconcileStock({ fix: true })).fixed).toBe(true);
    await expectConsistent();
  });
});
