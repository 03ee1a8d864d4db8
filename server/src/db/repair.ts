import mongoose, { Types, type mongo } from 'mongoose';
import { ApiError } from '../lib/errors';
import {
  committed,
  finish,
  INSTANCE,
  intents,
  OP_LEASE_MS,
  releaseClaims,
  runningHere,
  undo,
  wired,
  type OperationDoc,
  type RecordDoc,
} from './operations';

/*
 * The kernel's repair pass (see operations.ts): what a crash or a lost database connection left
 * half-done is finished (its commit point is in) or undone (any other), and the hooks publish
 * the live events of what it finished. At start-up before the server listens, and every minute.
 */

async function claimLease(found: OperationDoc, now: Date): Promise<OperationDoc | null> {
  return intents().findOneAndUpdate(
    { _id: found._id, leaseUntil: found.leaseUntil },
    { $set: { leaseUntil: new Date(Math.max(now.getTime(), Date.now()) + OP_LEASE_MS) } },
    { returnDocument: 'after' },
  );
}

async function complete(op: OperationDoc): Promise<'finished' | 'undone'> {
  const outcome = (await committed(op)) ? 'finished' : 'undone';
  if (outcome === 'finished') await finish(op, true);
  else await undo(op, true);
  wired().repaired?.(op, outcome);
  return outcome;
}

/**
 * Finishes or undoes one operation now, when nobody is running it any more: this process started
 * it and its attempt ended (failed half-way while the database was away), or its lease ran out.
 * A client retrying with the same Idempotency-Key need not wait for the periodic repair. Returns
 * false while an attempt may still be running it (another instance, within its lease).
 */
export async function settleOperation(opId: string): Promise<boolean> {
  if (runningHere.has(opId)) return false;
  const found = await intents().findOne({ _id: opId });
  if (!found) return true;
  if (found.instance !== INSTANCE && found.leaseUntil.getTime() > Date.now()) return false;
  const claimed = await claimLease(found, new Date());
  if (!claimed) return false;
  await complete(claimed);
  return true;
}

/**
 * What an earlier attempt of operation `opId` wrote (a retry under the same Idempotency-Key,
 * which gives the operation its id): its records in order (`${opId}:<n>`, a range of `_id`s),
 * once that attempt is settled (finished or undone now if nobody runs it any more). [] when it
 * changed nothing: it never ran, or it was undone. 409 IDEMPOTENCY_IN_PROGRESS while it may
 * still be running (here, or in another instance within its lease).
 */
export async function earlierRecords<T extends RecordDoc>(opId: string, recordsIn = 'movements'): Promise<T[]> {
  if (!(await settleOperation(opId))) {
    throw new ApiError(
      409,
      'IDEMPOTENCY_IN_PROGRESS',
      'An earlier attempt with this Idempotency-Key is still being finished; retry shortly',
    );
  }
  const range = { _id: { $gte: `${opId}:`, $lt: `${opId};` } } as mongo.Filter<T>;
  const docs = (await mongoose.connection.collection<T>(recordsIn).find(range).toArray()) as T[];
  const n = (record: T) => Number(record._id.slice(opId.length + 1));
  return docs.sort((a, b) => n(a) - n(b));
}

export interface RepairReport {
  finished: number;
  undone: number;
}

/**
 * Finishes (commit point in) or undoes (any other) every operation whose lease ran out: what a
 * crash or a lost database connection left half-done; then the claims an older version wrote
 * before its intent. Safe to run at any time and repeatedly. `now` far in the future takes over
 * every op (tests; a single process at start-up).
 */
export async function repairOperations(now = new Date()): Promise<RepairReport> {
  const report: RepairReport = { finished: 0, undone: 0 };
  const stale = await intents()
    .find({ leaseUntil: { $lt: now } })
    .toArray();
  for (const found of stale) {
    // Claim it, so that two repairers (two instances) never work on one op at once.
    const claimed = await claimLease(found, now);
    if (!claimed) continue;
    report[await complete(claimed)] += 1;
  }
  const orphans = await repairOrphanClaims(now);
  report.finished += orphans.finished;
  report.undone += orphans.undone;
  return report;
}

/**
 * The documents that hold a claim in `field`: every claim carries its operation's id (`opId`, a
 * string), so a range over strings on `<field>.opId` selects them, served by that index (the
 * owner declares it). `{ [field]: { $ne: null } }` selects the same documents but no index serves
 * it: on the embedded database it read every shipment each minute, holding the collection while it
 * did (at 20,000 shipments 31 to 77 ms, and 556 ms cold; every read and status update waited).
 */
export const claimedFilter = (field: string) => ({ [`${field}.opId`]: { $gte: '' } });

/**
 * Claims without an intent: an older version wrote the claim (a shipment's `pending`) before its
 * operation's intent. Applied (through the owner's hook) when the operation committed, released
 * otherwise. A claim of this version always has its intent, which the pass above completes.
 */
async function repairOrphanClaims(now: Date): Promise<RepairReport> {
  const report: RepairReport = { finished: 0, undone: 0 };
  for (const spec of wired().claims ?? []) {
    const found = await mongoose.connection.collection(spec.coll).find(claimedFilter(spec.field)).toArray();
    for (const doc of found) {
      const value = doc[spec.field] as { opId?: string; since?: Date } | null;
      if (!value?.opId || new Date(value.since ?? 0).getTime() + OP_LEASE_MS > now.getTime()) continue;
      if (await intents().countDocuments({ _id: value.opId }, { limit: 1 })) continue;
      const op: OperationDoc = {
        _id: value.opId,
        kind: 'orphan-claim',
        actorId: '',
        claims: [
          {
            coll: spec.coll,
            id: String(doc._id),
            objectId: (doc._id as unknown) instanceof Types.ObjectId,
            field: spec.field,
            value,
            expect: {},
            bump: { version: 1 },
          },
        ],
        steps: [],
        movements: [{ _id: `${value.opId}:0` }],
        hook: { name: spec.hook, data: spec.data(doc) },
        createdAt: now,
        leaseUntil: now,
      };
      if (await committed(op)) {
        await wired().hooks[spec.hook]?.onApplied?.(op, { byRepair: true });
        report.finished += 1;
      } else {
        await wired().hooks[spec.hook]?.onUndone?.(op, { byRepair: true });
        report.undone += 1;
      }
      await releaseClaims(op);
    }
  }
  return report;
}

/** The periodic repair pass (every minute in `npm start`); returns a function that stops it. */
export function scheduleRepair(
  everyMs: number,
  onReport: (report: RepairReport) => void,
  onError: (err: unknown) => void,
): () => void {
  const timer = setInterval(() => {
    repairOperations().then(onReport, onError);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
