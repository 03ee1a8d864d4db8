import { randomUUID } from 'node:crypto';
import type { mongo } from 'mongoose';
import { isDuplicateKey } from '../lib/errors';
import { groupedInsert } from './group-commit';
import { retrying, RETRY } from './retry';

/*
 * The one idempotency engine of the persistence kernel: "do this once per key, and give every
 * copy the first answer". Used by the Idempotency-Key of every POST (lib/idempotency.ts,
 * `idempotency_records`) and by the client-made ids of shipment status updates
 * (`shipment_updates`). One record per key, its natural key the `_id`:
 *   - the first copy inserts it `pending`, runs, and marks it `done` with what answers copies;
 *   - a copy with another fingerprint is refused (`reused`), one that finds it `done` gets the
 *     first answer, one that finds it `pending` waits up to `waitMs`, then `inProgress`;
 *   - a pending record whose attempt is over (it died: stale, or it ran in this process and
 *     ended) is taken over, unless its work may still be under way (`mayStillRun`); one whose
 *     work is done but was never marked (`finishedWork`) is marked done and answered;
 *   - a failed first attempt forgets the key, so that the client may retry once it fixed the cause.
 */

export interface OnceRecord {
  _id: string;
  fingerprint: string;
  state: 'pending' | 'done';
  createdAt: Date;
  /** The process running the first attempt (see `orphaned`). */
  owner?: string;
}

export interface OnceSpec<R extends OnceRecord, A> {
  records: () => mongo.Collection<R>;
  /** The record a first attempt writes (`state`, `owner` are set here). */
  record: Omit<R, 'state' | 'owner'>;
  /** The work, once; `done` is what the record keeps to answer copies. */
  run(): Promise<{ answer: A; done: Partial<R> }>;
  /** The answer a copy gets from a done record. */
  answer(record: R): Promise<A>;
  reused(): Error;
  inProgress(): Error;
  /** A pending record older than this belongs to an attempt that died. */
  staleMs: number;
  /** A record older than this is forgotten (the key may be used anew). */
  ttlMs?: number;
  /** How long a copy waits for a pending first attempt before `inProgress` (default 0). */
  waitMs?: number;
  /** A pending record's work that is done (only the record was left to write): the fields that make it done. */
  finishedWork?(record: R): Promise<Partial<R> | null>;
  /** True while a pending record's work may still be under way (its operation not yet repaired). */
  mayStillRun?(record: R): Promise<boolean>;
  /** Which failures of the first attempt forget the key (default: every failure). */
  forgets?(err: unknown): boolean;
  /**
   * Answer before the record is marked done, and mark it in the background (one round trip less
   * per call). Only where `finishedWork` tells a done work from its record, so that a copy, or
   * the start-up's settling pass after a crash, marks it done as well: nothing is answered twice.
   */
  settleLater?: boolean;
}

/** A request's canonical JSON (keys sorted), for its fingerprint. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** This process; and the records whose first attempt it is running right now. */
const INSTANCE = randomUUID();
const runningHere = new Set<string>();
/** The records being marked done in the background (`settleLater`), awaited by `settled`. */
const settling = new Set<Promise<unknown>>();

/** Waits until every record marked done in the background was written (or failed to be). */
export async function settled(): Promise<void> {
  // Records gathering for their next write are written now (shutdown, tests).
  while (settleQueues.size > 0 || settling.size > 0) {
    for (const name of [...settleQueues.keys()]) if (!settleWriting.has(name)) writeSettles(name);
    await Promise.allSettled([...settling]);
  }
}

/**
 * Records to mark done in the background, per collection, written together: each write takes
 * what gathered for SETTLE_GATHER_MS (or while the write before it was out), as one bulk write.
 * Nobody waits for it (the answer was sent; a copy meanwhile finds the work done in the
 * shipment, as after a crash), so a busy server marks a few dozen updates per round trip
 * instead of two or three. A write that fails leaves its records pending: a copy, or the
 * start-up's pass, marks them done.
 */
export const SETTLE_GATHER_MS = 100;
const settleQueues = new Map<string, { collection: mongo.Collection; ops: mongo.AnyBulkWriteOperation[] }>();
const settleWriting = new Set<string>();
/** Collections whose records gather for a write that a timer starts. */
const gathering = new Map<string, NodeJS.Timeout>();

function settleInBackground<R extends OnceRecord>(records: mongo.Collection<R>, id: string, done: Partial<R>): void {
  const name = records.collectionName;
  const queue = settleQueues.get(name) ?? { collection: records as unknown as mongo.Collection, ops: [] };
  queue.ops.push({ updateOne: { filter: { _id: id as never }, update: { $set: { ...done, state: 'done' } } } });
  settleQueues.set(name, queue);
  if (!settleWriting.has(name)) gather(name);
}

function gather(name: string): void {
  if (gathering.has(name) || !settleQueues.has(name)) return;
  gathering.set(
    name,
    setTimeout(() => writeSettles(name), SETTLE_GATHER_MS),
  );
}

function writeSettles(name: string): void {
  const timer = gathering.get(name);
  if (timer) clearTimeout(timer);
  gathering.delete(name);
  const queue = settleQueues.get(name);
  settleQueues.delete(name);
  if (!queue) return;
  settleWriting.add(name);
  const written = queue.collection
    .bulkWrite(queue.ops, { ordered: false })
    .catch(() => undefined)
    .finally(() => {
      settleWriting.delete(name);
      settling.delete(written);
      gather(name);
    });
  settling.add(written);
}

/**
 * First attempts' records, inserted grouped per collection (group-commit.ts): the records of the
 * requests that come in while one insert is out go together in the next.
 */
const inserters = new WeakMap<mongo.Collection, (doc: never) => Promise<void>>();
function insertRecord<R extends OnceRecord>(records: mongo.Collection<R>, doc: R): Promise<void> {
  const collection = records as unknown as mongo.Collection;
  let insert = inserters.get(collection);
  if (!insert) {
    insert = groupedInsert(() => collection) as (doc: never) => Promise<void>;
    inserters.set(collection, insert);
  }
  return insert(doc as never);
}

const POLL_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Filter<R> = mongo.Filter<R>;
type Update<R> = mongo.UpdateFilter<R>;

/** Runs `spec.run` once per record id; `replayed` when the answer is a first attempt's. */
export async function once<R extends OnceRecord, A>(spec: OnceSpec<R, A>): Promise<{ answer: A; replayed: boolean }> {
  const records = spec.records();
  const id = spec.record._id;
  const key = `${records.collectionName}/${id}`;
  const first = await retrying<{ answer: A } | null>(async () => {
    const createdAt = new Date();
    try {
      await insertRecord(records, { ...spec.record, createdAt, state: 'pending', owner: INSTANCE } as unknown as R);
      return null;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const deadline = Date.now() + (spec.waitMs ?? 0);
    for (;;) {
      const existing = await records.findOne({ _id: id } as Filter<R>);
      if (!existing) return RETRY; // forgotten in between: try again
      if (existing.fingerprint !== spec.record.fingerprint) throw spec.reused();
      const age = Date.now() - existing.createdAt.getTime();
      if (spec.ttlMs !== undefined && age > spec.ttlMs) {
        await records.deleteOne({ _id: id, createdAt: existing.createdAt } as Filter<R>);
        return RETRY;
      }
      if (existing.state === 'done') return { answer: await spec.answer(existing as R) };
      const finished = await spec.finishedWork?.(existing as R);
      if (finished) {
        await records.updateOne(
          { _id: id, state: 'pending' } as Filter<R>,
          {
            $set: { ...finished, state: 'done' },
          } as Update<R>,
        );
        return { answer: await spec.answer({ ...existing, ...finished, state: 'done' } as R) };
      }
      // Pending, but its attempt is over: it died (stale), or it ran here and failed while the
      // database was away and could not forget the key. Take over now rather than answer 409.
      const over = age > spec.staleMs || (existing.owner === INSTANCE && !runningHere.has(key));
      if (over && !(await spec.mayStillRun?.(existing as R))) {
        await records.deleteOne({ _id: id, state: 'pending', createdAt: existing.createdAt } as Filter<R>);
        return RETRY;
      }
      if (Date.now() >= deadline) throw spec.inProgress();
      await sleep(POLL_MS);
    }
  });
  if (first) return { answer: first.answer, replayed: true };

  let result: { answer: A; done: Partial<R> };
  runningHere.add(key);
  try {
    result = await spec.run();
  } catch (err) {
    if (spec.forgets?.(err) ?? true) {
      await records.deleteOne({ _id: id, state: 'pending' } as Filter<R>).catch(() => undefined);
    }
    throw err;
  } finally {
    runningHere.delete(key);
  }
  if (spec.settleLater && spec.finishedWork) {
    // Left pending if this fails: a copy or the start-up's pass finds the work done and marks it.
    settleInBackground(records, id, result.done);
  } else {
    await records.updateOne({ _id: id } as Filter<R>, { $set: { ...result.done, state: 'done' } } as Update<R>);
  }
  return { answer: result.answer, replayed: false };
}

/**
 * Settles every pending record at start-up, when no earlier process can still be running an
 * attempt (the embedded database serves one process): marked done when its work is (only the
 * record was left to write), left alone while its operation may still be repaired, forgotten
 * otherwise, so that the phones' next copies are answered or processed at once instead of 409.
 */
export async function settlePendingRecords<R extends OnceRecord>(
  records: mongo.Collection<R>,
  spec: Pick<OnceSpec<R, unknown>, 'finishedWork' | 'mayStillRun'> = {},
): Promise<{ done: number; forgotten: number }> {
  const report = { done: 0, forgotten: 0 };
  if (!spec.finishedWork && !spec.mayStillRun) {
    report.forgotten = (await records.deleteMany({ state: 'pending' } as Filter<R>)).deletedCount;
    return report;
  }
  for (const record of await records.find({ state: 'pending' } as Filter<R>).toArray()) {
    if (await spec.mayStillRun?.(record as R)) continue;
    const finished = await spec.finishedWork?.(record as R);
    if (finished) {
      await records.updateOne(
        { _id: record._id, state: 'pending' } as Filter<R>,
        {
          $set: { ...finished, state: 'done' },
        } as Update<R>,
      );
      report.done += 1;
    } else {
      await records.deleteOne({ _id: record._id, state: 'pending' } as Filter<R>);
      report.forgotten += 1;
    }
  }
  return report;
}
