import type { MovementDto } from '@karavan/shared';
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { balances, byExpiry } from './balances';
import type { MovementInput, RunOpInput } from './ledger';
import { getLots, isExpired } from './lots';

/*
 * The stock operations of shipments (reserve at the origin, release, dispatch, deliver, transfer
 * in, write off in transit) and the first-expired-first-out pick of lots; each one operation of
 * the ledger through the stock service's `run`.
 */

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

/** The shipments' stock operations, run by `run` (the stock service's, which publishes them). */
export function createTransfers(run: (input: RunOpInput) => Promise<StockOpResult>) {
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

  return {
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
}
