import mongoose, { Schema } from 'mongoose';
import { EVENT_RETENTION_DAYS, type LiveEventDto, type LiveEventName, type LiveEventPayloads } from '@karavan/shared';
import { collectionOf } from '../db/collections';
import { retrying } from '../db/retry';
import { isDuplicateKey } from '../lib/errors';

/**
 * The persisted live-event log. `seq` comes from one counter document (`$inc`, never reused);
 * each event is stored with `_id` = seq, the rooms it went to, its name, payload and time.
 * A room's catch-up reads the declared index `{ rooms, _id }` (the rooms array is multikey, so one
 * index entry per room); events are kept EVENT_RETENTION_DAYS by a TTL index on `at`, which the
 * database itself honours (MongoDB's TTL monitor, the embedded database's sweep every 5 s).
 */
interface CounterDoc {
  _id: string;
  seq: number;
}
const counterSchema = new Schema<CounterDoc>(
  { _id: { type: String, required: true }, seq: { type: Number, required: true } },
  { versionKey: false },
);
export const Counter = mongoose.model<CounterDoc>('Counter', counterSchema, 'counters');

export const EVENT_RETENTION_MS = EVENT_RETENTION_DAYS * 24 * 3_600_000;

/** One event as stored: `_id` is its seq. */
export interface StoredEvent {
  _id: number;
  name: LiveEventName;
  rooms: string[];
  payload: LiveEventPayloads[LiveEventName];
  at: Date;
}

const eventSchema = new Schema<StoredEvent>(
  {
    _id: { type: Number, required: true },
    name: { type: String, required: true },
    rooms: { type: [String], required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    at: { type: Date, required: true },
  },
  // Its indexes changed options (TTL): ensureIndexes syncs them instead of Mongoose's autoIndex.
  { versionKey: false, autoIndex: false },
);
eventSchema.index({ rooms: 1, _id: 1 });
eventSchema.index({ at: 1 }, { expireAfterSeconds: EVENT_RETENTION_MS / 1000 });
export const LiveEventRecord = mongoose.model<StoredEvent>('LiveEventRecord', eventSchema, 'events');

const SEQ_ID = 'events';

const events = () => collectionOf(LiveEventRecord);
const counters = () => collectionOf(Counter);

/** A stored event as `GET /api/events` answers it. */
const presentEvent = (d: StoredEvent): LiveEventDto => ({
  seq: d._id,
  name: d.name,
  at: d.at.toISOString(),
  payload: d.payload,
});

/**
 * Takes `n` consecutive seqs; returns the first. `above`: seqs up to it may have been sent
 * already though the database may not have kept the counter that gave them (see below): the
 * counter is first raised to it, so that they are never given again.
 */
export async function takeSeqs(n: number, above = 0): Promise<number> {
  if (above > 0) await counters().updateOne({ _id: SEQ_ID }, { $max: { seq: above } }, { upsert: true });
  // Two first-ever takers may race to create the counter: the loser takes again.
  return retrying(
    async () => {
      // Without waiting for the journal (the embedded database's commit): a seq lost in a crash
      // was never stored, and the events' insert waits for the commit that covers it. If the
      // database fails meanwhile, the pump still sends the batch live and raises the counter
      // past it with its next take (live-events.ts).
      const doc = await counters().findOneAndUpdate(
        { _id: SEQ_ID },
        { $inc: { seq: n } },
        { upsert: true, returnDocument: 'after', writeConcern: { w: 1, j: false } },
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
}

/**
 * True when events after `after` were expired: the oldest event kept is newer than the next seq.
 * (A seq taken by a process that died before storing its event looks the same: the client then
 * reloads, which is what it does after a truncated history anyway.)
 */
async function truncatedAfter(after: number): Promise<boolean> {
  const oldest = await events()
    .find({}, { projection: { _id: 1 } })
    .sort({ at: 1 })
    .limit(1)
    .toArray();
  if (oldest.length === 0) return after < (await currentSeq());
  return oldest[0]!._id > after + 1;
}

/** What `room` was sent after `after` (up to `upTo`), in seq order; `truncated` when that history has expired. */
export async function eventsAfter(
  room: string,
  after: number,
  limit: number,
  upTo = Number.MAX_SAFE_INTEGER,
): Promise<{ items: LiveEventDto[]; truncated: boolean }> {
  const docs = await events()
    .find({ rooms: room, _id: { $gt: after, $lte: upTo } })
    .sort({ _id: 1 })
    .limit(limit)
    .toArray();
  return {
    items: docs.map(presentEvent),
    truncated: await truncatedAfter(after),
  };
}

/** How many of a room's newest events `latestEvents` looks at, at most, to find `limit` of the names asked. */
export const LATEST_SCAN_MAX = 5_000;

/**
 * The newest `limit` events `room` was sent (of `names` when given), oldest first: the room's
 * index from the latest seq down, looking at LATEST_SCAN_MAX events at most.
 */
export async function latestEvents(room: string, limit: number, names?: readonly string[]): Promise<LiveEventDto[]> {
  const wanted = names && names.length > 0 ? new Set(names) : null;
  const found: StoredEvent[] = [];
  let below = Number.MAX_SAFE_INTEGER;
  // Newest first, in pages: with a name filter a page may hold few matches.
  const page = wanted ? Math.min(500, limit * 3) : limit;
  for (let looked = 0; found.length < limit && looked < LATEST_SCAN_MAX; looked += page) {
    const docs = await events()
      .find({ rooms: room, _id: { $lt: below } })
      .sort({ _id: -1 })
      .limit(page)
      .toArray();
    for (const d of docs) if (!wanted || wanted.has(d.name)) found.push(d);
    if (docs.length < page) break;
    below = docs[docs.length - 1]!._id;
  }
  return found.slice(0, limit).reverse().map(presentEvent);
}
