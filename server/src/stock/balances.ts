import type { ListStockQuery } from '@karavan/shared';
import type { mongo } from 'mongoose';
import { collectionOf } from '../db/collections';
import { balanceId } from './ledger';
import { isExpired } from './lots';
import { Balance, type BalanceDoc } from './stock.model';

/*
 * Reading the balances (one document per location and lot): the stock list's filter, what is
 * available of lots at a place, one balance. Writes go through the ledger (ledger.ts).
 */

export type { BalanceDoc };

/** The balances, through the driver (see db/collections.ts). */
export const balances = () => collectionOf(Balance);

/** Sorts lots first-expired-first-out; lots without expiry last. */
export const byExpiry = (a: { expiresAt: Date | null; _id: string }, b: { expiresAt: Date | null; _id: string }) =>
  (a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) - (b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) ||
  a._id.localeCompare(b._id);

/** The stock list's filters (the export's too: one definition). */
export type StockQuery = Pick<
  ListStockQuery,
  'locationId' | 'itemId' | 'campaignId' | 'includeEmpty' | 'expiringWithinHours' | 'expired'
>;

/**
 * The balances the stock list selects, soonest expiry first. Balances are one per location and
 * lot (lots bucket thousands of donations), a small collection: read the matches, order them in
 * memory.
 */
export async function stockRows(query: StockQuery): Promise<BalanceDoc[]> {
  const filter: mongo.Filter<BalanceDoc> = {};
  if (query.locationId) filter.locationId = query.locationId;
  if (query.itemId) filter.itemId = query.itemId;
  if (query.campaignId) filter.campaignId = query.campaignId;
  if (!query.includeEmpty) filter.onHand = { $gt: 0 };
  const now = new Date();
  if (query.expired === true) {
    filter.expiresAt = { $ne: null, $lte: now };
  } else if (query.expiringWithinHours !== undefined) {
    filter.expiresAt = { $ne: null, $lte: new Date(now.getTime() + query.expiringWithinHours * 3_600_000) };
  }
  let rows = await balances().find(filter).toArray();
  // Usable only: no expiry, or one still ahead (a "$or" of null and "$gt" is left to memory).
  if (query.expired === false) rows = rows.filter((r) => !isExpired(r.expiresAt ?? null, now));
  return rows.sort(byExpiry);
}

/** What is available of each lot at a location (0 when it holds none). */
export async function availableAt(locationId: string, lotIds: string[]): Promise<Map<string, number>> {
  const docs = await balances()
    .find({ _id: { $in: lotIds.map((lotId) => balanceId(locationId, lotId)) } })
    .toArray();
  return new Map(docs.map((b) => [b.lotId, b.available]));
}

export async function balanceAt(locationId: string, lotId: string): Promise<BalanceDoc | null> {
  return balances().findOne({ _id: balanceId(locationId, lotId) });
}
