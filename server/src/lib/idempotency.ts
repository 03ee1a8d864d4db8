import type { Request, Response } from 'express';
import mongoose, { Schema } from 'mongoose';
import { collectionOf } from '../db/collections';
import { once as runOnce, settlePendingRecords, stableStringify, type OnceRecord } from '../db/idempotency';
import { ApiError } from './errors';
import type { Reply } from './route';
import { hmacHex, withoutSecrets } from './secrets';

interface HttpRecord extends OnceRecord {
  status?: number;
  body?: unknown;
}

/**
 * One record per Idempotency-Key and caller. The natural key is the `_id`, so a replay is one
 * `_id` lookup. Records expire by a TTL index on `createdAt` (IDEMPOTENCY_TTL_MS), honoured by
 * MongoDB and by the embedded database.
 */
const idempotencySchema = new Schema<HttpRecord>(
  {
    _id: { type: String, required: true },
    fingerprint: { type: String, required: true },
    state: { type: String, enum: ['pending', 'done'], required: true },
    status: Number,
    body: Schema.Types.Mixed,
    createdAt: { type: Date, required: true },
    /** The process running the first attempt (see `orphaned`). */
    owner: String,
  },
  { versionKey: false, autoIndex: false },
);
/** How long a key is remembered: a driver's phone may be offline for days before it retries. */
export const IDEMPOTENCY_TTL_MS = 72 * 60 * 60 * 1000;
idempotencySchema.index({ createdAt: 1 }, { expireAfterSeconds: IDEMPOTENCY_TTL_MS / 1000 });
export const IdempotencyRecord = mongoose.model<HttpRecord>(
  'IdempotencyRecord',
  idempotencySchema,
  'idempotency_records',
);

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** A pending record older than this is taken to belong to a request that died half-way. */
const PENDING_STALE_MS = 60 * 1000;
const KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;

/**
 * The id a handler may give what it creates under this key (24 hex, like an ObjectId): the same
 * for every attempt, so an attempt that finds the earlier one's work returns it instead of
 * making a second (a retry after the database went away mid-request). Set on res.locals.
 */
export const IDEMPOTENT_RESOURCE_ID = 'idempotentResourceId';

/** What a create should be given: the id under this request's Idempotency-Key, if it has one. */
export const idempotentId = (res: Response): { id?: string } => ({
  id: res.locals[IDEMPOTENT_RESOURCE_ID] as string | undefined,
});

export type Idempotent = (req: Request, res: Response, run: () => Promise<Reply>) => Promise<Reply>;

/**
 * The Idempotency-Key handler, fingerprinting requests with an HMAC under `key` (derived from
 * the server secret): the stored fingerprint says nothing about the body, not even to somebody
 * who can read the database files and guesses a password in it. Stored replies keep no field
 * named like a secret (password, token).
 *
 * Runs `run` once per (caller, key), through the kernel's idempotency engine (db/idempotency.ts).
 * Without the header it just runs. A replay with the same
 * request returns the stored reply with `Idempotent-Replayed: true`; the same key with another
 * request is 422; a replay while the first is still running is 409. A failed first attempt
 * forgets the key, so the client may retry after fixing the cause.
 */
export function createIdempotency(secretKey: Buffer): Idempotent {
  return function idempotent(req, res, run) {
    return once(secretKey, req, res, run);
  };
}

const records = () => collectionOf(IdempotencyRecord);

async function once(secretKey: Buffer, req: Request, res: Response, run: () => Promise<Reply>): Promise<Reply> {
  const key = req.get(IDEMPOTENCY_HEADER);
  if (key === undefined) return run();
  if (!KEY_PATTERN.test(key)) {
    throw new ApiError(400, 'VALIDATION_FAILED', 'The Idempotency-Key header is not valid', [
      { path: 'headers.idempotency-key', message: 'must be 1 to 200 characters of A-Z a-z 0-9 _ . : -' },
    ]);
  }
  const caller = (res.locals.actor as { id?: string } | undefined)?.id ?? 'anonymous';
  const id = `${caller}:${key}`;
  const fingerprint = hmacHex(
    secretKey,
    `${req.method} ${req.baseUrl}${req.path}\n${stableStringify(req.body ?? null)}`,
  );
  res.locals[IDEMPOTENT_RESOURCE_ID] = hmacHex(secretKey, `resource\n${id}`).slice(0, 24);
  // Handlers that create something find an earlier attempt's work by IDEMPOTENT_RESOURCE_ID.
  const { answer } = await runOnce<HttpRecord, Reply>({
    records,
    record: { _id: id, fingerprint, createdAt: new Date() },
    staleMs: PENDING_STALE_MS,
    ttlMs: IDEMPOTENCY_TTL_MS,
    run: async () => {
      const reply = await run();
      return { answer: reply, done: { status: reply.status, body: withoutSecrets(reply.body ?? null) } };
    },
    answer: async (record) => ({
      status: record.status ?? 200,
      body: record.body,
      headers: { 'Idempotent-Replayed': 'true' },
    }),
    reused: () =>
      new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request'),
    inProgress: () =>
      new ApiError(
        409,
        'IDEMPOTENCY_IN_PROGRESS',
        'A request with this Idempotency-Key is still being processed; retry shortly',
      ),
  });
  return answer;
}

/**
 * Forgets every pending record: at start-up, when no earlier process can still be running an
 * attempt (the embedded database serves one process). Their attempts died with the process that
 * ran them (SIGKILL, power cut); the stock repair has settled their work before this runs, and
 * the phones' retries redo or find it (IDEMPOTENT_RESOURCE_ID) at once instead of getting 409
 * until the records go stale.
 */
export async function releasePendingIdempotencyRecords(): Promise<number> {
  return (await settlePendingRecords(records())).forgotten;
}
