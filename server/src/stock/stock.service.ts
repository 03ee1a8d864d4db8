import {
  toBaseQuantity,
  EXPIRY_THRESHOLDS,
  lineLimitDetail,
  type AdjustmentRequest,
  type CampaignDto,
  type ExpiredWriteOffDto,
  type ExpiredWriteOffRequest,
  type ExpiryThreshold,
  type CampaignProgressDto,
  type ListMovementsQuery,
  type ListStockQuery,
  type MovementDto,
  type Page,
  type StockChangeDto,
  type StockRowDto,
  type WriteOffRequest,
} from '@karavan/shared';
import { getItem } from '../items';
import { getLocation } from '../locations';
import { ApiError } from '../lib/errors';
import type { EventBus } from '../lib/events';
import type { Actor } from '../lib/route';
import { currentSeq } from '../realtime/event-log';
import type { OperationDoc } from '../db/operations';
import { retrying, RETRY } from '../db/retry';
import { earlierRecords } from '../db/repair';
import {
  balanceId,
  describeShortage,
  runStockOp,
  StockConflict,
  stockWriteEpoch,
  stockWritten,
  type MovementDoc,
  type MovementInput,
  type RunOpInput,
} from './ledger';
import { getLots, type LotInfo } from './lots';
import { presentMovement, presentProgressItem, presentRow } from './stock.presenter';
import { walkScope } from './ledger-index';
import { CampaignTotal, ExpiryAlert } from './stock.model';
import { balanceAt, balances, byExpiry, stockPage, type BalanceDoc } from './balances';
import { createTransfers, type StockOpResult } from './transfers';

export { stockRows, availableAt, type StockQuery, type BalanceDoc } from './balances';
export { type LotLinesInput, type StockOpResult, type FefoPick } from './transfers';

/** A page whose `total` is a lower bound: exact on the last page, offset + limit + 1 before it. */
function lowerBoundPage<T>(rows: T[], limit: number, offset: number): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, total: offset + items.length + (more ? 1 : 0), limit, offset };
}

/**
 * When the campaign's next lot on hand expires (null: none will): what is usable changes then
 * without any write (index {campaignId, expiresAt}).
 */
async function nextExpiry(campaignId: string, now: Date): Promise<Date | null> {
  const [next] = await balances()
    .find({ campaignId, expiresAt: { $gt: now }, onHand: { $gt: 0 } }, { projection: { expiresAt: 1 } })
    .sort({ expiresAt: 1 })
    .limit(1)
    .toArray();
  return next?.expiresAt ?? null;
}

/** A campaign's running totals and expired stock, as read while the event seq was `seq`. */
interface ProgressNumbers {
  seq: number;
  /** stockWriteEpoch() when they were read. */
  epoch: number;
  /** When they stop being true: the campaign's next lot to expire, or PROGRESS_KEEP_MS after reading. */
  until: number;
  totals: CampaignTotalDoc[];
  expired: Map<string, number>;
}
type CampaignTotalDoc = Awaited<ReturnType<typeof readTotals>>[number];
const readTotals = (campaignId: string) => CampaignTotal.find({ campaignId }).lean();

/**
 * How long a campaign's progress numbers are kept at most. Every stock write on any instance
 * publishes a live event, which moves the seq and so replaces them; this bounds what a change
 * without an event (an operation undone by the repair pass on another instance, `reconcile
 * --fix`) could leave behind.
 */
const PROGRESS_KEEP_MS = 5_000;
const kept = new Map<string, ProgressNumbers>();

/**
 * The totals and expired stock behind a campaign's progress, read again only when something may
 * have changed them: the event seq moved (a write on any instance: each publishes an event, and the
 * seq is read before these numbers), a stock operation ran here (stockWriteEpoch: a write answered
 * here is seen by the next read here, before its event is numbered), one of the campaign's lots
 * expired since, or PROGRESS_KEEP_MS passed. Dashboards and phones ask for the same campaign's
 * progress over and over; reading the expired stock sums every expired balance of the campaign
 * (4 ms with 750 of them, most of a request's time with a million ledger entries).
 */
async function progressNumbers(campaignId: string, seq: number, now: Date): Promise<ProgressNumbers> {
  const known = kept.get(campaignId);
  const epoch = stockWriteEpoch();
  if (known && known.seq === seq && known.epoch === epoch && now.getTime() < known.until) return known;
  // What is on hand past its expiry: the campaign's lots that expired, wherever they are.
  // (Summed by the database: the campaign's expired lots at every place can be many.)
  const [totals, spoiled, next] = await Promise.all([
    readTotals(campaignId),
    balances()
      .aggregate<{ _id: string; onHand: number }>([
        { $match: { campaignId, expiresAt: { $ne: null, $lte: now }, onHand: { $gt: 0 } } },
        { $group: { _id: '$itemId', onHand: { $sum: '$onHand' } } },
      ])
      .toArray(),
    nextExpiry(campaignId, now),
  ]);
  const numbers: ProgressNumbers = {
    seq,
    epoch,
    until: Math.min(now.getTime() + PROGRESS_KEEP_MS, next?.getTime() ?? Infinity),
    totals,
    expired: new Map(spoiled.map((s) => [s._id, s.onHand])),
  };
  // Kept only if nothing was written here while reading (the epoch moved: read again next time).
  if (stockWriteEpoch() === epoch) {
    kept.delete(campaignId);
    if (kept.size >= 1_000) kept.delete(kept.keys().next().value!);
    kept.set(campaignId, numbers);
  }
  return numbers;
}

export function createStockService(events: EventBus) {
  async function run(input: RunOpInput, silent = false): Promise<StockOpResult> {
    const result = await runStockOp(input);
    const movements = result.movements.map(presentMovement);
    if (!silent) events.publish('stock.moved', { kind: input.kind, movements });
    return { opId: result.opId, movements };
  }

  /**
   * What the repair pass finished is published like what a request finishes: its movements
   * (a donation's are published with the donation, by the donations' hook).
   */
  function onRepaired(op: OperationDoc, outcome: 'finished' | 'undone'): void {
    stockWritten();
    if (outcome !== 'finished' || op.movements.length === 0 || op.hook?.name.startsWith('donation.')) return;
    const movements = (op.movements as MovementDoc[]).map(presentMovement);
    events.publish('stock.moved', { kind: op.kind, movements });
  }

  /**
   * What an earlier attempt under this Idempotency-Key (whose operation id is `opId`) did: its
   * movement and the row as it is now; null when it changed nothing (see earlierRecords).
   */
  async function earlierChange(opId: string, locationId: string, lotId: string): Promise<StockChangeDto | null> {
    const [movement] = await earlierRecords<MovementDoc>(opId);
    if (!movement) return null;
    return { movement: presentMovement(movement), row: presentRow((await balanceAt(locationId, lotId))!) };
  }

  /** The lot and the quantity in base units (the unit must be one of the lot's item). */
  async function lotQuantity(lotId: string, quantity: number, unit: string | undefined, path = 'body.quantity') {
    const lot = (await getLots([lotId])).get(lotId)!;
    if (unit === undefined) return { lot, quantity };
    const item = await getItem(lot.itemId);
    const base = toBaseQuantity(item, quantity, unit);
    if (base === undefined) {
      const units = [item.baseUnit, ...item.packs.map((p) => p.unit)].join(', ');
      throw new ApiError(422, 'UNPROCESSABLE', "The unit is not one of the item's", [
        { path: `body.unit`, message: `must be one of the item's units: ${units}`, type: 'any.only' },
      ]);
    }
    const overLimit = lineLimitDetail(path, base);
    if (overLimit) throw new ApiError(422, 'UNPROCESSABLE', 'The quantity is over the limit of one line', [overLimit]);
    return { lot, quantity: base };
  }

  const service = {
    ...createTransfers(run),
    /** Runs any combination of movements as one operation (e.g. a delivery with a shortfall written off). */
    run,
    onRepaired,

    /** Stock rows, soonest expiry first; by default only rows with something on hand. */
    async listStock(_actor: Actor, query: ListStockQuery): Promise<Page<StockRowDto>> {
      const { rows, total } = await stockPage(query, query.offset, query.limit);
      const now = new Date();
      return {
        items: rows.map((r) => presentRow(r, now)),
        total,
        limit: query.limit,
        offset: query.offset,
      };
    },

    /** The rows of these lots at a location, as they are now (for live events). */
    async rowsAt(locationId: string, lotIds: string[]): Promise<StockRowDto[]> {
      // One `_id` lookup each: the embedded database serves those from its index, a `$in` it may scan.
      const ids = [...new Set(lotIds)].map((lotId) => balanceId(locationId, lotId));
      const docs = (await Promise.all(ids.map((_id) => balances().findOne({ _id })))).filter(
        (d): d is BalanceDoc => d !== null,
      );
      docs.sort(byExpiry);
      return docs.map((d) => presentRow(d));
    },

    /**
     * The ledger, newest first, read through the ledger index (never a scan of the movements):
     * the most selective filter picks the scope walked, the others are applied to what it
     * yields. `total` is a lower bound (exact on the last page).
     */
    async listMovements(_actor: Actor, query: ListMovementsQuery): Promise<Page<MovementDto>> {
      const scope = query.donationId
        ? `donation:${query.donationId}`
        : query.shipmentId
          ? `shipment:${query.shipmentId}`
          : query.locationId
            ? `location:${query.locationId}`
            : query.campaignId
              ? `campaign:${query.campaignId}`
              : 'all';
      const keys = ['locationId', 'itemId', 'campaignId', 'kind', 'shipmentId', 'donationId', 'lotId'] as const;
      const wanted = keys.filter((k) => query[k] !== undefined);
      const matches = (m: MovementDoc) => wanted.every((k) => m[k] === query[k]);
      const rows: MovementDoc[] = [];
      let skipped = 0;
      outer: for await (const page of walkScope(scope, 'newest', Math.max(100, query.limit + 1))) {
        for (const m of page) {
          if (!matches(m)) continue;
          if (skipped < query.offset) {
            skipped += 1;
            continue;
          }
          rows.push(m);
          if (rows.length > query.limit) break outer;
        }
      }
      return lowerBoundPage(rows.map(presentMovement), query.limit, query.offset);
    },

    /**
     * Progress of a campaign from its running totals only (never the ledger): every target, then
     * every other item the campaign received. `seq` is read first (or is the live event's own,
     * taken before this read), so every live event with a higher seq is at least as new.
     */
    async progress(campaign: CampaignDto, seq?: number): Promise<CampaignProgressDto> {
      seq ??= await currentSeq();
      const now = new Date();
      const asOf = now.toISOString();
      const { totals, expired } = await progressNumbers(campaign.id, seq, now);
      const byItem = new Map(totals.map((t) => [t.itemId, t]));
      const items = campaign.targets.map((t) =>
        presentProgressItem(t.itemId, t.quantity, byItem.get(t.itemId), expired.get(t.itemId)),
      );
      const targeted = new Set(campaign.targets.map((t) => t.itemId));
      for (const total of [...totals].sort((a, b) => a.itemId.localeCompare(b.itemId))) {
        if (!targeted.has(total.itemId))
          items.push(presentProgressItem(total.itemId, 0, total, expired.get(total.itemId)));
      }
      return { campaignId: campaign.id, asOf, seq, items };
    },

    /**
     * When the campaign's next lot on hand expires (null: none will): a cached board must not
     * outlive it, since expired goods stop counting as usable (index {campaignId, expiresAt}).
     */
    nextExpiry: (campaignId: string, now = new Date()): Promise<Date | null> => nextExpiry(campaignId, now),

    /** Writes off goods at a location (spoiled, damaged, lost, stolen, expired, other + note). */
    async writeOff(
      actor: Actor,
      input: WriteOffRequest,
      /** `id`: the operation's id, the same for every retry of one Idempotency-Key. */
      options: { id?: string } = {},
    ): Promise<StockChangeDto> {
      if (input.reason === 'other' && !input.note) {
        throw new ApiError(422, 'UNPROCESSABLE', 'A write-off for another reason needs a note', [
          { path: 'body.note', message: '"note" is required when "reason" is "other"', type: 'any.required' },
        ]);
      }
      await getLocation(input.locationId);
      const { lot, quantity } = await lotQuantity(input.lotId, input.quantity, input.unit);
      const earlier = options.id ? await earlierChange(options.id, input.locationId, lot.id) : null;
      if (earlier) return earlier;
      const balance = await balanceAt(input.locationId, lot.id);
      if (!balance) throw ApiError.notFound(`Stock of lot ${lot.id} at this location`);
      const movement: MovementInput = {
        kind: 'written_off',
        locationId: input.locationId,
        itemId: lot.itemId,
        campaignId: lot.campaignId,
        lotId: lot.id,
        expiresAt: lot.expiresAt,
        quantity: -quantity,
        reason: input.reason,
        note: input.note ?? null,
      };
      try {
        const result = await run({ kind: 'write_off', opId: options.id, actorId: actor.id, movements: [movement] });
        const row = await balanceAt(input.locationId, lot.id);
        return { movement: result.movements[0]!, row: presentRow(row!) };
      } catch (err) {
        if (err instanceof StockConflict) {
          const b = (await balanceAt(input.locationId, lot.id))!;
          throw new StockConflict(err.shortages, [
            {
              path: 'body.quantity',
              message: `only ${b.available} of lot ${lot.id} can be written off here (on hand ${b.onHand}, reserved ${b.reserved}); missing ${quantity - b.available}`,
              type: 'insufficient',
            },
          ]);
        }
        throw err;
      }
    },

    /**
     * Writes off, as `expired`, everything at a place past its expiry (what shipments being loaded
     * reserve stays: `stillReserved`), one movement per lot in one operation through the ledger, so
     * balances and campaign totals stay exact. Under an Idempotency-Key (`id`) a retry answers
     * what the first attempt wrote off instead of writing off again.
     */
    async writeOffExpired(
      actor: Actor,
      input: ExpiredWriteOffRequest,
      options: { id?: string } = {},
    ): Promise<ExpiredWriteOffDto> {
      const { locationId } = input;
      await getLocation(locationId);
      const answer = async (movements: MovementDto[], now: Date): Promise<ExpiredWriteOffDto> => {
        const left = await balances()
          .find({ locationId, expiresAt: { $ne: null, $lte: now }, reserved: { $gt: 0 } })
          .toArray();
        return {
          locationId,
          movements,
          rows: await service.rowsAt(
            locationId,
            movements.map((m) => m.lotId),
          ),
          stillReserved: left.reduce((sum, b) => sum + b.reserved, 0),
        };
      };
      if (options.id) {
        const earlier = await earlierRecords<MovementDoc>(options.id);
        if (earlier.length > 0) return answer(earlier.map(presentMovement), new Date());
      }
      return retrying<ExpiredWriteOffDto>(
        async () => {
          const now = new Date();
          const docs = await balances()
            .find({ locationId, expiresAt: { $ne: null, $lte: now }, available: { $gt: 0 } })
            .toArray();
          if (docs.length === 0) return answer([], now);
          docs.sort(byExpiry);
          const movements: MovementInput[] = docs.map((d) => ({
            kind: 'written_off',
            locationId,
            itemId: d.itemId,
            campaignId: d.campaignId,
            lotId: d.lotId,
            expiresAt: d.expiresAt ?? null,
            quantity: -d.available,
            reason: 'expired',
            note: null,
          }));
          try {
            const result = await run({ kind: 'write_off', opId: options.id, actorId: actor.id, movements });
            return answer(result.movements, now);
          } catch (err) {
            // Someone took some of it meanwhile (another write-off, a count): read again.
            if (err instanceof StockConflict) return RETRY;
            throw err;
          }
        },
        { message: 'The stock kept changing; try again' },
      );
    },

    /**
     * Finds lots on hand that have 48 or 24 hours left or have just expired and announces each
     * (`stock.expiring`) once per lot, place and threshold: the claim is the insert of the alert's
     * natural key, so it survives restarts and only one of several instances wins it. Returns how
     * many alerts this call announced.
     */
    async checkExpiry(now = new Date()): Promise<number> {
      const horizon = new Date(now.getTime() + EXPIRY_THRESHOLDS[0] * 3_600_000);
      const docs = await balances()
        .find({ expiresAt: { $ne: null, $lte: horizon }, onHand: { $gt: 0 } })
        .toArray();
      let announced = 0;
      for (const doc of docs.sort(byExpiry)) {
        const hoursLeft = ((doc.expiresAt as Date).getTime() - now.getTime()) / 3_600_000;
        // The tightest threshold the lot is within: 0 once expired, else 24, else 48.
        const threshold = [...EXPIRY_THRESHOLDS].reverse().find((t) => hoursLeft <= t) as ExpiryThreshold;
        try {
          await ExpiryAlert.collection.insertOne({
            _id: `${doc._id}:${threshold}` as never,
            locationId: doc.locationId,
            lotId: doc.lotId,
            campaignId: doc.campaignId,
            threshold,
            expiresAt: doc.expiresAt,
            at: now,
          });
        } catch (err) {
          if ((err as { code?: number }).code === 11000) continue;
          throw err;
        }
        announced += 1;
        events.publish('stock.expiring', { hoursLeft: threshold, row: presentRow(doc, now) });
      }
      return announced;
    },

    /**
     * Sets a lot's on-hand quantity at a location to what a count found, as one `adjusted`
     * movement of the difference. Never below what is reserved (409). A concurrent change
     * between reading and writing is detected (compare-and-set) and the adjustment recomputed.
     */
    async adjust(
      actor: Actor,
      input: AdjustmentRequest,
      /** `id`: the operation's id, the same for every retry of one Idempotency-Key. */
      options: { id?: string } = {},
    ): Promise<StockChangeDto> {
      await getLocation(input.locationId);
      const { lot, quantity: counted } = await lotQuantity(
        input.lotId,
        input.countedQuantity,
        input.unit,
        'body.countedQuantity',
      );
      const earlier = options.id ? await earlierChange(options.id, input.locationId, lot.id) : null;
      if (earlier) return earlier;
      return retrying<StockChangeDto>(
        async () => {
          const balance = await balanceAt(input.locationId, lot.id);
          if (!balance) throw ApiError.notFound(`Stock of lot ${lot.id} at this location`);
          if (counted < balance.reserved) {
            throw new ApiError(409, 'CONFLICT', 'The count is below what is reserved for shipments', [
              {
                path: 'body.countedQuantity',
                message: `${balance.reserved} of this lot are reserved here; release them before counting less`,
                type: 'insufficient',
              },
            ]);
          }
          const delta = counted - balance.onHand;
          if (delta === 0) return { movement: null, row: presentRow(balance) };
          try {
            const result = await run({
              kind: 'adjustment',
              opId: options.id,
              actorId: actor.id,
              movements: [
                {
                  kind: 'adjusted',
                  locationId: input.locationId,
                  itemId: lot.itemId,
                  campaignId: lot.campaignId,
                  lotId: lot.id,
                  expiresAt: lot.expiresAt,
                  quantity: delta,
                  reason: input.reason,
                  note: input.note ?? null,
                },
              ],
              expect: { [balance._id]: { onHand: balance.onHand } },
            });
            const row = await balanceAt(input.locationId, lot.id);
            return { movement: result.movements[0]!, row: presentRow(row!) };
          } catch (err) {
            if (err instanceof StockConflict && err.shortages.some((s) => s.changed)) return RETRY;
            throw err;
          }
        },
        { message: 'The stock kept changing during the adjustment; count again and retry' },
      );
    },
  };
  return service;
}

export type StockService = ReturnType<typeof createStockService>;
export type { LotInfo };
export { describeShortage };
