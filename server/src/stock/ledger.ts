import mongoose, { Types } from 'mongoose';
import { formatLimit, TOTAL_MAX, type ErrorDetail, type MovementKind } from '@karavan/shared';
import {
  applyStep,
  countPendingOperations,
  OP_LEASE_MS,
  runOperation,
  StepsRefused,
  type Claim,
  type HookRef,
  type OperationDoc,
  type Shortage,
  type Step,
} from '../db/operations';
import { repairOperations, settleOperation, type RepairReport } from '../db/repair';
import { ApiError } from '../lib/errors';

/*
 * The ledger: what each kind of movement does to balances and campaign totals (`effectOf`, also
 * used by the reconcile), turned into the guarded steps of one operation of the persistence
 * kernel (db/operations.ts). A stock operation (a donation, a void, a write-off, a reservation,
 * ...) is one kernel operation: its steps are one guarded `$inc` per balance (group 0: they hold
 * the guards that decide) and per campaign total (group 1), its records are the ledger movements
 * (`${opId}:${n}`; the first one is the commit point), its hook the owner's (a donation stored, a
 * shipment's pending change applied).
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
export type { Step, Shortage };

/** An operation's intent as stored (see db/operations.ts). */
export type StockOpDoc = OperationDoc;

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
    // Balances go first and guard every field (the physical truth); campaign totals change only
    // once they all passed, and guard only `inTransit` (no operation on goods in transit has a
    // balance to guard it): the other totals are sums of balances, and guarding them would let an
    // operation that is about to fail (and be undone) make a valid one fail.
    // No running total may pass TOTAL_MAX (counts stay exact integers).
    step.max = TOTAL_MAX;
    if (step.coll === 'balances') step.guard = [...BALANCE_FIELDS];
    else {
      step.group = 1;
      if ((step.inc.inTransit ?? 0) < 0) step.guard = ['inTransit'];
    }
    out.push(step);
  }
  return out;
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
 * written (the steps' `max` guard catches one that races past this read).
 */
async function checkTotalLimits(steps: Step[]): Promise<void> {
  const over: Shortage[] = [];
  await Promise.all(
    steps.map(async (step) => {
      const rising = Object.entries(step.inc).filter(([, value]) => value > 0);
      if (rising.length === 0) return;
      const doc = await mongoose.connection.collection(step.coll).findOne({ _id: step.id as never });
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

export interface RunOpInput {
  /** What the op is, e.g. `donation`, `void`, `write_off` (kept on the intent for diagnosis). */
  kind: string;
  actorId: string;
  movements: MovementInput[];
  /** Compare-and-set values per balance id (adjustments). */
  expect?: Record<string, Record<string, number>>;
  hook?: HookRef;
  /** Claims of other documents taken by the same operation (a shipment's pending change). */
  claims?: Claim[];
  /** Time of the movements (default now). */
  at?: Date;
  /** A pre-made op id (24 hex); default a new ObjectId. */
  opId?: string;
}

export interface OpResult {
  opId: string;
  movements: MovementDoc[];
}

/** The movements of an operation, with their deterministic ids (`${opId}:${n}`). */
export function movementDocs(opId: string, input: Pick<RunOpInput, 'movements' | 'actorId' | 'at'>): MovementDoc[] {
  const at = input.at ?? new Date();
  return input.movements.map((m, n) => ({
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
}

/**
 * Runs one stock operation to completion through the persistence kernel (db/operations.ts): all
 * its movements and balance changes, or none of them (StockConflict when a guard fails).
 */
export async function runStockOp(input: RunOpInput): Promise<OpResult> {
  const opId = input.opId ?? new Types.ObjectId().toHexString();
  const movements = movementDocs(opId, input);
  const steps = buildSteps(movements, input.expect);
  await checkTotalLimits(steps);
  stockWritten();
  try {
    await runOperation({
      opId,
      kind: input.kind,
      actorId: input.actorId,
      claims: input.claims,
      steps,
      records: movements,
      hook: input.hook ?? null,
    });
  } catch (err) {
    if (err instanceof StepsRefused) {
      const limits = err.shortages.filter((s) => s.limit);
      throw limits.length > 0 ? new TotalLimitExceeded(limits) : new StockConflict(err.shortages);
    }
    throw err;
  } finally {
    stockWritten();
  }
  return { opId, movements };
}

let writeEpoch = 0;
/**
 * Moves when a stock operation starts or ends on this instance (and when the repair pass finishes
 * or undoes one): balances and campaign totals read before it moved may be stale. Lets a reader
 * keep what it read while nothing was written here (see the stock service's progress).
 */
export const stockWriteEpoch = (): number => writeEpoch;
export function stockWritten(): void {
  writeEpoch++;
}

export {
  applyStep,
  settleOperation as settleStockOp,
  repairOperations as repairStockOps,
  countPendingOperations as countPendingStockOps,
  OP_LEASE_MS,
  type RepairReport,
};
