import type { mongo } from 'mongoose';

/*
 * Group commit: writes of one kind that come in while such writes are out (two at most) wait
 * for one of them and then go together, as one command. Each database command costs the server
 * and the database far more than the document it carries (bench/README, seventh and eighth
 * passes), so a busy server writes the same documents with a fraction of the commands; an idle
 * one sends each write at once, as before. The writes are not held back to gather more: a group
 * is whatever arrived during the last round trip. Each caller gets its own write's outcome: done,
 * or the error of its own document (a duplicate key, say), or the error of the whole command (the
 * connection lost, a write concern not met).
 */

/** Groups of one kind out at once (see groupCommit's `inFlight`). */
export const GROUPS_IN_FLIGHT = 2;

type Outcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * A writer for items of one kind: `write` sends the group and says, per item in its order, how
 * it went (it throws only for a failure of the whole command, which fails every item).
 */
export function groupCommit<I, O>(
  write: (items: I[]) => Promise<Outcome<O>[]>,
  /**
   * Groups out at once: with two, a write waits only while two are out, so a slow round trip
   * (a busy event loop) does not hold up the next write of a lightly loaded server.
   */
  inFlight = GROUPS_IN_FLIGHT,
): (item: I) => Promise<O> {
  let waiting: { item: I; resolve: (value: O) => void; reject: (err: unknown) => void }[] = [];
  let writing = 0;

  function flush(): void {
    if (writing >= inFlight || waiting.length === 0) return;
    const group = waiting;
    waiting = [];
    writing += 1;
    write(group.map((w) => w.item))
      .then(
        (outcomes) =>
          group.forEach((w, i) => {
            const o = outcomes[i] ?? { ok: false, error: new Error('group commit: no outcome for this write') };
            if (o.ok) w.resolve(o.value);
            else w.reject(o.error);
          }),
        (err: unknown) => group.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        writing -= 1;
        flush();
      });
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      flush();
    });
}

/**
 * The per-document errors of a bulk write, by the index of the document in the command; null when
 * the command failed as a whole (any other error, or a write concern not met: as for one write,
 * every caller gets that error).
 */
function writeErrorsOf(err: unknown): Map<number, unknown> | null {
  if (!(err instanceof Error) || err.name !== 'MongoBulkWriteError') return null;
  const { writeErrors: list, result } = err as unknown as {
    writeErrors?: unknown;
    result?: { getWriteConcernError?: () => unknown };
  };
  if (result?.getWriteConcernError?.()) return null;
  const errors = Array.isArray(list) ? list : list ? [list] : [];
  if (errors.length === 0) return null;
  const byIndex = new Map<number, unknown>();
  for (const e of errors as { index: number; code?: number; errmsg?: string; message?: string }[]) {
    byIndex.set(e.index, Object.assign(new Error(e.errmsg ?? e.message ?? 'write error'), { code: e.code }));
  }
  return byIndex;
}

/**
 * The error every write of a failed command gets: what the driver threw for the command itself
 * (a lost connection, no server to select, a cleared pool), which its bulk write wraps in a
 * MongoBulkWriteError under another name, so that callers see what one `insertOne` or `updateOne`
 * would have thrown (and the error handler answers 503 for an unreachable database).
 */
function commandError(err: unknown): unknown {
  const inner = (err as { errorResponse?: unknown } | null)?.errorResponse;
  return err instanceof Error && err.name === 'MongoBulkWriteError' && inner instanceof Error ? inner : err;
}

/**
 * Inserts into one collection, grouped (groupCommit): one unordered `insertMany` per group, each
 * document inserted or refused on its own (a duplicate `_id` refuses only that one, with the
 * driver's duplicate-key code, so `isDuplicateKey` tells it as for `insertOne`).
 */
export function groupedInsert<T extends mongo.Document>(collection: () => mongo.Collection<T>) {
  return groupCommit<mongo.OptionalUnlessRequiredId<T>, void>(async (docs) => {
    try {
      await collection().insertMany(docs, { ordered: false });
      return docs.map(() => ({ ok: true, value: undefined }));
    } catch (err) {
      const failed = writeErrorsOf(err);
      if (!failed) throw commandError(err);
      return docs.map((_, i) => (failed.has(i) ? { ok: false, error: failed.get(i) } : { ok: true, value: undefined }));
    }
  });
}

/** One compare-and-set of a grouped update (groupedCompareAndSet). */
export interface CompareAndSet<T> {
  filter: mongo.Filter<T>;
  update: mongo.UpdateFilter<T>;
  /** The document's `_id`, to read it back when the group's count cannot tell (see below). */
  id: unknown;
  /** Whether this write is in the document as read back (it carries a mark only this write sets). */
  landed(doc: T): boolean;
}

/**
 * Compare-and-set updates of one collection, grouped (groupCommit): one unordered `bulkWrite` of
 * `updateOne`s per group. The command answers only how many documents changed in all: when that
 * is every write (the usual case), each landed; else the documents are read back (one `find`) and
 * each write says by its own mark whether it landed (two writes on one document in one group: the
 * second finds the first's version and does not). Resolves to whether the write landed.
 */
export function groupedCompareAndSet<T extends mongo.Document>(
  collection: () => mongo.Collection<T>,
  /** What `landed` needs of a document read back (all of it when not given). */
  projection?: mongo.Document,
) {
  return groupCommit<CompareAndSet<T>, boolean>(async (writes) => {
    const ops = writes.map((w) => ({ updateOne: { filter: w.filter, update: w.update } }));
    let modified: number;
    let failed: Map<number, unknown> = new Map();
    try {
      modified = (await collection().bulkWrite(ops as mongo.AnyBulkWriteOperation<T>[], { ordered: false }))
        .modifiedCount;
    } catch (err) {
      const errors = writeErrorsOf(err);
      if (!errors) throw commandError(err);
      failed = errors;
      modified = -1;
    }
    if (modified === writes.length) return writes.map(() => ({ ok: true, value: true }));
    const docs = await collection()
      .find(
        { _id: { $in: [...new Set(writes.map((w) => w.id))] } } as mongo.Filter<T>,
        projection ? { projection } : {},
      )
      .toArray();
    const byId = new Map(docs.map((d) => [String(d._id), d as T]));
    return writes.map((w, i) => {
      if (failed.has(i)) return { ok: false, error: failed.get(i) };
      const doc = byId.get(String(w.id));
      return { ok: true, value: doc !== undefined && w.landed(doc) };
    });
  });
}
