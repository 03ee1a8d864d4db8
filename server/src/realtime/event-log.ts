import mongoose, { Schema, type mongo } from 'mongoose';
import { EVENT_RETENTION_DAYS, type LiveEventDto, type LiveEventName } from '@karavan/shared';
import { retrying } from '../db/retry';
import { isDuplicateKey } from '../lib/errors';

/**
 * The persisted live-event log. `seq` comes from one counter document (`$inc`, never reused);
 * each event is stored with `_id` = seq, the rooms it went to, its name, payload and time.
 * Events are kept EVENT_RETENTION_DAYS and swept by the application (no TTL indexes).
 */
const counterSchema = new Schema(
  { _id: { type: String, required: true }, seq: { type: Number, required: true } },
  { versionKey: false },
);
export const Counter = mongoose.model('Counter', counterSchema, 'counters');

const eventSchema = new Schema(
  {
    _id: { type: Number, required: true },
    name: { type: String, required: true },
    rooms: { type: [String], required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
eventSchema.index({ rooms: 1, _id: 1 });
eventSchema.index({ at: 1 });
export const LiveEventRecord = mongoose.model('LiveEventRecord', eventSchema, 'events');

/**
 * Which seqs each room was sent, in buckets of EVENT_BUCKET seqs: `{ _id: '<room>#<bucket>', seqs }`.
 * A catch-up reads the room's buckets and then the events by `_id`, never scanning the event log
 * (the embedded database keeps no secondary index).
 */
const eventIndexSchema = new Schema(
  {
    _id: { type: String, required: true },
    bucket: { type: Number, required: true },
    seqs: { type: [Number], default: [] },
  },
  { versionKey: false },
);
eventIndexSchema.index({ bucket: 1 });
export const LiveEventIndex = mongoose.model('LiveEventIndex', eventIndexSchema, 'event_index');
const EVENT_BUCKET = 1_000;

const SEQ_ID = 'events';
/** Counter document holding the highest seq the sweep deleted. */
const SWEPT_ID = 'events-swept';
export const EVENT_RETENTION_MS = EVENT_RETENTION_DAYS * 24 * 3_600_000;

export interface StoredEvent {
  _id: number;
  name: LiveEventName;
  rooms: string[];
  payload: Record<string, unknown>;
  at: Date;
}
const events = () => LiveEventRecord.collection as unknown as mongo.Collection<StoredEvent>;
const counters = () => Counter.collection as unknown as mongo.Collection<{ _id: string; seq: number }>;
const eventIndex = () =>
  LiveEventIndex.collection as unknown as mongo.Collection<{ _id: string; bucket: number; seqs: number[] }>;

/** Takes `n` consecutive seqs; returns the first. */
export async function takeSeqs(n: number): Promise<number> {
  // Two first-ever takers may race to create the counter: the loser takes again.
  return retrying(
    async () => {
      const doc = await counters().findOneAndUpdate(
        { _id: SEQ_ID },
        { $inc: { seq: n } },
        { upsert: true, returnDocument: 'after' },
      );
      return doc!.seq - n + 1;
    },
    { retryOn: isDuplicateKey },
  );
}

/** The latest seq taken so far (0 before the first event). */
export async function currentSeq(): Promise<number> {
  const doc = await counters().findOne({ _id: SEQ_ID });
  return doc?.seq ?? 0;
}

export async function storeEvents(docs: StoredEvent[]): Promise<void> {
  if (docs.length === 0) return;
  await events().insertMany(docs, { ordered: false });
  const byKey = new Map<string, { bucket: number; seqs: number[] }>();
  for (const doc of docs) {
    const bucket = Math.floor(doc._id / EVENT_BUCKET);
    for (const room of doc.rooms) {
      const key = `${room}#${bucket}`;
      const entry = byKey.get(key) ?? { bucket, seqs: [] };
      entry.seqs.push(doc._id);
      byKey.set(key, entry);
    }
  }
  await eventIndex().bulkWrite(
    [...byKey].map(([key, { bucket, seqs }]) => ({
      updateOne: {
        filter: { _id: key },
        update: { $push: { seqs: { $each: seqs } }, $setOnInsert: { bucket } },
        upsert: true,
      },
    })),
    { ordered: false },
  );
}

/** What `room` was sent after `after`, in seq order; `truncated` when that history was swept. */
export async function eventsAfter(
  room: string,
  after: number,
  limit: number,
): Promise<{ items: LiveEventDto[]; truncated: boolean }> {
  const latest = await currentSeq();
  const seqs: number[] = [];
  // The room's buckets from `after` on, 100 `_id`s per query, until `limit` seqs are found.
  for (let first = Math.floor((after + 1) / EVENT_BUCKET); first <= Math.floor(latest / EVENT_BUCKET); first += 100) {
    const keys = Array.from({ length: 100 }, (_, i) => `${room}#${first + i}`);
    const buckets = await eventIndex()
      .find({ _id: { $in: keys } })
      .toArray();
    for (const b of buckets) for (const seq of b.seqs) if (seq > after) seqs.push(seq);
    if (seqs.length >= limit) break;
  }
  const wanted = [...new Set(seqs)].sort((a, b) => a - b).slice(0, limit);
  const docs =
    wanted.length > 0
      ? await events()
          .find({ _id: { $in: wanted } })
          .toArray()
      : [];
  docs.sort((a, b) => a._id - b._id);
  const swept = await counters().findOne({ _id: SWEPT_ID });
  return {
    items: docs.map(
      (d) => ({ seq: d._id, name: d.name, at: d.at.toISOString(), payload: d.payload }) as unknown as LiveEventDto,
    ),
    truncated: after < (swept?.seq ?? 0),
  };
}

/** How many of a room's newest events `latestEvents` looks at, at most, to find `limit` of the names asked. */
export const LATEST_SCAN_MAX = 5_000;

/**
 * The newest `limit` events `room` was sent (of `names` when given), oldest first: the room's
 * bucket documents from the latest seq down (100 `_id`s per query), then the events by `_id`
 * in pages, newest first, until `limit` match or LATEST_SCAN_MAX were looked at. Never a scan of
 * the event log.
 */
export async function latestEvents(room: string, limit: number, names?: readonly string[]): Promise<LiveEventDto[]> {
  const latest = await currentSeq();
  const wanted = names && names.length > 0 ? new Set(names) : null;
  const found: StoredEvent[] = [];
  let looked = 0;
  for (
    let last = Math.floor(latest / EVENT_BUCKET);
    last >= 0 && found.length < limit && looked < LATEST_SCAN_MAX;
    last -= 100
  ) {
    const keys = Array.from({ length: Math.min(100, last + 1) }, (_, i) => `${room}#${last - i}`);
    const buckets = await eventIndex()
      .find({ _id: { $in: keys } })
      .toArray();
    if (buckets.length === 0) break; // nothing in 100,000 seqs: the room is new, quiet or swept
    const seqs = [...new Set(buckets.flatMap((b) => b.seqs))].sort((a, b) => b - a);
    // Newest first, in pages: with a name filter a page may hold few matches.
    const page = wanted ? Math.min(500, limit * 3) : limit;
    for (let i = 0; i < seqs.length && found.length < limit && looked < LATEST_SCAN_MAX; i += page) {
      const ids = seqs.slice(i, i + page);
      looked += ids.length;
      const docs = await events()
        .find({ _id: { $in: ids } })
        .toArray();
      docs.sort((a, b) => b._id - a._id);
      for (const d of docs) if (!wanted || wanted.has(d.name)) found.push(d);
    }
  }
  return found
    .slice(0, limit)
    .reverse()
    .map((d) => ({ seq: d._id, name: d.name, at: d.at.toISOString(), payload: d.payload }) as unknown as LiveEventDto);
}

/** Deletes events older than the retention, remembering the highest seq deleted; called periodically. */
export async function sweepEvents(now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - EVENT_RETENTION_MS);
  const newest = await events()
    .find({ at: { $lt: cutoff } })
    .sort({ _id: -1 })
    .limit(1)
    .project<{ _id: number }>({ _id: 1 })
    .toArray();
  if (newest.length === 0) return 0;
  await counters().updateOne({ _id: SWEPT_ID }, { $max: { seq: newest[0]!._id } }, { upsert: true });
  const result = await events().deleteMany({ _id: { $lte: newest[0]!._id } });
  await eventIndex().deleteMany({ bucket: { $lt: Math.floor(newest[0]!._id / EVENT_BUCKET) } });
  return result.deletedCount;
}
