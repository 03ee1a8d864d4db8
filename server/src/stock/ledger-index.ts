import type { mongo } from 'mongoose';
import { collectionOf } from '../db/collections';
import type { MovementDoc } from './ledger';
import { Movement } from './stock.model';

/*
 * Reading the ledger by scope (`all`, `location:<id>`, `campaign:<id>`, `donation:<id>`,
 * `shipment:<id>`) through the movements' declared indexes ({at, _id}, {locationId, at, _id},
 * {campaignId, at, _id}, {donationId}, {shipmentId}: see stock.model.ts), in pages ordered by the
 * movement's time, then `_id` (an operation's movements share their time), so neither MongoDB nor the embedded database materialises the whole ledger.
 * (Earlier versions kept hand-built index buckets in `ledger_index`; they are dropped on start,
 * see db/database.ts.)
 */
const movements = () => collectionOf(Movement);

export type LedgerScope = string;

/** The filter of a scope, on the fields the movements' indexes hold. */
export function scopeFilter(scope: LedgerScope): mongo.Filter<MovementDoc> {
  if (scope === 'all') return {};
  const at = scope.indexOf(':');
  const kind = scope.slice(0, at);
  const id = scope.slice(at + 1);
  switch (kind) {
    case 'location':
      return { locationId: id };
    case 'campaign':
      return { campaignId: id };
    case 'donation':
      return { donationId: id };
    case 'shipment':
      return { shipmentId: id };
    default:
      throw new Error(`unknown ledger scope ${scope}`);
  }
}

/**
 * The movements of a scope, newest first (or oldest first) by their time, in pages of `chunk`:
 * each page continues from the last one's time (movements of the same time already given are
 * left out), so a page is one indexed query.
 */
export async function* walkScope(
  scope: LedgerScope,
  order: 'newest' | 'oldest',
  chunk = 500,
): AsyncGenerator<MovementDoc[]> {
  const filter = scopeFilter(scope);
  const direction = order === 'newest' ? -1 : 1;
  let boundary: Date | null = null;
  let atBoundary = new Set<string>();
  for (;;) {
    const page: MovementDoc[] = await movements()
      .find(boundary ? { ...filter, at: order === 'newest' ? { $lte: boundary } : { $gte: boundary } } : filter)
      .sort({ at: direction, _id: direction })
      .limit(chunk + atBoundary.size)
      .toArray();
    const fresh = page.filter((m) => !atBoundary.has(m._id));
    if (fresh.length > 0) yield fresh;
    if (page.length < chunk + atBoundary.size) return;
    const last = page[page.length - 1]!.at;
    const same = page.filter((m) => m.at.getTime() === last.getTime()).map((m) => m._id);
    atBoundary = boundary && boundary.getTime() === last.getTime() ? new Set([...atBoundary, ...same]) : new Set(same);
    boundary = last;
  }
}
