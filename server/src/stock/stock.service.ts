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
import type { mongo } from 'mongoose';
import { getItem } from '../items';
import { getLocation } from '../locations';
import { ApiError } from '../lib/errors';
import type { EventBus } from '../lib/events';
import type { Actor } from '../lib/route';
import { currentSeq } from '../realtime/event-log';
import type { OperationDoc } from '../db/operations';
import { retrying, RETRY } from '../db/retry';
import {
  balanceId,
  describeShortage,
  runStockOp,
  settleStockOp,
  StockConflict,
  type MovementDoc,
  type MovementInput,
  type RunOpInput,
} from './ledger';
import { getLots, isExpired, type LotInfo } from './lots';
import { presentMovement, presentProgressItem, presentRow } from './stock.presenter';
import { movementsByIds, walkScope } from './ledger-index';
import { Balance, CampaignTotal, ExpiryAlert, Movement } from './stock.model';

/** The movements one operation wrote (`${opId}:<n>`), in order: a range of `_id`s. */
async function movementsOfOp(opId: string): Promise<MovementDoc[]> {
  const docs = await Movement.collection.find({ _id: { $gte: `${opId}:`, $lt: `${opId};` } as never }).toArray();
  const list = docs as unknown as MovementDoc[];
  return list.sort((a, b) => Number(a._id.split(':')[1]) - Number(b._id.split(':')[1]));
}

export interface BalanceDoc {
  _id: string;
  locationId: string;
  lotId: string;
  itemId: string;
  campaignId: string;
  expiresAt: Date | null;
  onHand: number;
  reserved: number;
  available: number;
  ops: string[];
}
const balances = () => Balance.collection as unknown as mongo.Collection<BalanceDoc>;

/** Lines of lots at one location, as the shipments component passes them. */
export interface LotLinesInput {
  shipmentId: string;
  /** The origin (reserve, release, dispatch) or the destination (deliver, transfer in). */
  locationId: string;
  lines: { lotId: string; quantity: number }[];
  note?: string | null;
}

export interface StockOpResult {
  opId: string;
  movements: MovementDto[];
}

export interface FefoPick {
  lines: { lotId: string; quantity: number; expiresAt: string | null }[];
  /** What the location lacks of the quantity asked (0 when it is all there). */
  missing: number;
}

/** Sorts lots first-expired-first-out; lots without expiry last. */
const byExpiry = (a: { expiresAt: Date | null; _id: string }, b: { expiresAt: Date | null; _id: string }) =>
  (a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) - (b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) ||
  a._id.localeCompare(b._id);

/** A page whose `total` is a lower bound: exact on the last page, offset + limit + 1 before it. */
function lowerBoundPage<T>(rows: T[], limit: number, offset: number): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, total: offset + items.length + (more ? 1 : 0), limit, offset };
}

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
    if (outcome !== 'finished' || op.movements.length === 0 || op.hook?.name.startsWith('donation.')) return;
    const movements = (op.movements as MovementDoc[]).map(presentMovement);
    events.publish('stock.moved', { kind: op.kind, movements });
  }

  async function balanceAt(locationId: string, lotId: string): Promise<BalanceDoc | null> {
    return balances().findOne({ _id: balanceId(locationId, lotId) });
  }

  /**
   * What an earlier attempt under this Idempotency-Key (whose operation id is `opId`) did: its
   * movement once the operation committed, after settling what it left half-done if nobody runs
   * it any more; null when it changed nothing. 409 while it may still be running elsewhere.
   */
  async function earlierChange(opId: string, locationId: string, lotId: string): Promise<StockChangeDto | null> {
    if (!(await settleStockOp(opId))) {
      throw new ApiError(
        409,
        'IDEMPOTENCY_IN_PROGRESS',
        'An earlier attempt with this Idempotency-Key is still being finished; retry shortly',
      );
    }
    const [movement] = await movementsByIds([`${opId}:0`]);
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

  /** Movements of one kind for lines of lots at a location (`sign` -1 for kinds that take away). */
  async function lotMovements(
    kind: MovementInput['kind'],
    sign: 1 | -1,
    input: LotLinesInput,
    locationId: string | null,
    extra: Partial<MovementInput> = {},
  ): Promise<MovementInput[]> {
    const lots = await getLots(input.lines.map((l) => l.lotId));
    return input.lines.map((line) => {
      if (!Number.isInteger(line.quantity) || line.quantity <= 0) {
        throw new ApiError(400, 'VALIDATION_FAILED', 'Quantities must be positive integers');
      }
      const lot = lots.get(line.lotId)!;
      return {
        kind,
        locationId,
        itemId: lot.itemId,
        campaignId: lot.campaignId,
        lotId: lot.id,
        expiresAt: lot.expiresAt,
        quantity: sign * line.quantity,
        shipmentId: input.shipmentId,
        note: input.note ?? null,
        ...extra,
      };
    });
  }

  const service = {
    /** Runs any combination of movements as one operation (e.g. a delivery with a shortfall written off). */
    run,
    onRepaired,

    /** Stock rows, soonest expiry first; by default only rows with something on hand. */
    async listStock(_actor: Actor, query: ListStockQuery): Promise<Page<StockRowDto>> {
      const rows = await stockRows(query);
      const now = new Date();
      return {
        items: rows.slice(query.offset, query.offset + query.limit).map((r) => presentRow(r, now)),
        total: rows.length,
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
      // What is on hand past its expiry: the campaign's lots that expired, wherever they are.
      const [totals, spoiled] = await Promise.all([
        CampaignTotal.find({ campaignId: campaign.id }).lean(),
        balances()
          .find({ campaignId: campaign.id, expiresAt: { $ne: null, $lte: now }, onHand: { $gt: 0 } })
          .toArray(),
      ]);
      const expired = new Map<string, number>();
      for (const b of spoiled) expired.set(b.itemId, (expired.get(b.itemId) ?? 0) + b.onHand);
      const byItem = new Map(totals.map((t) => [t.itemId, t]));
      const items = campaign.targets.map((t) =>
        presentProgressItem(t.itemId, t.quantity, byItem.get(t.itemId), expired.get(t.itemId)),
      );
      const targeted = new Set(campaign.targets.map((t) => t.itemId));
      for (const total of totals.sort((a, b) => a.itemId.localeCompare(b.itemId))) {
        if (!targeted.has(total.itemId))
          items.push(presentProgressItem(total.itemId, 0, total, expired.get(total.itemId)));
      }
      return { campaignId: campaign.id, asOf, seq, items };
    },

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
        if (!(await settleStockOp(options.id))) {
          throw new ApiError(
            409,
            'IDEMPOTENCY_IN_PROGRESS',
            'An earlier attempt with this Idempotency-Key is still being finished; retry shortly',
          );
        }
        const earlier = await movementsOfOp(options.id);
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

    /**
     * Lots to take `quantity` of an item from, first-expired-first-out, skipping expired lots and
     * what is already reserved. `missing` says how much is not there.
     */
    async pickLotsFefo(locationId: string, campaignId: string, itemId: string, quantity: number): Promise<FefoPick> {
      const now = new Date();
      const docs = await balances()
        .find({ locationId, campaignId, itemId, available: { $gt: 0 } })
        .toArray();
      const usable = docs.filter((d) => !isExpired(d.expiresAt ?? null, now)).sort(byExpiry);
      const lines: FefoPick['lines'] = [];
      let left = quantity;
      for (const doc of usable) {
        if (left <= 0) break;
        const take = Math.min(left, doc.available);
        lines.push({ lotId: doc.lotId, quantity: take, expiresAt: doc.expiresAt ? doc.expiresAt.toISOString() : null });
        left -= take;
      }
      return { lines, missing: left };
    },

    /** Reserves lots at the origin for a shipment; expired lots are refused (409), as is a shortfall. */
    async reserve(actor: Actor, input: LotLinesInput): Promise<StockOpResult> {
      const movements = await lotMovements('reserved', 1, input, input.locationId);
      const expired = movements.filter((m) => isExpired(m.expiresAt));
      if (expired.length > 0) {
        throw new ApiError(
          409,
          'CONFLICT',
          'Expired lots cannot be reserved',
          expired.map((m) => ({
            path: `lots.${m.lotId}`,
            message: `lot ${m.lotId} expired at ${m.expiresAt!.toISOString()}`,
            type: 'expired',
          })),
        );
      }
      return run({ kind: 'reserve', actorId: actor.id, movements });
    },

    /** Releases a shipment's reservation (cancelled, or lots changed before departure). */
    async release(actor: Actor, input: LotLinesInput): Promise<StockOpResult> {
      return run({
        kind: 'release',
        actorId: actor.id,
        movements: await lotMovements('released', -1, input, input.locationId),
      });
    },

    /** Takes reserved goods out of the origin's stock: they are in transit. */
    async dispatch(actor: Actor, input: LotLinesInput): Promise<StockOpResult> {
      return run({
        kind: 'dispatch',
        actorId: actor.id,
        movements: await lotMovements('dispatched', -1, input, input.locationId),
      });
    },

    /** Goods in transit handed over at a distribution point: delivered. */
    async deliver(actor: Actor, input: LotLinesInput): Promise<StockOpResult> {
      return run({
        kind: 'deliver',
        actorId: actor.id,
        movements: await lotMovements('delivered', 1, input, input.locationId),
      });
    },

    /** Goods in transit entering the destination's stock (a warehouse or collection point). */
    async transferIn(actor: Actor, input: LotLinesInput): Promise<StockOpResult> {
      return run({
        kind: 'transfer_in',
        actorId: actor.id,
        movements: await lotMovements('transferred_in', 1, input, input.locationId),
      });
    },

    /** Goods in transit that never arrived (a delivery's shortfall): written off with a reason. */
    async writeOffInTransit(
      actor: Actor,
      input: Omit<LotLinesInput, 'locationId'> & { reason: string },
    ): Promise<StockOpResult> {
      return run({
        kind: 'write_off_in_transit',
        actorId: actor.id,
        movements: await lotMovements('written_off_in_transit', -1, { ...input, locationId: '' }, null, {
          reason: input.reason,
        }),
      });
    },

    /** The movements of lines of lots (for composite operations through `run`). */
    lotMovements,
  };
  return service;
}

export type StockService = ReturnType<typeof createStockService>;
export type { LotInfo };
export { describeShortage };
