import { randomBytes } from 'node:crypto';
import { currentSeq } from './event-log';

/**
 * Where the live-event log is complete: the highest seq S such that every event with a seq up
 * to S, taken by any instance, is stored (and sent). A catch-up answers only up to S, so a client
 * that sets its cursor to S has every event up to S in hand, whatever the rate and however many
 * instances take seqs at once. (A fixed overlap below the highest seq seen, as before, fails as
 * soon as more events than the overlap are in flight across instances.)
 *
 * Each instance marks what it has in flight before it takes seqs: a lower bound of the seqs it
 * is about to take (one above the highest seq it has seen: the counter only grows), cleared once
 * the batch was stored and sent. With REDIS_URL the marks are shared (a hash in Redis, each mark
 * with a deadline so that an instance that died does not hold the log back for long); alone,
 * they are this process's. S = min(the counter, every live mark − 1), the counter read first.
 */
export interface SeqMarks {
  /** Sets this instance's mark (awaited before seqs are taken). */
  set(instance: string, low: number, deadline: number): Promise<void>;
  /** Clears it (in order with a later `set` of the same instance). */
  clear(instance: string): Promise<void>;
  /** Every instance's mark: `low` and `deadline` (ms since the epoch). */
  all(): Promise<{ instance: string; low: number; deadline: number }[]>;
}

/** A mark older than this is an instance that died mid-batch: the log is not held back for it. */
export const MARK_TTL_MS = 30_000;

export interface Watermark {
  /**
   * Before a batch takes seqs (`batch` is any object naming it until `end`). Resolves once every
   * instance can see the mark. Several batches of one instance may be in flight at once (the
   * pump takes the next batch's seqs while the previous one is stored): the instance's mark is
   * then the lowest of theirs.
   */
  begin(batch: object): Promise<void>;
  /** The seqs the batch took, `first` to `last` (moves the lower bound of later batches up). */
  taken(batch: object, first: number, last: number): void;
  /** After the batch was stored and sent (or given up). */
  end(batch: object): void;
  /** S: every event with a seq up to it is stored. */
  stableSeq(): Promise<number>;
}

export function createWatermark(shared?: SeqMarks): Watermark {
  const instance = randomBytes(8).toString('hex');
  let highestSeen = 0;
  /** The lower bound of each batch in flight here, in the order they began. */
  const inFlight = new Map<object, number>();
  const lowest = (): number | null => (inFlight.size === 0 ? null : Math.min(...inFlight.values()));

  return {
    async begin(batch) {
      const low = highestSeen + 1;
      const before = lowest();
      inFlight.set(batch, low);
      // A batch already in flight here holds a mark no higher than this one (seqs only grow, and
      // its mark was shared before its seqs were taken): nothing new to share.
      if (before === null) await shared?.set(instance, low, Date.now() + MARK_TTL_MS);
    },
    taken(batch, first, last) {
      highestSeen = Math.max(highestSeen, last);
      const low = inFlight.get(batch);
      if (low !== undefined) inFlight.set(batch, Math.max(low, first));
    },
    end(batch) {
      inFlight.delete(batch);
      const low = lowest();
      // Not awaited: a late clear or raise only holds the log back a moment; Redis keeps this
      // link's order (a later set or clear of this instance lands after it).
      if (low === null) void shared?.clear(instance).catch(() => undefined);
      else void shared?.set(instance, low, Date.now() + MARK_TTL_MS).catch(() => undefined);
    },
    async stableSeq() {
      // The counter first: a batch that begins after this read takes seqs above it anyway.
      const counter = await currentSeq();
      highestSeen = Math.max(highestSeen, counter);
      let stable = counter;
      const mark = lowest();
      if (mark !== null) stable = Math.min(stable, mark - 1);
      if (shared) {
        const now = Date.now();
        for (const other of await shared.all()) {
          if (other.instance !== instance && other.deadline > now) stable = Math.min(stable, other.low - 1);
        }
      }
      return Math.max(0, stable);
    },
  };
}
