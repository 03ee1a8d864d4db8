import { LRUCache } from 'lru-cache';
import { Types } from 'mongoose';
import {
  lineLimitDetail,
  roleHasRight,
  toBaseQuantity,
  type CreateShipmentRequest,
  type ErrorDetail,
  type ItemDto,
  type LocationDto,
  type ShipmentStatus,
} from '@karavan/shared';
import { groupedCompareAndSet } from '../db/group-commit';
import { ClaimLost, runOperation, type OperationHooks } from '../db/operations';
import { retrying, RETRY } from '../db/retry';
import { findItems } from '../items';
import { ApiError } from '../lib/errors';
import type { EventBus } from '../lib/events';
import type { Actor } from '../lib/route';
import { findLocations } from '../locations';
import type { MovementInput, StockService } from '../stock';
import { isActiveDriver } from '../users';
import { isDriverOf, trimHistory, unprocessable } from './domain';
import { chained } from './custody';
import { applyPending, HOOK, opIdFor } from './intents';
import {
  HISTORY_KEPT,
  shipments,
  updates,
  type HistoryEntry,
  type PendingChange,
  type ShipmentLine,
  type ShipmentNames,
  type ShipmentRecord,
} from './shipments.model';
import { changedFields, presentShipmentSummary, presentUpdate } from './shipments.presenter';

/** At most this much (estimated) of the shipments last written is kept (see lastWritten). */
const LAST_WRITTEN_BYTES = 16 << 20;

/** What a change with stock does: the shipment's new fields, and the stock operation's movements. */
export interface StockChange {
  set: Record<string, unknown>;
  kind: string;
  movements: MovementInput[];
}

/**
 * What the shipments' commands share: reading a shipment (and whether the actor may), publishing
 * its change, writing it with compare-and-set or as a kernel operation with stock, and resolving
 * the places, items and driver a request names.
 */
export function createShipmentsContext(events: EventBus, stock: StockService) {
  const canManage = (actor: Actor) => roleHasRight(actor.role, 'shipments:manage');
  const canReadAny = (actor: Actor) => roleHasRight(actor.role, 'shipments:read:any');

  /** The taker of a pending hand-over reads the shipment until they confirm (handover.commands.ts). */
  const isPendingTaker = (actor: Actor, s: Pick<ShipmentRecord, 'handoverPendingTo'>) =>
    Boolean(s.handoverPendingTo) && s.handoverPendingTo === actor.id;

  async function find(id: string): Promise<ShipmentRecord> {
    if (!Types.ObjectId.isValid(id)) throw ApiError.notFound('Shipment');
    const s = await shipments().findOne({ _id: new Types.ObjectId(id) });
    if (!s) throw ApiError.notFound('Shipment');
    return s;
  }

  /** Whether the actor may read the shipment: any with shipments:read:any, else only one's own (403). */
  function mayRead(actor: Actor, s: Pick<ShipmentRecord, 'driverId' | 'handoverPendingTo'>): void {
    if (!canReadAny(actor) && !isDriverOf(actor, s) && !isPendingTaker(actor, s)) {
      throw ApiError.forbidden('This shipment is not assigned to you');
    }
  }

  /** The shipment, if the actor may read it (mayRead). */
  async function findReadable(actor: Actor, id: string): Promise<ShipmentRecord> {
    const s = await find(id);
    mayRead(actor, s);
    return s;
  }

  /**
   * Tells everyone the shipment changed. `before`: the version the change was written over (a
   * status update knows it); the live event then carries only what differs from it.
   */
  function publish(s: ShipmentRecord, update: HistoryEntry | null, before?: ShipmentRecord): void {
    const shipment = presentShipmentSummary(s);
    events.publish('shipments.updated', {
      shipment,
      update: update ? presentUpdate(update) : null,
      ...(before ? { changed: changedFields(presentShipmentSummary(before), shipment) } : {}),
    });
  }

  /**
   * The hook of the shipments' kernel operations (wired in app.ts): the operation committed, so
   * the shipment becomes its pending change; what the repair pass finishes is published like
   * what a request finishes. Undone by the repair, the update record is forgotten (nobody was
   * told it succeeded, so the phone's next copy is processed anew).
   */
  const opHooks: Pick<OperationHooks, typeof HOOK> = {
    [HOOK]: {
      async onApplied(op, { byRepair }) {
        const { shipmentId, updateId } = op.hook!.data as { shipmentId: string; updateId: string };
        await applyPending(shipmentId, updateId);
        if (!byRepair) return;
        const after = await shipments().findOne({ _id: new Types.ObjectId(shipmentId) });
        if (after) publish(after, (after.history ?? []).find((e) => e.id === updateId) ?? null);
      },
      async onUndone(op, { byRepair }) {
        const { updateId } = op.hook!.data as { updateId: string };
        if (byRepair) await updates().deleteOne({ _id: updateId, state: 'pending' });
      },
    },
  };

  /**
   * Each shipment as this instance last wrote it with compare-and-set, by id: a status update
   * starts from it instead of reading the shipment (status.commands.ts). That is safe because the
   * compare-and-set is on the version, which every write increments: it lands only while the
   * shipment is still exactly what is kept here, and otherwise the update reads the shipment and
   * tries again, as after any concurrent change (another instance, another kind of write). What is
   * kept is never changed in place (a write makes a new record). Bounded by an estimate of size.
   */
  const lastWritten = new LRUCache<string, ShipmentRecord>({
    maxSize: LAST_WRITTEN_BYTES,
    sizeCalculation: (s) => 2_000 + 500 * (s.history?.length ?? 0),
  });

  const casGroup = groupedCompareAndSet(shipments, { 'history.id': 1 });

  /** Compare-and-set on `version`: the shipment as written, or null when somebody else changed it first. */
  async function casUpdate(
    s: ShipmentRecord,
    set: Record<string, unknown>,
    entry?: HistoryEntry,
    /**
     * A status update's write (status.commands.ts): grouped with the others written meanwhile
     * (groupedCompareAndSet). Its entry's id is the shipment's alone (its update record was
     * inserted first, so nothing else writes it), which tells whether it landed when the group's
     * count cannot.
     */
    grouped = false,
  ): Promise<ShipmentRecord | null> {
    const updatedAt = new Date();
    // The entry links to the chain's head, which moves in this same compare-and-set (custody.ts).
    if (entry) {
      const link = chained(s, entry);
      entry = link.entry;
      set = { ...set, ...link.set };
    }
    const history = entry ? [...(s.history ?? []), entry] : s.history;
    // Appending is a $push (the document is not rewritten from here); past HISTORY_KEPT, a trim.
    const append = entry && history.length <= HISTORY_KEPT;
    const filter = { _id: s._id, version: s.version, pending: null };
    const update = {
      $set: { ...set, ...(entry && !append ? { history: trimHistory(history) } : {}), updatedAt },
      $inc: { version: 1 },
      ...(append ? { $push: { history: entry } } : {}),
    };
    const landed =
      grouped && entry
        ? await casGroup({
            filter,
            update,
            id: s._id,
            landed: (doc) => (doc.history ?? []).some((e) => e.id === entry.id),
          })
        : (await shipments().updateOne(filter, update)).modifiedCount === 1;
    if (!landed) return null;
    const after = { ...s, ...set, history: trimHistory(history), updatedAt, version: s.version + 1 } as ShipmentRecord;
    lastWritten.set(s._id.toHexString(), after);
    return after;
  }

  /** Reads, changes and writes a shipment with compare-and-set, retrying on concurrent changes. */
  async function modify(
    id: string,
    change: (s: ShipmentRecord) => Promise<Record<string, unknown>> | Record<string, unknown>,
  ): Promise<ShipmentRecord> {
    return retrying(
      async () => {
        const s = await find(id);
        if (s.pending) return RETRY;
        return (await casUpdate(s, await change(s))) ?? RETRY;
      },
      { message: 'The shipment kept changing; retry' },
    );
  }

  async function resolveDriver(driverId: string | null | undefined, path: string): Promise<string | null> {
    if (!driverId) return null;
    if (!(await isActiveDriver(driverId))) {
      throw unprocessable('The driver must be an active user with the role driver', [
        { path, message: 'is not an active user with the role driver', type: 'reference' },
      ]);
    }
    return driverId;
  }

  /** What the shipment's screens show by name (drivers cannot read the catalogue). */
  function namesOf(places: LocationDto[], items: Map<string, ItemDto>): ShipmentNames {
    return {
      places: Object.fromEntries(places.map((p) => [p.id, p.name])),
      items: Object.fromEntries(
        [...items.values()].map((item) => [item.id, { name: item.name, baseUnit: item.baseUnit }]),
      ),
    };
  }

  async function resolveRoute(route: string[]): Promise<LocationDto[]> {
    const found = await findLocations(route);
    const details: ErrorDetail[] = [];
    route.forEach((id, i) => {
      const loc = found.get(id);
      if (!loc) details.push({ path: `body.route.${i}`, message: 'no such location', type: 'reference' });
      else if (loc.kind !== 'checkpoint')
        details.push({ path: `body.route.${i}`, message: 'is not a checkpoint', type: 'reference' });
    });
    if (details.length > 0) throw unprocessable('The route must list checkpoints', details);
    return route.map((id) => found.get(id)!);
  }

  async function resolveLines(lines: CreateShipmentRequest['lines']) {
    const items = await findItems(lines.map((l) => l.itemId));
    const details: ErrorDetail[] = [];
    const out: ShipmentLine[] = [];
    lines.forEach((line, i) => {
      const item = items.get(line.itemId);
      if (!item || !item.active) {
        details.push({ path: `body.lines.${i}.itemId`, message: 'no such active item', type: 'reference' });
        return;
      }
      const quantity = toBaseQuantity(item, line.quantity, line.unit);
      if (quantity === undefined) {
        const units = [item.baseUnit, ...item.packs.map((p) => p.unit)].join(', ');
        details.push({ path: `body.lines.${i}.unit`, message: `must be one of ${units}`, type: 'any.only' });
        return;
      }
      const overLimit = lineLimitDetail(`body.lines.${i}.quantity`, quantity);
      if (overLimit) {
        details.push(overLimit);
        return;
      }
      out.push({ itemId: line.itemId, quantity, lots: [], received: null, writtenOff: null, reason: null });
    });
    if (details.length > 0) throw unprocessable('Some lines name no item or unit', details);
    return { lines: out, items };
  }

  /**
   * Any change with stock, as one kernel operation: the claim of the shipment (`pending`,
   * compare-and-set on its version; false when it changed meanwhile), the stock steps and
   * movements, and the hook that applies `change.set`. A refused op (409) releases the claim.
   */
  async function withIntent(
    s: ShipmentRecord,
    updateId: string,
    status: ShipmentStatus,
    entry: HistoryEntry | null,
    change: StockChange,
    actorId: string,
  ): Promise<boolean> {
    const shipmentId = s._id.toHexString();
    const opId = opIdFor(updateId);
    // The chain's head moves with the pending change, which the claim guards by version.
    const link = entry ? chained(s, entry) : null;
    const pending: PendingChange = {
      updateId,
      opId,
      status,
      set: link ? { ...change.set, ...link.set } : change.set,
      entry: link ? link.entry : entry,
      since: new Date(),
    };
    const claim = {
      coll: 'shipments',
      id: shipmentId,
      objectId: true,
      field: 'pending',
      value: pending,
      expect: { version: s.version },
      bump: { version: 1 },
    };
    const hook = { name: HOOK, data: { shipmentId, updateId } };
    try {
      if (change.movements.length === 0) {
        await runOperation({ opId, kind: change.kind, actorId, claims: [claim], steps: [], records: [], hook });
      } else {
        await stock.run({ kind: change.kind, actorId, movements: change.movements, hook, claims: [claim], opId });
      }
    } catch (err) {
      if (err instanceof ClaimLost) return false;
      throw err;
    }
    return true;
  }

  return {
    stock,
    opHooks,
    canManage,
    canReadAny,
    isDriverOf,
    isPendingTaker,
    find,
    findReadable,
    mayRead,
    publish,
    lastWritten: (id: string): ShipmentRecord | undefined => lastWritten.get(id),
    casUpdate,
    modify,
    withIntent,
    resolveDriver,
    namesOf,
    resolveRoute,
    resolveLines,
  };
}

export type ShipmentsContext = ReturnType<typeof createShipmentsContext>;
