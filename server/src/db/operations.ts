import mongoose, { Types, type mongo } from 'mongoose';
import { isDuplicateKey } from '../lib/errors';

/*
 * The persistence kernel: one write over several documents without transactions. Used by the
 * stock ledger (a donation, a void, a write-off, a reservation: balances + campaign totals +
 * ledger movements) and by the shipments (the shipment document + its stock operation).
 *
 *  1. INTENT: one document in `stock_ops` listing every write of the operation: its claims, its
 *     steps, its records and the hook of the component that owns it.
 *  2. GUARDED UPDATES, each ONE single-document update that also leaves a marker of the operation
 *     on the document, so that it is idempotent and the repair pass can tell whether it was done:
 *     - claims first: `updateOne({ _id, [field]: null, ...expect }, { $set: { [field]: value } })`,
 *       e.g. a shipment's `pending` change (compare-and-set on its version). A lost claim undoes
 *       the operation and throws ClaimLost (the caller reads again and retries);
 *     - then steps: `updateOne({ _id, ops: { $ne: opId }, field: { $gte: q } }, { $inc, $push: { ops } })`,
 *       the first group (balances) before the second (campaign totals). A failed guard undoes
 *       the applied writes and throws StepsRefused with the shortages.
 *  3. COMMIT POINT: the records inserted in order with deterministic `_id`s (`${opId}:${n}`): once
 *     the first one is in, the operation is finished, never undone.
 *  4. HOOKS: the owner's `onApplied` (e.g. the donation document stored, the shipment's pending
 *     change applied), the claims and markers released, the intent deleted.
 *
 * A crash anywhere leaves the intent behind. `repairOperations` (repair.ts; at start-up and every minute)
 * finishes an operation whose commit point is in, and undoes any other (its caller was never
 * told it succeeded); the hooks then publish the live events of what the repair finished.
 *
 * Hooks are a typed table wired by the application (`wireOperations`, from app.ts and the
 * scripts that build services); tests inject crashes with `injectFault`.
 */

/** The owners' hooks, by the name an intent stores (typed: wiring must give all of them). */
export type HookName = 'donation.record' | 'donation.void' | 'shipments.update';

export interface HookRef {
  name: HookName;
  data: Record<string, unknown>;
}

export interface HookContext {
  /** True when the repair pass (not the request that started it) finished or undid the operation. */
  byRepair: boolean;
}

/** What the component that owns an operation does when it finishes or is undone (both idempotent). */
export interface OpHook {
  onApplied?(op: OperationDoc, context: HookContext): Promise<void>;
  onUndone?(op: OperationDoc, context: HookContext): Promise<void>;
}
export type OperationHooks = Record<HookName, OpHook>;

/** One guarded $inc of one document. */
export interface Step {
  coll: string;
  id: string;
  /** Non-zero increments. */
  inc: Record<string, number>;
  /** Compare-and-set: the update applies only while these fields have these values. */
  expect?: Record<string, number>;
  /** Fields of the document if this step creates it (only a step without guard or expect may create). */
  insert: Record<string, unknown>;
  /** Fields whose negative increment may not take them below 0 (absent on old intents: nothing to apply). */
  guard?: string[];
  /** The step group: every step of group 0 is applied before any of group 1 (default 0). */
  group?: number;
  /** The most a field it increases may hold after it (guarded atomically too). */
  max?: number;
}

/** A compare-and-set that marks one document as taken by the operation (`field` holds `value` + opId). */
export interface Claim {
  coll: string;
  id: string;
  /** The document's `_id` is an ObjectId (hex in `id`). */
  objectId?: boolean;
  field: string;
  value: object;
  /** The values the claim was computed from (e.g. `{ version: 7 }`). */
  expect: Record<string, unknown>;
  /** Increments with the claim and again with its release (e.g. `{ version: 1 }`). */
  bump?: Record<string, number>;
}

/** A record an operation writes (a ledger movement): any document with a deterministic `_id`. */
export interface RecordDoc {
  _id: string;
}

export interface OperationDoc {
  _id: string;
  kind: string;
  actorId: string;
  claims?: Claim[];
  steps: Step[];
  /** The records, in order; the first one is the commit point. Kept under its historical name. */
  movements: RecordDoc[];
  /** Where the records go (absent: `movements`). */
  recordsIn?: string;
  hook: HookRef | null;
  createdAt: Date;
  leaseUntil: Date;
  /** The process that started it (see settleOperation). */
  instance?: string;
}

/** Why a step's guard failed: which field of which document falls short, and by how much. */
export interface Shortage {
  coll: string;
  id: string;
  field: string;
  /** The value the guard needed (at least this much, or exactly this for a compare-and-set). */
  required: number;
  current: number;
  /** True when a compare-and-set value changed under us (a concurrent write; retry). */
  changed?: boolean;
  /** True when the step would take the field past the step's `max` (`required`: the most it may hold before). */
  limit?: boolean;
}

/** A step's guard failed; the operation was undone. */
export class StepsRefused extends Error {
  override name = 'StepsRefused';
  constructor(readonly shortages: Shortage[]) {
    super('an operation step was refused');
  }
}

/** A claim's document changed (or is claimed by another operation); the operation was undone. */
export class ClaimLost extends Error {
  override name = 'ClaimLost';
}

/** Where a test makes the process "die" (once): the intent and what was written so far stay. */
export type FaultPoint = 'after-claims' | 'before-commit' | 'before-hooks';
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

export interface Wiring {
  hooks: Partial<OperationHooks>;
  /** After the repair pass finished or undid an operation (live events of hookless operations). */
  repaired?(op: OperationDoc, outcome: 'finished' | 'undone'): void;
  /** Claims written by an older version before its intent (see repairOrphanClaims). */
  claims?: { coll: string; field: string; hook: HookName; data(doc: mongo.Document): Record<string, unknown> }[];
}
let wiring: Wiring | null = null;
const faults = new Set<FaultPoint>();

/** Wires the owners' hooks (app.ts, scripts); a later wiring replaces an earlier one. */
export function wireOperations(next: { hooks: OperationHooks } & Omit<Wiring, 'hooks'>): void {
  wiring = next;
}
/** The wiring (throws when the application has not wired the kernel). For repair.ts. */
export function wired(): Wiring {
  if (!wiring) throw new Error('the persistence kernel is not wired (wireOperations, see wiring.ts)');
  return wiring;
}

/** Tests: the next operation that reaches `point` throws SimulatedCrash there, leaving its writes. */
export function injectFault(point: FaultPoint): void {
  faults.add(point);
}
/** Tests: forgets faults that no operation reached. */
export function clearFaults(): void {
  faults.clear();
}
function fault(point: FaultPoint): void {
  if (faults.delete(point)) throw new SimulatedCrash(`simulated crash at ${point}`);
}

/** How long a live operation owns its intent before the repair pass may take it over. */
export const OP_LEASE_MS = 2 * 60 * 1000;

type Document = mongo.Document;
// Documents keyed by string ids (or ObjectIds, for claims).
type Keyed = { _id: unknown } & Document;
const collection = (name: string) => mongoose.connection.collection<Keyed>(name);
/** The intents collection (`stock_ops`, its historical name). */
export const intents = () => mongoose.connection.collection<OperationDoc>('stock_ops');
const recordsOf = (op: Pick<OperationDoc, 'recordsIn'>) => collection(op.recordsIn ?? 'movements');
const claimKey = (c: Claim) => (c.objectId ? new Types.ObjectId(c.id) : c.id);

const guardedFields = (step: Step) =>
  Object.entries(step.inc)
    .filter(([field, value]) => value < 0 && (step.guard ?? []).includes(field))
    .map(([field, value]) => [field, -value] as const);

/** An unguarded step may create its document; one that is guarded needs it to exist. */
const mayCreate = (step: Step) => !step.expect && guardedFields(step).length === 0;

/** Applies one step; null when applied (now or before), otherwise the shortages. */
export async function applyStep(opId: string, step: Step): Promise<Shortage[] | null> {
  const coll = collection(step.coll);
  const filter: Document = { _id: step.id, ops: { $ne: opId } };
  for (const [field, min] of guardedFields(step)) filter[field] = { $gte: min };
  for (const [field, value] of Object.entries(step.expect ?? {})) filter[field] = value;
  // No field may pass the step's max, checked atomically (a compare-and-set value is exact already).
  if (step.max !== undefined) {
    for (const [field, value] of Object.entries(step.inc)) {
      if (value > 0 && !(field in filter)) filter[field] = { $lte: step.max - value };
    }
  }
  const update: Document = { $inc: step.inc, $push: { ops: opId } };
  const upsert = mayCreate(step);
  if (upsert) update.$setOnInsert = step.insert;
  let result: mongo.UpdateResult;
  try {
    result = await coll.updateOne(filter, update, { upsert });
  } catch (err) {
    // The document exists but the filter did not match it (a guard, or the step's marker), or
    // two creators of one new document raced: the loser tries again as a plain update.
    if (!upsert || !isDuplicateKey(err)) throw err;
    result = await coll.updateOne(filter, { $inc: step.inc, $push: { ops: opId } } as Document);
  }
  const applied = result.modifiedCount + result.upsertedCount > 0;
  if (applied) return null;
  const doc = await coll.findOne({ _id: step.id } as Document);
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
    if (step.max !== undefined && value > 0 && current + value > step.max)
      shortages.push({ coll: step.coll, id: step.id, field, required: step.max - value, current, limit: true });
  }
  // A guard failed but the document now satisfies it: it changed in between; report it as such.
  if (shortages.length === 0) {
    shortages.push({ coll: step.coll, id: step.id, field: '*', required: 0, current: 0, changed: true });
  }
  return shortages;
}

async function applyClaim(op: OperationDoc, claim: Claim): Promise<boolean> {
  const coll = collection(claim.coll);
  const _id = claimKey(claim);
  const result = await coll.updateOne({ _id, [claim.field]: null, ...claim.expect } as Document, {
    $set: { [claim.field]: { ...claim.value, opId: op._id } },
    ...(claim.bump ? { $inc: claim.bump } : {}),
  });
  if (result.modifiedCount === 1) return true;
  return (await coll.countDocuments({ _id, [`${claim.field}.opId`]: op._id } as Document, { limit: 1 })) > 0;
}

export async function releaseClaims(op: OperationDoc): Promise<void> {
  await Promise.all(
    (op.claims ?? []).map((claim) =>
      collection(claim.coll).updateOne({ _id: claimKey(claim), [`${claim.field}.opId`]: op._id } as Document, {
        $set: { [claim.field]: null },
        ...(claim.bump ? { $inc: claim.bump } : {}),
      }),
    ),
  );
}

async function undoSteps(op: OperationDoc): Promise<void> {
  await Promise.all(
    op.steps.map((step) =>
      collection(step.coll).updateOne(
        { _id: step.id, ops: op._id } as Document,
        {
          $inc: Object.fromEntries(Object.entries(step.inc).map(([f, v]) => [f, -v])),
          $pull: { ops: op._id },
        } as Document,
      ),
    ),
  );
}

async function pullMarkers(op: OperationDoc): Promise<void> {
  const byColl = new Map<string, string[]>();
  for (const step of op.steps) byColl.set(step.coll, [...(byColl.get(step.coll) ?? []), step.id]);
  await Promise.all(
    [...byColl].map(([coll, ids]) =>
      collection(coll).bulkWrite(
        ids.map((id) => ({
          updateOne: { filter: { _id: id, ops: op._id } as Document, update: { $pull: { ops: op._id } } as Document },
        })),
        { ordered: false },
      ),
    ),
  );
}

/**
 * Writes the op's records. The first attempt inserts them in order, so the first record is in
 * whenever any is (the commit point); a retry (repair) inserts what is missing.
 */
async function insertRecords(op: OperationDoc, retry: boolean): Promise<void> {
  if (op.movements.length === 0) return;
  try {
    await recordsOf(op).insertMany(op.movements as Keyed[], { ordered: !retry });
  } catch (err) {
    // Already written by an earlier attempt: exactly one copy of each is kept.
    const writeErrors = (err as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (!isDuplicateKey(err) && !(list.length > 0 && list.every((e) => e.code === 11000))) throw err;
    if (!retry) await insertRecords(op, true);
  }
}

/** True once the op's first record is in: from then on it is finished, never undone. */
export async function committed(op: Pick<OperationDoc, 'movements' | 'recordsIn'>): Promise<boolean> {
  if (op.movements.length === 0) return true;
  return (await recordsOf(op).countDocuments({ _id: op.movements[0]!._id } as Document, { limit: 1 })) > 0;
}

function hookOf(op: OperationDoc): OpHook | undefined {
  if (!op.hook) return undefined;
  const hook = wired().hooks[op.hook.name];
  if (!hook) throw new Error(`operation hook ${op.hook.name} is not wired (wireOperations)`);
  return hook;
}

export async function finish(op: OperationDoc, byRepair: boolean): Promise<void> {
  await insertRecords(op, byRepair);
  if (!byRepair) fault('before-hooks');
  await hookOf(op)?.onApplied?.(op, { byRepair });
  await releaseClaims(op);
  await pullMarkers(op);
  await intents().deleteOne({ _id: op._id });
}

export async function undo(op: OperationDoc, byRepair: boolean): Promise<void> {
  await undoSteps(op);
  await releaseClaims(op);
  await hookOf(op)?.onUndone?.(op, { byRepair });
  await intents().deleteOne({ _id: op._id });
}

export interface OperationInput {
  /** A pre-made op id (24 hex); default a new ObjectId. */
  opId?: string;
  kind: string;
  actorId: string;
  claims?: Claim[];
  steps: Step[];
  records: OperationDoc['movements'];
  recordsIn?: string;
  hook?: HookRef | null;
}

/** This process, and the ops it is running right now (settleOperation leaves those alone). */
export const INSTANCE = new Types.ObjectId().toHexString();
export const runningHere = new Set<string>();

/**
 * Runs one operation to completion: all its writes, or none of them (ClaimLost when a claim's
 * document changed, StepsRefused when a guard failed). See the comment at the top of this file.
 */
export async function runOperation(input: OperationInput): Promise<OperationDoc> {
  wired();
  const op: OperationDoc = {
    _id: input.opId ?? new Types.ObjectId().toHexString(),
    kind: input.kind,
    actorId: input.actorId,
    ...(input.claims?.length ? { claims: input.claims } : {}),
    steps: input.steps,
    movements: input.records,
    ...(input.recordsIn ? { recordsIn: input.recordsIn } : {}),
    hook: input.hook ?? null,
    createdAt: new Date(),
    leaseUntil: new Date(Date.now() + OP_LEASE_MS),
    instance: INSTANCE,
  };
  await intents().insertOne(op);
  runningHere.add(op._id);
  try {
    await applyOperation(op);
  } finally {
    runningHere.delete(op._id);
  }
  return op;
}

async function applyOperation(op: OperationDoc): Promise<void> {
  let failure: Error | null = null;
  try {
    for (const claim of op.claims ?? []) {
      if (!(await applyClaim(op, claim))) {
        failure = new ClaimLost(`${claim.coll} ${claim.id} changed`);
        break;
      }
    }
    if (!failure) fault('after-claims');
    // Group by group: the first holds the guards that decide; the later ones change only once
    // they all passed, so a failing operation never disturbs them, even for a moment.
    const groups = [...new Set(op.steps.map((s) => s.group ?? 0))].sort((a, b) => a - b);
    for (const group of failure ? [] : groups) {
      const results = await Promise.all(
        op.steps.filter((s) => (s.group ?? 0) === group).map((step) => applyStep(op._id, step)),
      );
      const shortages = results.flatMap((r) => r ?? []);
      if (shortages.length > 0) {
        failure = new StepsRefused(shortages);
        break;
      }
    }
  } catch (err) {
    if (err instanceof SimulatedCrash) throw err;
    // The database failed mid-way: undo what we can; the repair pass undoes the rest.
    await undo(op, false).catch(() => undefined);
    throw err;
  }
  if (failure) {
    await undo(op, false);
    throw failure;
  }
  fault('before-commit');
  await finish(op, false);
}

/** Number of operations not yet finished or undone. */
export const countPendingOperations = () => intents().countDocuments({});

/** Whether an operation's intent is still there (started, not yet finished or undone). */
export const operationPending = async (opId: string) =>
  (await intents().countDocuments({ _id: opId }, { limit: 1 })) > 0;

/**
 * The "a retry returns the first create" rule of every create under an Idempotency-Key: the
 * create takes its id from the key (lib/idempotency), so what an earlier attempt made (its
 * answer was lost, its key released) is found by that id and is the answer; null: create it.
 */
export async function madeBefore<T>(
  id: string | undefined,
  find: (id: string) => Promise<T | null>,
): Promise<T | null> {
  return id ? find(id) : null;
}
