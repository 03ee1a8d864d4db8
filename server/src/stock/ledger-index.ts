import mongoose, { Schema, type mongo } from 'mongoose';
import type { MovementDoc } from './ledger';
import { Movement } from './stock.model';

/*
 * The ledger's own index, in documents whose `_id` is their natural key. The embedded database
 * keeps no secondary index, so a filter or sort on the movements collection reads (and sorts)
 * every movement: at 300,000 movements that took seconds and could exhaust its memory. Instead,
 * each finished operation appends its movement ids, in one bulk write, to a 10-minute bucket per
 * scope (`all`, `location:<id>`, `campaign:<id>`, `donation:<id>`, `shipment:<id>`):
 *   `{ _id: '<scope>#<n>', ids: [...] }`, and the scope's head `{ _id: '<scope>', buckets: [n, ...] }`
 * (n: the bucket's number of 10-minute spans since the epoch).
 * Readers walk a scope's buckets by `_id` and fetch movements by `_id`: never a scan. A repair
 * that finishes an op twice may append its ids twice; readers drop repeats.
 */
const ledgerIndexSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Head document: the numbers of the scope's buckets (10-minute spans since the epoch). */
    buckets: { type: [Number], default: undefined },
    /** Bucket document: movement ids in the order their operations finished. */
    ids: { type: [String], default: undefined },
  },
  { versionKey: false },
);
export const LedgerIndex = mongoose.model('LedgerIndex', ledgerIndexSchema, 'ledger_index');

interface IndexDoc {
  _id: string;
  buckets?: number[];
  ids?: string[];
}
const index = () => LedgerIndex.collection as unknown as mongo.Collection<IndexDoc>;
const movements = () => Movement.collection as unknown as mongo.Collection<MovementDoc>;

/** Bucket span: small enough that a busy hour's bucket stays small (each append rewrites it). */
export const BUCKET_MS = 10 * 60_000;
export type LedgerScope = string;

export function scopesOf(
  m: Pick<MovementDoc, 'locationId' | 'campaignId' | 'donationId' | 'shipmentId'>,
): LedgerScope[] {
  const scopes = ['all', `campaign:${m.campaignId}`];
  if (m.locationId) scopes.push(`location:${m.locationId}`);
  if (m.donationId) scopes.push(`donation:${m.donationId}`);
  if (m.shipmentId) scopes.push(`shipment:${m.shipmentId}`);
  return scopes;
}

// Heads this process has already given a bucket, so that it is added once, not per op.
const knownBuckets = new Set<string>();

/** Forgets which buckets heads hold (after the ledger index was emptied, e.g. `npm run seed -- --reset`). */
export function forgetKnownBuckets(): void {
  knownBuckets.clear();
}

/** Appends the movements' ids to their scopes' current buckets: one bulk write. */
export async function indexMovements(list: MovementDoc[], now = new Date()): Promise<void> {
  if (list.length === 0) return;
  const bucketNo = Math.floor(now.getTime() / BUCKET_MS);
  const byScope = new Map<LedgerScope, string[]>();
  for (const m of list) for (const scope of scopesOf(m)) byScope.set(scope, [...(byScope.get(scope) ?? []), m._id]);
  const writes: mongo.AnyBulkWriteOperation<IndexDoc>[] = [];
  const newHeads: string[] = [];
  for (const [scope, ids] of byScope) {
    const key = `${scope}#${bucketNo}`;
    if (!knownBuckets.has(key)) {
      writes.push({
        updateOne: { filter: { _id: scope }, update: { $addToSet: { buckets: bucketNo } }, upsert: true },
      });
      newHeads.push(key);
    }
    writes.push({ updateOne: { filter: { _id: key }, update: { $push: { ids: { $each: ids } } }, upsert: true } });
  }
  await index().bulkWrite(writes, { ordered: true });
  if (knownBuckets.size > 100_000) knownBuckets.clear();
  for (const key of newHeads) knownBuckets.add(key);
}

/** The movement ids of a scope, newest first (or oldest first), without repeats, in chunks. */
export async function* walkScope(
  scope: LedgerScope,
  order: 'newest' | 'oldest',
  chunk = 500,
): AsyncGenerator<string[]> {
  const head = await index().findOne({ _id: scope });
  const numbers = [...(head?.buckets ?? [])].sort((a, b) => (order === 'newest' ? b - a : a - b));
  const seen = new Set<string>();
  let out: string[] = [];
  for (const n of numbers) {
    const bucket = await index().findOne({ _id: `${scope}#${n}` });
    const ids = bucket?.ids ?? [];
    if (order === 'newest') ids.reverse();
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(id);
      if (out.length >= chunk) {
        yield out;
        out = [];
      }
    }
  }
  if (out.length > 0) yield out;
}

/** The movements with these ids, in the order of the ids (one `_id` lookup query). */
export async function movementsByIds(ids: string[]): Promise<MovementDoc[]> {
  if (ids.length === 0) return [];
  const docs = await movements()
    .find({ _id: { $in: ids } })
    .toArray();
  const byId = new Map(docs.map((d) => [d._id, d]));
  return ids.map((id) => byId.get(id)).filter((d): d is MovementDoc => d !== undefined);
}
