import { Types, type mongo } from 'mongoose';
import { formatLimit, TOTAL_MAX, type ErrorDetail, type MovementKind } from '@karavan/shared';
import { ApiError, isDuplicateKey } from '../lib/errors';
import { Balance, CampaignTotal, Movement, StockOp } from './stock.model';

/*
 * The ledger engine. There are no multi-document transactions, so one stock operation (a
 * donation, a void, a write-off, a reservation, ...) is:
 *
 *  1. an intent document in `stock_ops` listing its ledger movements and the balance/total
 *     updates ("steps") they imply;
 *  2. each step applied as ONE guarded single-document update that also pushes the op id onto
 *     the document's `ops` array: `updateOne({ _id, ops: { $ne: opId }, available: { $gte: q } },
 *     { $inc, $push: { ops: opId } })`. The marker makes the step idempotent and tells the repair
 *     pass whether it was applied. Balance steps go first, campaign totals after them all passed.
 *     A failed guard undoes the applied steps and answers 409;
 *  3. the movements inserted in order with deterministic `_id`s (`${opId}:${n}`): the first one
 *     in the ledger is the op's COMMIT POINT (the movements' declared indexes serve the
 *     ledger's readers, ledger-index.ts); then the owner's hook (e.g. the donation document stored), the markers
 *     pulled, the intent deleted.
 *
 * A crash anywhere leaves the intent behind. `repairStockOps` finishes an op whose first
 * movement is in the ledger and undoes any other (its caller was never told it succeeded); both
 * are idempotent thanks to the markers and the deterministic movement ids. Balances, totals and
 * the ledger all derive from one function, `effectOf`, which the reconcile uses too.
 */

/** A movement as a service describes it; the engine adds id, op, time and actor. */
export interface MovementInput {
  kind: MovementKind;
  locationId: string | null;
  itemId: string;
  campaignId: string;
  lotId: string;
  expiresAt: Date | null;
  quantity: number;
  reason?: string | null;
  note?: string | null;
  donationId?: string | null;
  shipmentId?: string | null;
}

export interface MovementDoc extends Required<MovementInput> {
  _id: string;
  opId: string;
  at: Date;
  actorId: string;
}

export type StepCollection = 'balances' | 'campaign_totals';

/** One guarded single-document update of an operation. */
export interface Step {
  coll: StepCollection;
  id: string;
  /** Non-zero increments. A negative one is guarded: the field may not go below 0. */
  inc: Record<string, number>;
  /** Compare-and-set: the update applies only while these fields have these values. */
  expect?: Record<string, number>;
  /** Fields of the document if this step creates it (only steps that only add may create). */
  insert: Record<string, unknown>;
}

export interface OpHookRef {
  name: string;
  data: Record<string, unknown>;
}

export interface StockOpDoc {
  _id: string;
  kind: string;
  actorId: string;
  steps: Step[];
  movements: MovementDoc[];
  hook: OpHookRef | null;
  createdAt: Date;
  leaseUntil: Date;
  /** The process that started it (see settleStockOp). */
  instance?: string;
}

/** What one movement does to its balance (if any) and to its campaign total. */
export interface Effect {
  balance: { id: string; inc: Record<string, number> } | null;
  total: { id: string; inc: Record<string, number> };
}

export const BALANCE_FIELDS = ['onHand', 'reserved', 'available'] as const;
export const TOTAL_FIELDS = ['donated', 'onHand', 'reserved', 'inTransit', 'delivered', 'writtenOff'] as const;

export const balanceId = (locationId: string, lotId: string) => `${locationId}:${lotId}`;
export const totalId = (campaignId: string, itemId: string) => `${campaignId}:${itemId}`;

/** The sign each kind's quantity must have: +1, -1, or 0 for either. */
const SIGN: Record<MovementKind, 1 | -1 | 0> = {
  received: 1,
  voided: -1,
  written_off: -1,
  adjusted: 0,
  reserved: 1,
  released: -1,
  dispatched: -1,
  delivered: 1,
  transferred_in: 1,
  written_off_in_transit: -1,
};

/**
 * The one definition of what each kind of movement does. `available` = onHand - reserved.
 * An adjustment down counts as written off, an adjustment up as donated (found goods), so that
 * donated = onHand + inTransit + delivered + writtenOff holds for every item.
 */
export function effectOf(
  m: Pick<MovementInput, 'kind' | 'locationId' | 'lotId' | 'campaignId' | 'itemId' | 'quantity'>,
): Effect {
  const q = m.quantity;
  const sign = SIGN[m.kind];
  if (!Number.isInteger(q) || q === 0 || (sign !== 0 && Math.sign(q) !== sign)) {
    throw new Error(`a ${m.kind} movement cannot have quantity ${q}`);
  }
  const atLocation = (inc: Record<string, number>) => {
    if (!m.locationId) throw new Error(`a ${m.kind} movement needs a location`);
    return { id: balanceId(m.locationId, m.lotId), inc };
  };
  const total = (inc: Record<string, number>) => ({ id: totalId(m.campaignId, m.itemId), inc });
  switch (m.kind) {
    case 'received':
    case 'voided':
      return { balance: atLocation({ onHand: q, available: q }), total: total({ donated: q, onHand: q }) };
    case 'written_off':
      return { balance: atLocation({ onHand: q, available: q }), total: total({ onHand: q, writtenOff: -q }) };
    case 'adjusted':
      return {
        balance: atLocation({ onHand: q, available: q }),
        total: total(q < 0 ? { onHand: q, writtenOff: -q } : { onHand: q, donated: q }),
      };
    case 'reserved':
    case 'released':
      return { balance: atLocation({ reserved: q, available: -q }), total: total({ reserved: q }) };
    case 'dispatched':
      return {
        balance: atLocation({ onHand: q, reserved: q }),
        total: total({ onHand: q, reserved: q, inTransit: -q }),
      };
    case 'delivered':
      return { balance: null, total: total({ inTransit: -q, delivered: q }) };
    case 'transferred_in':
      return { balance: atLocation({ onHand: q, available: q }), total: total({ inTransit: -q, onHand: q }) };
    case 'written_off_in_transit':
      return { balance: null, total: total({ inTransit: q, writtenOff: -q }) };
  }
}

function zeros(fields: readonly string[], except: Record<string, number>): Record<string, number> {
  return Object.fromEntries(fields.filter((f) => !(f in except)).map((f) => [f, 0]));
}

/**
 * Merges the movements' effects into one step per document (two lines of the same lot must be
 * one guarded update, or the second would see the first's marker and be skipped).
 */
export function buildSteps(movements: MovementDoc[], expect: Record<string, Record<string, number>> = {}): Step[] {
  const steps = new Map<string, Step>();
  const add = (coll: StepCollection, id: string, inc: Record<string, number>, insert: Record<string, unknown>) => {
    const key = `${coll}/${id}`;
    let step = steps.get(key);
    if (!step) {
      step = { coll, id, inc: {}, insert };
      if (coll === 'balances' && expect[id]) step.expect = expect[id];
      steps.set(key, step);
    }
    for (const [field, value] of Object.entries(inc)) step.inc[field] = (step.inc[field] ?? 0) + value;
  };
  for (const m of movements) {
    const effect = effectOf(m);
    if (effect.balance) {
      add('balances', effect.balance.id, effect.balance.inc, {
        locationId: m.locationId,
        lotId: m.lotId,
        itemId: m.itemId,
        campaignId: m.campaignId,
        expiresAt: m.expiresAt,
      });
    }
    add('campaign_totals', effect.total.id, effect.total.inc, { campaignId: m.campaignId, itemId: m.itemId });
  }
  const out: Step[] = [];
  for (const step of steps.values()) {
    for (const [field, value] of Object.entries(step.inc)) if (value === 0) delete step.inc[field];
    if (Object.keys(step.inc).length === 0) continue;
    const fields = step.coll === 'balances' ? BALANCE_FIELDS : TOTAL_FIELDS;
    step.insert = { ...step.insert, ...zeros(fields, step.inc) };
    out.push(step);
  }
  return out;
}

type Collection<T extends mongo.Document> = mongo.Collection<T>;
type Document = mongo.Document;

const collectionOf = (coll: StepCollection): Collection<Document> =>
  (coll === 'balances' ? Balance.collection : CampaignTotal.collection) as unknown as Collection<Document>;
const ops = () => StockOp.collection as unknown as Collection<StockOpDoc>;

/**
 * The fields a step may not take below 0. On a balance: all of them (onHand, reserved, available
 * = onHand - reserved), the physical truth. On a campaign total only `inTransit` (no operation on
 * goods in transit has a balance to guard it): the other totals are sums of balances, and guarding
 * them would let an operation that is about to fail (and be undone) make a valid one fail.
 */
const guardedFields = (step: Step) =>
  Object.entries(step.inc)
    .filter(([field, value]) => value < 0 && (step.coll === 'balances' || field === 'inTransit'))
    .map(([field, value]) => [field, -value] as const);

/** An unguarded step may create its document; one that is guarded needs it to exist. */
const mayCreate = (step: Step) => !step.expect && guardedFields(step).length === 0;

/** Why a step's guard failed: which field of which document falls short, and by how much. */
export interface Shortage {
  coll: StepCollection;
  id: string;
  field: string;
  /** The value the guard needed (at least this much, or exactly this for a compare-and-set). */
  required: number;
  current: number;
  /** True when a compare-and-set value changed under us (a concurrent write; retry). */
  changed?: boolean;
  /** True when the step would take the field past TOTAL_MAX (`required`: the most it may hold before). */
  limit?: boolean;
}

/** Applies one step; null when applied (now or before), otherwise the shortages. */
export async function applyStep(opId: string, step: Step): Promise<Shortage[] | null> {
  const collection = collectionOf(step.coll);
  const filter: Document = { _id: step.id, ops: { $ne: opId } };
  for (const [field, min] of guardedFields(step)) filter[field] = { $gte: min };
  for (const [field, value] of Object.entries(step.expect ?? {})) filter[field] = value;
  // No running total may pass TOTAL_MAX (counts stay exact integers): checked atomically too.
  for (const [field, value] of Object.entries(step.inc)) if (value > 0) filter[field] = { $lte: TOTAL_MAX - value };
  const update: Document = { $inc: step.inc, $push: { ops: opId } };
  const upsert = mayCreate(step);
  if (upsert) update.$setOnInsert = step.insert;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const result = await collection.updateOne(filter, update, { upsert });
      if (result.modifiedCount + result.upsertedCount > 0) return null;
      break;
    } catch (err) {
      // Two creators of one new document at once: the loser retries as a plain update.
      if (!isDuplicateKey(err)) throw err;
    }
  }
  const doc = await collection.findOne({ _id: step.id } as Document);
  if (doc && Array.isArray(doc.ops) && (doc.ops as string[]).includes(opId)) return null;
  const shortages: Shortage[] = [];
  for (const [field, value] of Object.entries(step.expect ?? {})) {
    const current = Number(doc?.[field] ?? 0);
    if (current !== value)
      shortages.push({ coll: step.coll, id: step.id, field, required: value, current, changed: true });
  }
  for (const [field, value] of Object.entries(step.inc)) {
    const current = Number(doc?.[field] ?? 0);
    if (value < 0 && current < -value)
      shortages.push({ coll: step.coll, id: step.id, field, required: -value, current });
    if (value > 0 && current + value > TOTAL_MAX)
      shortages.push({ coll: step.coll, id: step.id, field, required: TOTAL_MAX - value, current, limit: true });
  }
  // A guard failed but the document now satisfies it: it changed in between; report it as such.
  if (shortages.length === 0) {
    shortages.push({ coll: step.coll, id: step.id, field: '*', required: 0, current: 0, changed: true });
  }
  return shortages;
}

async function undoSteps(op: StockOpDoc): Promise<void> {
  await Promise.all(
    op.steps.map((step) =>
      collectionOf(step.coll).updateOne(
        { _id: step.id, ops: op._id } as Document,
        {
          $inc: Object.fromEntries(Object.entries(step.inc).map(([f, v]) => [f, -v])),
          $pull: { ops: op._id },
        } as Document,
      ),
    ),
  );
}

async function pullMarkers(op: StockOpDoc): Promise<void> {
  const byColl = new Map<StepCollection, string[]>();
  for (const step of op.steps) byColl.set(step.coll, [...(byColl.get(step.coll) ?? []), step.id]);
  await Promise.all(
    [...byColl].map(([coll, ids]) =>
      collectionOf(coll).bulkWrite(
        ids.map((id) => ({
          updateOne: { filter: { _id: id, ops: op._id } as Document, update: { $pull: { ops: op._id } } as Document },
        })),
        { ordered: false },
      ),
    ),
  );
}

const movementsCollection = () => Movement.collection as unknown as Collection<MovementDoc>;

/**
 * Writes the op's movements. The first attempt inserts them in order, so the first movement is
 * in the ledger whenever any is (the commit point); a retry (repair) inserts what is missing.
 */
async function insertMovements(op: StockOpDoc, retry: boolean): Promise<void> {
  if (op.movements.length === 0) return;
  try {
    await movementsCollection().insertMany(op.movements, { ordered: !retry });
  } catch (err) {
    // Already written by an earlier attempt: the ledger keeps exactly one copy of each.
    const writeErrors = (err as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (!isDuplicateKey(err) && !(list.length > 0 && list.every((e) => e.code === 11000))) throw err;
    if (!retry) await insertMovements(op, true);
  }
}

/** True once the op's first movement is in the ledger: from then on it is finished, never undone. */
async function committed(op: StockOpDoc): Promise<boolean> {
  if (op.movements.length === 0) return true;
  return (await movementsCollection().countDocuments({ _id: op.movements[0]!._id }, { limit: 1 })) > 0;
}

/** What the component that owns an operation does when it finishes or is undone. */
export interface OpHook {
  /** Runs once all steps are applied and the movements written; must be idempotent. */
  onApplied?(op: StockOpDoc): Promise<void>;
  /** Runs after the steps were undone; must be idempotent. */
  onUndone?(op: StockOpDoc): Promise<void>;
}
const hooks = new Map<string, OpHook>();

/** Registers the hook an op names in `hook.name` (at module load, before any repair runs). */
export function registerOpHook(name: string, hook: OpHook): void {
  hooks.set(name, hook);
}

async function finish(op: StockOpDoc, retry: boolean): Promise<void> {
  await insertMovements(op, retry);
  if (op.hook) await hooks.get(op.hook.name)?.onApplied?.(op);
  await pullMarkers(op);
  await ops().deleteOne({ _id: op._id });
}

async function undo(op: StockOpDoc): Promise<void> {
  await undoSteps(op);
  if (op.hook) await hooks.get(op.hook.name)?.onUndone?.(op);
  await ops().deleteOne({ _id: op._id });
}

/** Thrown when an operation would take a running total past TOTAL_MAX: 422, naming the limit. */
export class TotalLimitExceeded extends ApiError {
  constructor(shortages: Shortage[]) {
    super(
      422,
      'UNPROCESSABLE',
      `This would take a stock total past the limit of ${formatLimit(TOTAL_MAX)} base units (TOTAL_MAX)`,
      shortages.map((s) => {
        const [first, second] = s.id.split(':');
        const where = s.coll === 'balances' ? `location ${first}, lot ${second}` : `campaign ${first}, item ${second}`;
        return {
          path: `${s.coll}.${s.id}.${s.field}`,
          message: `${where}: ${s.field} is ${s.current}; it may reach at most ${formatLimit(TOTAL_MAX)} (TOTAL_MAX)`,
          type: 'limit',
        };
      }),
    );
  }
}

/**
 * Refuses an operation that would take a running total past TOTAL_MAX, before anything of it is
 * written (the guard in applyStep catches one that races past this read).
 */
async function checkTotalLimits(steps: Step[]): Promise<void> {
  const over: Shortage[] = [];
  await Promise.all(
    steps.map(async (step) => {
      const rising = Object.entries(step.inc).filter(([, value]) => value > 0);
      if (rising.length === 0) return;
      const doc = await collectionOf(step.coll).findOne({ _id: step.id } as Document);
      for (const [field, value] of rising) {
        const current = Number(doc?.[field] ?? 0);
        if (current + value > TOTAL_MAX) {
          over.push({ coll: step.coll, id: step.id, field, required: TOTAL_MAX - value, current, limit: true });
        }
      }
    }),
  );
  if (over.length > 0) throw new TotalLimitExceeded(over);
}

/** Thrown when a guard fails: 409 CONFLICT, with what is missing in `details`. */
export class StockConflict extends ApiError {
  constructor(
    readonly shortages: Shortage[],
    details: ErrorDetail[] = shortages.map(describeShortage),
  ) {
    super(409, 'CONFLICT', 'Not enough stock for this operation', details);
  }
}

export function describeShortage(s: Shortage): ErrorDetail {
  const [first, second] = s.id.split(':');
  const where = s.coll === 'balances' ? `location ${first}, lot ${second}` : `campaign ${first}, item ${second}`;
  if (s.changed) {
    return {
      path: `${s.coll}.${s.id}.${s.field}`,
      message: `${where}: changed while this was being done; retry`,
      type: 'changed',
    };
  }
  return {
    path: `${s.coll}.${s.id}.${s.field}`,
    message: `${where}: ${s.field} is ${s.current}, needs ${s.required} (missing ${s.required - s.current})`,
    type: 'insufficient',
  };
}

/** How long a live operation owns its intent before the repair pass may take it over. */
export const OP_LEASE_MS = 2 * 60 * 1000;

export interface RunOpInput {
  /** What the op is, e.g. `donation`, `void`, `write_off` (kept on the intent for diagnosis). */
  kind: string;
  actorId: string;
  movements: MovementInput[];
  /** Compare-and-set values per balance id (adjustments). */
  expect?: Record<string, Record<string, number>>;
  hook?: OpHookRef;
  /** Time of the movements (default now). */
  at?: Date;
  /** A pre-made op id (24 hex); default a new ObjectId. */
  opId?: string;
}

export interface OpResult {
  opId: string;
  movements: MovementDoc[];
}

/**
 * Runs one stock operation to completion: all its movements and balance changes, or none of
 * them (StockConflict when a guard fails). See the comment at the top of this file.
 */
export async function runStockOp(input: RunOpInput): Promise<OpResult> {
  const opId = input.opId ?? new Types.ObjectId().toHexString();
  const at = input.at ?? new Date();
  const movements: MovementDoc[] = input.movements.map((m, n) => ({
    _id: `${opId}:${n}`,
    opId,
    at,
    actorId: input.actorId,
    kind: m.kind,
    locationId: m.locationId,
    itemId: m.itemId,
    campaignId: m.campaignId,
    lotId: m.lotId,
    expiresAt: m.expiresAt,
    quantity: m.quantity,
    reason: m.reason ?? null,
    note: m.note ?? null,
    donationId: m.donationId ?? null,
    shipmentId: m.shipmentId ?? null,
  }));
  const op: StockOpDoc = {
    _id: opId,
    kind: input.kind,
    actorId: input.actorId,
    steps: buildSteps(movements, input.expect),
    movements,
    hook: input.hook ?? null,
    createdAt: new Date(),
    leaseUntil: new Date(Date.now() + OP_LEASE_MS),
    instance: INSTANCE,
  };
  await checkTotalLimits(op.steps);
  await ops().insertOne(op);
  runningHere.add(opId);
  try {
    await applyOp(op);
  } finally {
    runningHere.delete(opId);
  }
  return { opId, movements };
}

async function applyOp(op: StockOpDoc): Promise<void> {
  const opId = op._id;

  // Balances first: they hold the guards that decide. Only when they all passed are the campaign
  // totals changed, so a failing operation never disturbs them, even for a moment.
  for (const coll of ['balances', 'campaign_totals'] as const) {
    let results: (Shortage[] | null)[];
    try {
      results = await Promise.all(op.steps.filter((s) => s.coll === coll).map((step) => applyStep(opId, step)));
    } catch (err) {
      // The database failed mid-way: undo what we can; the repair pass undoes the rest.
      await undo(op).catch(() => undefined);
      throw err;
    }
    const shortages = results.flatMap((r) => r ?? []);
    if (shortages.length > 0) {
      await undo(op);
      const limits = shortages.filter((s) => s.limit);
      throw limits.length > 0 ? new TotalLimitExceeded(limits) : new StockConflict(shortages);
    }
  }
  await finish(op, false);
}

/** This process, and the ops it is running right now (settleStockOp leaves those alone). */
const INSTANCE = new Types.ObjectId().toHexString();
const runningHere = new Set<string>();

/**
 * Finishes or undoes one operation now, when nobody is running it any more: this process started
 * it and its attempt ended (failed half-way while the database was away), or its lease ran out.
 * A client retrying with the same Idempotency-Key need not wait for the periodic repair. Returns
 * false while an attempt may still be running it (another instance, within its lease).
 */
export async function settleStockOp(opId: string): Promise<boolean> {
  if (runningHere.has(opId)) return false;
  const found = await ops().findOne({ _id: opId });
  if (!found) return true;
  if (found.instance !== INSTANCE && found.leaseUntil.getTime() > Date.now()) return false;
  const claimed = await ops().findOneAndUpdate(
    { _id: opId, leaseUntil: found.leaseUntil },
    { $set: { leaseUntil: new Date(Date.now() + OP_LEASE_MS) } },
    { returnDocument: 'after' },
  );
  if (!claimed) return false;
  if (await committed(claimed)) await finish(claimed, true);
  else await undo(claimed);
  return true;
}

export interface RepairReport {
  finished: number;
  undone: number;
}

/**
 * Finishes (its first movement is in the ledger) or undoes (any other) every operation whose
 * lease ran out: what a crash or a lost database connection left half-done. Safe to run at any time and repeatedly.
 * `now` far in the future takes over every op (tests; a single process at start-up).
 */
export async function repairStockOps(now = new Date()): Promise<RepairReport> {
  const report: RepairReport = { finished: 0, undone: 0 };
  const stale = await ops()
    .find({ leaseUntil: { $lt: now } })
    .toArray();
  for (const found of stale) {
    // Claim it, so that two repairers (two instances) never work on one op at once.
    const claimed = await ops().findOneAndUpdate(
      { _id: found._id, leaseUntil: found.leaseUntil },
      { $set: { leaseUntil: new Date(Math.max(now.getTime(), Date.now()) + OP_LEASE_MS) } },
      { returnDocument: 'after' },
    );
    if (!claimed) continue;
    if (await committed(claimed)) {
      await finish(claimed, true);
      report.finished += 1;
    } else {
      await undo(claimed);
      report.undone += 1;
    }
  }
  return report;
}

/** Number of operations not yet finished or undone. */
export const countPendingStockOps = () => ops().countDocuments({});
