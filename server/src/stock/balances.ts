import type { ListStockQuery } from '@karavan/shared';
import type { mongo } from 'mongoose';
import { collectionOf } from '../db/collections';
import { balanceId } from './ledger';
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

/** The earliest date a BSON date holds: `$gte` it matches every date and never null. */
const ANY_DATE = new Date(-8_640_000_000_000_000);

/**
 * The stock list's selection as two filters in the database's terms: the lots with an expiry
 * (`dated`, a range on `expiresAt`) and, when the query keeps them, the lots without one
 * (`undated`). Sorted on `{expiresAt, _id}`, dated lots come soonest first; undated ones go last,
 * as the list shows them (MongoDB sorts null first), so they are read as a second range.
 */
function stockFilters(
  query: StockQuery,
  now: Date,
): { common: mongo.Filter<BalanceDoc>; dated: mongo.Filter<BalanceDoc>; undated: mongo.Filter<BalanceDoc> | null } {
  const common: mongo.Filter<BalanceDoc> = {};
  if (query.locationId) common.locationId = query.locationId;
  if (query.itemId) common.itemId = query.itemId;
  if (query.campaignId) common.campaignId = query.campaignId;
  if (!query.includeEmpty) common.onHand = { $gt: 0 };
  const expiry: { $gt?: Date; $gte?: Date; $lte?: Date } = query.expired === false ? { $gt: now } : { $gte: ANY_DATE };
  if (query.expired === true) expiry.$lte = now;
  else if (query.expiringWithinHours !== undefined) {
    expiry.$lte = new Date(now.getTime() + query.expiringWithinHours * 3_600_000);
  }
  const keepsUndated = query.expired !== true && query.expiringWithinHours === undefined;
  return {
    common,
    dated: { ...common, expiresAt: expiry },
    undated: keepsUndated ? { ...common, expiresAt: null } : null,
  };
}

const EXPIRY_ORDER = { expiresAt: 1, _id: 1 } as const;

/**
 * Every balance the stock list selects, soonest expiry first, lots without expiry last (the
 * export's rows).
 */
export async function stockRows(query: StockQuery): Promise<BalanceDoc[]> {
  const { dated, undated } = stockFilters(query, new Date());
  const [first, last] = await Promise.all([
    balances().find(dated).sort(EXPIRY_ORDER).toArray(),
    undated ? balances().find(undated).sort(EXPIRY_ORDER).toArray() : [],
  ]);
  return [...first, ...last];
}

/**
 * One page of the stock list and how many rows it has, paged by the database on the index
 * `{locationId, expiresAt, _id}` (a place's stock is read up to the page, never all of it). The
 * lots without expiry follow the dated ones: their part is read only when the page reaches it.
 * Without an expiry filter the total is counted on `{locationId, onHand}` from the index alone.
 */
export async function stockPage(
  query: StockQuery,
  offset: number,
  limit: number,
): Promise<{ rows: BalanceDoc[]; total: number }> {
  const { common, dated, undated } = stockFilters(query, new Date());
  const count = (filter: mongo.Filter<BalanceDoc>) => balances().countDocuments(filter);
  const everyExpiry = undated !== null && query.expired === undefined;
  const [rows, total] = await Promise.all([
    balances().find(dated).sort(EXPIRY_ORDER).skip(offset).limit(limit).toArray(),
    everyExpiry ? count(common) : Promise.all([count(dated), undated ? count(undated) : 0]).then(([a, b]) => a + b),
  ]);
  if (undated && rows.length < limit && offset + rows.length < total) {
    // Fewer dated rows than asked: the dated ones end within this page, or before it.
    const datedTotal = rows.length > 0 || offset === 0 ? offset + rows.length : await count(dated);
    rows.push(
      ...(await balances()
        .find(undated)
        .sort(EXPIRY_ORDER)
        .skip(Math.max(0, offset - datedTotal))
        .limit(limit - rows.length)
        .toArray()),
    );
  }
  return { rows, total };
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
