import type { mongo } from 'mongoose';
import { ApiError } from '../lib/errors';

/*
 * The one retry policy of the persistence kernel. Every place that reads, computes and writes
 * back with a compare-and-set (a shipment's version, a balance's on-hand count, a counter
 * created by two processes at once) retries through `retrying`, with the same budget and the
 * same jittered backoff, and answers the same 409 when the budget runs out.
 */

/** Attempts before giving up, and the longest pause between two (ms; the pause is random below it). */
export const RETRY_POLICY = { attempts: 100, maxPauseMs: 40 } as const;

/** What an attempt returns to be tried again (the document changed, or is busy with an intent). */
export const RETRY = Symbol('retry');
export type Attempt<T> = T | typeof RETRY;

const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(RETRY_POLICY.maxPauseMs, 5 * (attempt + 1))));

export interface RetryOptions {
  /** The 409's message when the budget runs out. */
  message?: string;
  /** Errors that mean "try again" (e.g. a concurrent reservation of the same lots); others are thrown. */
  retryOn?: (err: unknown) => boolean;
  /** What to throw when the budget runs out (default 409 CONFLICT with `message`). */
  exhausted?: () => Error;
}

/**
 * Runs `attempt` until it returns something other than RETRY (or throws an error `retryOn`
 * does not accept), pausing a little between attempts; 409 CONFLICT after RETRY_POLICY.attempts.
 */
export async function retrying<T>(attempt: (n: number) => Promise<Attempt<T>>, options: RetryOptions = {}): Promise<T> {
  for (let n = 0; n < RETRY_POLICY.attempts; n += 1) {
    if (n > 0) await pause(n);
    try {
      const result = await attempt(n);
      if (result !== RETRY) return result;
    } catch (err) {
      if (!options.retryOn?.(err)) throw err;
    }
  }
  throw options.exhausted?.() ?? new ApiError(409, 'CONFLICT', options.message ?? 'The data kept changing; retry');
}

/**
 * Compare-and-set of one document: applies `update` only while the document matches `filter`
 * (which names the version or values it was computed from). True when it was applied.
 */
export async function compareAndSet<D extends mongo.Document>(
  collection: mongo.Collection<D>,
  filter: mongo.Filter<D>,
  update: mongo.UpdateFilter<D>,
): Promise<boolean> {
  const result = await collection.updateOne(filter, update);
  return result.modifiedCount === 1;
}
