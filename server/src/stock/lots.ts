import { createHash } from 'node:crypto';
import { ApiError } from '../lib/errors';
import { Lot } from './stock.model';

/** Goods that keep less than this are bucketed to the hour, others to the day. */
export const HOURLY_LOTS_BELOW_HOURS = 48;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The expiry a lot records: rounded DOWN to the day (UTC), or to the hour for goods that keep
 * less than 48 hours. Rounding down is the safe side: a lot never looks fresher than its goods.
 */
export function lotExpiry(expiresAt: Date | null, shelfLifeHours: number | null | undefined): Date | null {
  if (!expiresAt) return null;
  const bucket = shelfLifeHours != null && shelfLifeHours < HOURLY_LOTS_BELOW_HOURS ? HOUR : DAY;
  return new Date(Math.floor(expiresAt.getTime() / bucket) * bucket);
}

/** The lot's id, derived from its natural key: 24 hex characters, like every other id. */
export function lotIdOf(campaignId: string, itemId: string, expiresAt: Date | null): string {
  const key = `${campaignId}:${itemId}:${expiresAt ? expiresAt.toISOString() : 'none'}`;
  return createHash('sha256').update(key).digest('hex').slice(0, 24);
}

export interface LotInfo {
  id: string;
  itemId: string;
  campaignId: string;
  expiresAt: Date | null;
}

// Lots never change, so what this process has seen once it keeps (bounded).
const known = new Map<string, LotInfo>();
const KNOWN_MAX = 50_000;
function remember(lot: LotInfo): LotInfo {
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(lot.id, lot);
  return lot;
}

/** Makes sure the lot exists (one upsert the first time this process sees it) and returns it. */
export async function ensureLot(campaignId: string, itemId: string, expiresAt: Date | null): Promise<LotInfo> {
  const id = lotIdOf(campaignId, itemId, expiresAt);
  const cached = known.get(id);
  if (cached) return cached;
  await Lot.collection
    .updateOne(
      { _id: id as never },
      { $setOnInsert: { itemId, campaignId, expiresAt, createdAt: new Date() } },
      { upsert: true },
    )
    .catch((err: unknown) => {
      if ((err as { code?: number }).code !== 11000) throw err;
    });
  return remember({ id, itemId, campaignId, expiresAt });
}

/** The lots by id; 404 naming the first unknown one. */
export async function getLots(ids: string[]): Promise<Map<string, LotInfo>> {
  const out = new Map<string, LotInfo>();
  const missing = [...new Set(ids)].filter((id) => {
    const lot = known.get(id);
    if (lot) out.set(id, lot);
    return !lot;
  });
  if (missing.length > 0) {
    const docs = await Lot.find({ _id: { $in: missing } }).lean();
    for (const doc of docs) {
      out.set(
        doc._id,
        remember({ id: doc._id, itemId: doc.itemId, campaignId: doc.campaignId, expiresAt: doc.expiresAt ?? null }),
      );
    }
  }
  const unknown = ids.find((id) => !out.has(id));
  if (unknown) throw ApiError.notFound(`Lot ${unknown}`);
  return out;
}

export const isExpired = (expiresAt: Date | null, now = new Date()) =>
  expiresAt !== null && expiresAt.getTime() <= now.getTime();

export { DAY as DAY_MS, HOUR as HOUR_MS };
