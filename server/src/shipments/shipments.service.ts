import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import {
  allowedNextStatuses,
  DRIVER_STATUSES,
  roleHasRight,
  STANDARD_DOCUMENTS,
  toBaseQuantity,
  lineLimitDetail,
  trustedUpdateTime,
  VETERINARY_CATEGORIES,
  type CreateShipmentRequest,
  type DocumentInput,
  type ErrorDetail,
  type ItemDto,
  type ListShipmentsQuery,
  type LocationDto,
  type Page,
  type ShipmentDocumentTickRequest,
  type ShipmentDto,
  type ShipmentPrivacyRequest,
  type ShipmentStatus,
  type ShipmentSummaryDto,
  type ShipmentUpdateRequest,
  type ShipmentUpdateResult,
  type UpdateShipmentRequest,
} from '@karavan/shared';
import { getCampaign } from '../campaigns';
import { findItems } from '../items';
import { ApiError, isDuplicateKey } from '../lib/errors';
import type { EventBus } from '../lib/events';
import type { Actor } from '../lib/route';
import { findLocations } from '../locations';
import {
  getLots,
  isExpired,
  Movement,
  registerOpHook,
  StockConflict,
  StockOp,
  type MovementInput,
  type StockService,
} from '../stock';
import { User } from '../users';
import {
  HISTORY_KEPT,
  shipments,
  updates,
  type HistoryEntry,
  type LotLine,
  type PendingChange,
  type ShipmentDocument,
  type ShipmentLine,
  type ShipmentNames,
  type ShipmentRecord,
  type UpdateRecord,
  type Warning,
} from './shipments.model';
import { estimatedArrival, presentShipment, presentShipmentSummary, presentUpdate } from './shipments.presenter';

/*
 * Shipments and their status updates.
 *
 * Every status change goes through `report` (POST /api/shipments/:id/updates). An update is kept
 * in `shipment_updates` under its client-made id first (a duplicate loses that insert and gets
 * the first answer). A change without stock (at_checkpoint, arrived, ...) is then one
 * compare-and-set of the shipment document. A change with stock (loading reserves, the first
 * departure dispatches, cancelling a loaded shipment releases, delivery delivers / transfers and
 * writes off) is done in this order, so that a crash anywhere is finished or undone:
 *   1. the intent: the shipment's `pending` names the update, the stock op id and what the
 *      shipment becomes (compare-and-set; no other change of the shipment while it is there);
 *   2. the stock operation through the ledger engine, with the hook `shipments.update`;
 *   3. the hook (run by the engine once the stock op is applied, or by its repair pass) applies
 *      `pending` to the shipment; if the op is undone instead, the hook drops `pending`.
 * `repairShipmentIntents` (start-up and periodically, after the stock repair) drops an intent
 * whose stock op never started.
 */

const HOOK = 'shipments.update';
/** How long an intent belongs to its live request before the repair pass may take it over. */
export const INTENT_LEASE_MS = 2 * 60 * 1000;
/** A pending update record older than this, with no trace on the shipment, died half-way. */
const RECORD_STALE_MS = 30 * 1000;
/** How long a duplicate waits for its first copy to be answered. */
const DUPLICATE_WAIT_MS = 10_000;
const ACTIVE_STATUSES: ShipmentStatus[] = ['planned', 'loading', 'departed', 'at_checkpoint', 'arrived'];
/** Statuses at which a position is kept even in privacy mode. */
const POSITION_ALWAYS: ShipmentStatus[] = ['at_checkpoint', 'arrived', 'delivered'];

/** Crash points for the repair tests: the process "dies" there once. */
export const shipmentFaults = { crashAfterIntent: false, crashBeforeHook: false };
class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const opIdFor = (updateId: string) =>
  createHash('sha256').update(`shipment-update:${updateId}`).digest('hex').slice(0, 24);

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

const unprocessable = (message: string, details: ErrorDetail[]) => new ApiError(422, 'UNPROCESSABLE', message, details);

const trimHistory = (history: HistoryEntry[]) =>
  history.length > HISTORY_KEPT ? history.slice(history.length - HISTORY_KEPT) : history;

// ---------------------------------------------------------------------------------------------
// The intent, applied or dropped (module level: the engine's repair pass calls these too)

/** Applies a shipment's pending change (the stock op is applied). Idempotent. */
async function applyPending(shipmentId: string, updateId: string): Promise<void> {
  if (shipmentFaults.crashBeforeHook) {
    shipmentFaults.crashBeforeHook = false;
    throw new SimulatedCrash('simulated crash after the stock operation, before the shipment changed');
  }
  const _id = new Types.ObjectId(shipmentId);
  const s = await shipments().findOne({ _id });
  if (s?.pending && s.pending.updateId === updateId) {
    const pending = s.pending;
    await shipments().updateOne(
      { _id, 'pending.updateId': updateId },
      {
        $set: {
          ...pending.set,
          history: pending.entry ? trimHistory([...(s.history ?? []), pending.entry]) : (s.history ?? []),
          pending: null,
          updatedAt: new Date(),
        },
        $inc: { version: 1 },
      },
    );
  }
  await updates().updateOne({ _id: updateId, state: 'pending' }, { $set: { state: 'done', applied: true } });
}

/**
 * Drops a shipment's pending change (its stock op was undone or never started). Idempotent.
 * `forget` also deletes the pending update record (the repair pass: nobody was told it
 * succeeded, so the phone's next copy is processed anew); a live request handles its own record.
 */
async function dropPending(shipmentId: string, updateId: string, forget = false): Promise<void> {
  await shipments().updateOne(
    { _id: new Types.ObjectId(shipmentId), 'pending.updateId': updateId },
    { $set: { pending: null }, $inc: { version: 1 } },
  );
  if (forget) await updates().deleteOne({ _id: updateId, state: 'pending' });
}

registerOpHook(HOOK, {
  onApplied: (op) => applyPending(String(op.hook!.data.shipmentId), String(op.hook!.data.updateId)),
  onUndone: (op) => dropPending(String(op.hook!.data.shipmentId), String(op.hook!.data.updateId)),
});

/**
 * Finishes or drops what a crash left between a shipment's intent and its stock operation: an
 * intent whose lease ran out and whose stock op no longer exists is applied if the op's
 * movements are in the ledger, dropped otherwise. Run it after `repairStockOps`. `now` far in
 * the future takes over every intent (a single process at start-up; tests).
 */
export async function repairShipmentIntents(now = new Date()): Promise<{ applied: number; dropped: number }> {
  const report = { applied: 0, dropped: 0 };
  const found = await shipments()
    .find({ pending: { $ne: null } })
    .project<{ _id: Types.ObjectId; pending: PendingChange }>({ _id: 1, pending: 1 })
    .toArray();
  for (const s of found) {
    const pending = s.pending;
    if (!pending || new Date(pending.since).getTime() + INTENT_LEASE_MS > now.getTime()) continue;
    if (await StockOp.exists({ _id: pending.opId })) continue; // the stock repair owns it
    const id = s._id.toHexString();
    if (await Movement.exists({ _id: `${pending.opId}:0` })) {
      await applyPending(id, pending.updateId);
      report.applied += 1;
    } else {
      await dropPending(id, pending.updateId, true);
      report.dropped += 1;
    }
  }
  return report;
}

/**
 * Settles the status-update records a dead process left pending (start-up of a single process,
 * after `repairShipmentIntents`): an update whose entry is in the shipment's history was applied
 * (the record is all that was left to write), any other never changed anything and is forgotten,
 * so the phone's next copy gets the first answer or is processed anew at once rather than 409
 * until the record goes stale. Records of an intent still pending are left to the intent repair.
 */
export async function settlePendingUpdateRecords(): Promise<{ done: number; forgotten: number }> {
  const report = { done: 0, forgotten: 0 };
  const pending = await updates().find({ state: 'pending' }).toArray();
  for (const record of pending) {
    const s = Types.ObjectId.isValid(record.shipmentId)
      ? await shipments().findOne({ _id: new Types.ObjectId(record.shipmentId) })
      : null;
    if (s?.pending?.updateId === record._id) continue;
    const entry = (s?.history ?? []).find((e) => e.id === record._id);
    if (entry) {
      await updates().updateOne(
        { _id: record._id, state: 'pending' },
        { $set: { state: 'done', applied: entry.applied } },
      );
      report.done += 1;
    } else {
      await updates().deleteOne({ _id: record._id, state: 'pending' });
      report.forgotten += 1;
    }
  }
  return report;
}

// ---------------------------------------------------------------------------------------------

/** Great-circle distance in km. */
function haversineKm(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** Road distance taken as 1.3 x straight line at 60 km/h, plus 2 hours per checkpoint. */
export const ROAD_FACTOR = 1.3;
export const ROAD_SPEED_KMH = 60;
export const CHECKPOINT_HOURS = 2;

function estimateRouteHours(stops: LocationDto[]): number | null {
  if (stops.some((s) => !s.position)) return null;
  let km = 0;
  for (let i = 1; i < stops.length; i += 1) km += haversineKm(stops[i - 1]!.position!, stops[i]!.position!);
  const checkpoints = stops.filter((s) => s.kind === 'checkpoint').length;
  return Math.round(((km * ROAD_FACTOR) / ROAD_SPEED_KMH + checkpoints * CHECKPOINT_HOURS) * 10) / 10;
}

/** Hours from the planned departure to the planned arrival (400 when the arrival is not after it). */
/** The route time is given as hours or as a planned arrival, not both (422). */
function assertOneRouteTime(input: { estimatedRouteHours?: number | null; plannedArrivalAt?: string | null }): void {
  if (input.plannedArrivalAt && input.estimatedRouteHours != null) {
    throw unprocessable('Give the route time or the planned arrival, not both', [
      { path: 'body.plannedArrivalAt', message: 'cannot go with "estimatedRouteHours"', type: 'object.oxor' },
    ]);
  }
}

function hoursUntilArrival(departure: Date | null, arrival: string): number {
  const hours = departure ? (new Date(arrival).getTime() - departure.getTime()) / 3_600_000 : NaN;
  if (!(hours > 0)) {
    throw unprocessable('The planned arrival must come after a planned departure', [
      {
        path: 'body.plannedArrivalAt',
        message: '"plannedArrivalAt" needs a planned departure before it',
        type: 'date.min',
      },
    ]);
  }
  return Math.round(hours * 10) / 10;
}

function defaultDocuments(items: ItemDto[]): DocumentInput[] {
  const docs: DocumentInput[] = [{ key: 'waybill' }, { key: 'donation_letter' }];
  if (items.some((i) => i.category && VETERINARY_CATEGORIES.includes(i.category.toLowerCase()))) {
    docs.push({ key: 'veterinary_certificate' });
  }
  return docs;
}

function toDocuments(input: DocumentInput[], previous: ShipmentDocument[] = []): ShipmentDocument[] {
  return input.map((d) => {
    const before = previous.find((p) => p.key === d.key);
    return {
      key: d.key,
      label: d.label ?? before?.label ?? STANDARD_DOCUMENTS[d.key]?.ru ?? d.key,
      checked: before?.checked ?? false,
      checkedAt: before?.checkedAt ?? null,
      checkedBy: before?.checkedBy ?? null,
    };
  });
}

/** Load in kg, null when an item's weight is unknown. */
function loadKg(lines: { itemId: string; quantity: number }[], items: Map<string, ItemDto>): number | null {
  let kg = 0;
  for (const line of lines) {
    const weight = items.get(line.itemId)?.weightKgPerUnit;
    if (weight == null) return null;
    kg += weight * line.quantity;
  }
  return Math.round(kg * 100) / 100;
}

/** EXPIRES_BEFORE_ARRIVAL for each loaded lot that expires before the estimated arrival. */
function expiryWarnings(lines: ShipmentLine[], arrival: Date | null): Warning[] {
  const warnings: Warning[] = [];
  if (!arrival) return warnings;
  for (const line of lines) {
    for (const lot of line.lots) {
      const expiresAt = lot.expiresAt ? new Date(lot.expiresAt) : null;
      if (expiresAt && expiresAt < arrival) {
        warnings.push({
          code: 'EXPIRES_BEFORE_ARRIVAL',
          message: `${lot.quantity} of item ${line.itemId} (lot ${lot.lotId}) expire at ${expiresAt.toISOString()}, before the estimated arrival at ${arrival.toISOString()}`,
          itemId: line.itemId,
          lotId: lot.lotId,
        });
      }
    }
  }
  return warnings;
}

function capacityWarnings(
  lines: { itemId: string; quantity: number }[],
  items: Map<string, ItemDto>,
  vehicle: ShipmentRecord['vehicle'],
): Warning[] {
  const capacity = vehicle?.capacityKg;
  if (!capacity) return [];
  const unknown = lines.filter((l) => items.get(l.itemId)?.weightKgPerUnit == null);
  if (unknown.length > 0) {
    return unknown.map((l) => ({
      code: 'WEIGHT_UNKNOWN',
      message: `The weight of item ${l.itemId} is unknown: the load cannot be checked against the vehicle's ${capacity} kg`,
      itemId: l.itemId,
      lotId: null,
    }));
  }
  const kg = loadKg(lines, items)!;
  if (kg <= capacity) return [];
  return [
    {
      code: 'OVER_CAPACITY',
      message: `The load weighs about ${kg} kg, more than the vehicle's capacity of ${capacity} kg`,
      itemId: null,
      lotId: null,
    },
  ];
}

export function createShipmentsService(events: EventBus, stock: StockService) {
  const canManage = (actor: Actor) => roleHasRight(actor.role, 'shipments:manage');
  const canReadAny = (actor: Actor) => roleHasRight(actor.role, 'shipments:read:any');
  const isDriverOf = (actor: Actor, s: Pick<ShipmentRecord, 'driverId'>) =>
    roleHasRight(actor.role, 'shipments:drive') && s.driverId === actor.id;

  async function find(id: string): Promise<ShipmentRecord> {
    if (!Types.ObjectId.isValid(id)) throw ApiError.notFound('Shipment');
    const s = await shipments().findOne({ _id: new Types.ObjectId(id) });
    if (!s) throw ApiError.notFound('Shipment');
    return s;
  }

  /** The shipment, if the actor may read it: any with shipments:read:any, else only one's own (403). */
  async function findReadable(actor: Actor, id: string): Promise<ShipmentRecord> {
    const s = await find(id);
    if (!canReadAny(actor) && !isDriverOf(actor, s)) {
      throw ApiError.forbidden('This shipment is not assigned to you');
    }
    return s;
  }

  function publish(s: ShipmentRecord, update: HistoryEntry | null): void {
    events.publish('shipments.updated', {
      shipment: presentShipmentSummary(s),
      update: update ? presentUpdate(update) : null,
    });
  }

  /** Compare-and-set on `version`: the shipment as written, or null when somebody else changed it first. */
  async function casUpdate(
    s: ShipmentRecord,
    set: Record<string, unknown>,
    entry?: HistoryEntry,
  ): Promise<ShipmentRecord | null> {
    const updatedAt = new Date();
    const history = entry ? [...(s.history ?? []), entry] : s.history;
    // Appending is a $push (the document is not rewritten from here); past HISTORY_KEPT, a trim.
    const append = entry && history.length <= HISTORY_KEPT;
    const result = await shipments().updateOne(
      { _id: s._id, version: s.version, pending: null },
      {
        $set: { ...set, ...(entry && !append ? { history: trimHistory(history) } : {}), updatedAt },
        $inc: { version: 1 },
        ...(append ? { $push: { history: entry } } : {}),
      },
    );
    return result.modifiedCount === 1
      ? ({ ...s, ...set, history: trimHistory(history), updatedAt, version: s.version + 1 } as ShipmentRecord)
      : null;
  }

  /** Reads, changes and writes a shipment with compare-and-set, retrying on concurrent changes. */
  async function modify(
    id: string,
    change: (s: ShipmentRecord) => Promise<Record<string, unknown>> | Record<string, unknown>,
  ): Promise<ShipmentRecord> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const s = await find(id);
      if (s.pending) {
        await sleep(20 + Math.random() * 30);
        continue;
      }
      const set = await change(s);
      const written = await casUpdate(s, set);
      if (written) return written;
      await sleep(Math.random() * 20);
    }
    throw new ApiError(409, 'CONFLICT', 'The shipment kept changing; retry');
  }

  async function resolveDriver(driverId: string | null | undefined, path: string): Promise<string | null> {
    if (!driverId) return null;
    const user = await User.findById(driverId).lean();
    if (!user || user.role !== 'driver' || !user.active) {
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

  // -------------------------------------------------------------------------------------------
  // Status updates

  interface Attempt {
    actor: Actor;
    req: ShipmentUpdateRequest;
    entry: HistoryEntry;
    /** Device time, but never later than the server's receive time plus CLOCK_SKEW_ALLOWANCE_MS (a phone's clock may be ahead). */
    orderAt: Date;
  }

  /** What hearing from the shipment changes: last heard, last position. */
  function heard(s: ShipmentRecord, entry: HistoryEntry): Record<string, unknown> {
    const set: Record<string, unknown> = {
      lastHeardAt: s.lastHeardAt && s.lastHeardAt > entry.receivedAt ? s.lastHeardAt : entry.receivedAt,
    };
    const at = trustedUpdateTime(entry.at, entry.receivedAt);
    if (entry.position && (!s.lastPosition || new Date(s.lastPosition.at) <= at)) {
      set.lastPosition = { ...entry.position, at };
    }
    return set;
  }

  function invalidTransition(s: ShipmentRecord, a: Attempt): ApiError {
    const allowed = allowedNextStatuses(s.status, {
      rights: roleRights(a.actor),
      isAssignedDriver: isDriverOf(a.actor, s),
    });
    return new ApiError(
      409,
      'CONFLICT',
      `A shipment that is ${s.status} cannot become ${a.req.status}${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}`,
      allowed.length > 0
        ? allowed.map((status) => ({ path: 'body.status', message: status, type: 'allowed' }))
        : [{ path: 'body.status', message: `no further status from ${s.status}`, type: 'allowed' }],
    );
  }

  const roleRights = (actor: Actor) =>
    (['shipments:manage', 'shipments:drive'] as const).filter((r) => roleHasRight(actor.role, r));

  /** The checkpoint of an at_checkpoint or departed update: given, else the route's next (or current) one. */
  async function checkpointOf(s: ShipmentRecord, a: Attempt): Promise<string | null> {
    if (a.req.checkpointId) {
      const loc = (await findLocations([a.req.checkpointId])).get(a.req.checkpointId);
      if (!loc || loc.kind !== 'checkpoint') {
        throw unprocessable('checkpointId must name a checkpoint', [
          { path: 'body.checkpointId', message: 'is not a checkpoint', type: 'reference' },
        ]);
      }
      return loc.id;
    }
    const applied = (s.history ?? []).filter((e) => e.applied && e.status === 'at_checkpoint');
    if (a.req.status === 'departed') {
      return s.status === 'at_checkpoint' ? (applied[applied.length - 1]?.checkpointId ?? null) : null;
    }
    const visited = new Set(applied.map((e) => e.checkpointId));
    return (s.route ?? []).find((id) => !visited.has(id)) ?? null;
  }

  /**
   * One try at applying an update to the shipment as read: whether it was applied and the
   * shipment after it (null: read it again); null when the shipment changed meanwhile (retry).
   */
  async function attempt(
    s: ShipmentRecord,
    a: Attempt,
  ): Promise<{ applied: boolean; after: ShipmentRecord | null } | null> {
    const { req } = a;
    // Arrived after a later update was applied: kept in the history, not applied.
    if (s.lastStatusAt && a.orderAt < new Date(s.lastStatusAt)) {
      const entry = { ...a.entry, applied: false };
      const after = await casUpdate(s, heard(s, entry), entry);
      return after ? { applied: false, after } : null;
    }
    const allowed = allowedNextStatuses(s.status, {
      rights: roleRights(a.actor),
      isAssignedDriver: isDriverOf(a.actor, s),
    });
    if (!allowed.includes(req.status)) throw invalidTransition(s, a);

    const entry: HistoryEntry = { ...a.entry, applied: true };
    const base: Record<string, unknown> = { status: req.status, lastStatusAt: a.orderAt, ...heard(s, entry) };
    if (req.status === 'at_checkpoint' || req.status === 'departed') {
      entry.checkpointId = await checkpointOf(s, a);
    }

    if (req.status === 'loading') return withStock(s, a, entry, await loadingChange(s, a, base));
    if (req.status === 'departed' && s.status === 'loading') {
      base.departedAt = a.orderAt;
      return withStock(s, a, entry, {
        set: base,
        kind: 'shipment_dispatch',
        movements: await lotMovements(s, 'dispatched', -1, s.originId),
      });
    }
    if (req.status === 'cancelled') {
      base.cancelledAt = a.orderAt;
      if (s.status === 'loading') {
        return withStock(s, a, entry, {
          set: { ...base, lines: s.lines.map((l) => ({ ...l, lots: [] })) },
          kind: 'shipment_release',
          movements: await lotMovements(s, 'released', -1, s.originId),
        });
      }
    }
    if (req.status === 'delivered') return withStock(s, a, entry, await deliveryChange(s, a, base));
    if (req.status === 'arrived') base.arrivedAt = a.orderAt;

    const after = await casUpdate(s, base, entry);
    return after ? { applied: true, after } : null;
  }

  async function lotMovements(
    s: ShipmentRecord,
    kind: MovementInput['kind'],
    sign: 1 | -1,
    locationId: string,
  ): Promise<MovementInput[]> {
    const lines = s.lines.flatMap((l) => l.lots.map((lot) => ({ lotId: lot.lotId, quantity: lot.quantity })));
    if (lines.length === 0) return [];
    return stock.lotMovements(kind, sign, { shipmentId: s._id.toHexString(), locationId, lines }, locationId);
  }

  interface StockChange {
    set: Record<string, unknown>;
    kind: string;
    movements: MovementInput[];
  }

  /** Loading: the lots (picked or first-expired-first-out), warnings, and the reservation. */
  async function loadingChange(s: ShipmentRecord, a: Attempt, base: Record<string, unknown>): Promise<StockChange> {
    const now = new Date();
    const picked = a.req.lots ?? [];
    const lots = picked.length > 0 ? await getLots(picked.map((p) => p.lotId)) : new Map();
    const details: ErrorDetail[] = [];
    const byItem = new Map<string, LotLine[]>();
    picked.forEach((p, i) => {
      const lot = lots.get(p.lotId)!;
      const line = s.lines.find((l) => l.itemId === lot.itemId);
      if (lot.campaignId !== s.campaignId || !line) {
        details.push({
          path: `body.lots.${i}.lotId`,
          message: 'is not a lot of this shipment’s campaign and items',
          type: 'reference',
        });
        return;
      }
      const list = byItem.get(lot.itemId) ?? [];
      list.push({ lotId: lot.id, quantity: p.quantity, expiresAt: lot.expiresAt });
      byItem.set(lot.itemId, list);
    });
    for (const [itemId, list] of byItem) {
      const line = s.lines.find((l) => l.itemId === itemId)!;
      const sum = list.reduce((n, l) => n + l.quantity, 0);
      if (sum !== line.quantity) {
        details.push({
          path: 'body.lots',
          message: `the lots picked for item ${itemId} add up to ${sum}, the line needs ${line.quantity}`,
          type: 'sum',
        });
      }
    }
    if (details.length > 0) throw unprocessable('The lots picked do not match the shipment', details);
    const expired = [...byItem.values()].flat().filter((l) => isExpired(l.expiresAt, now));
    if (expired.length > 0) {
      throw new ApiError(
        409,
        'CONFLICT',
        'Expired lots cannot be loaded',
        expired.map((l) => ({
          path: `body.lots.${l.lotId}`,
          message: `lot ${l.lotId} expired at ${l.expiresAt!.toISOString()}`,
          type: 'expired',
        })),
      );
    }

    const missing: ErrorDetail[] = [];
    const lines: ShipmentLine[] = [];
    for (const line of s.lines) {
      let chosen = byItem.get(line.itemId);
      if (!chosen) {
        const pick = await stock.pickLotsFefo(s.originId, s.campaignId, line.itemId, line.quantity);
        if (pick.missing > 0) {
          missing.push({
            path: `lines.${line.itemId}`,
            message: `item ${line.itemId}: needs ${line.quantity}, available ${line.quantity - pick.missing}, missing ${pick.missing}`,
            type: 'insufficient',
          });
          continue;
        }
        chosen = pick.lines.map((l) => ({
          lotId: l.lotId,
          quantity: l.quantity,
          expiresAt: l.expiresAt ? new Date(l.expiresAt) : null,
        }));
      }
      lines.push({ ...line, lots: chosen });
    }
    if (missing.length > 0) throw new ApiError(409, 'CONFLICT', 'Not enough stock at the origin', missing);

    const items = await findItems(s.lines.map((l) => l.itemId));
    const arrival = estimatedArrival(s, now);
    const warnings: Warning[] = expiryWarnings(lines, arrival);
    warnings.push(...capacityWarnings(lines, items, s.vehicle));
    const shipmentId = s._id.toHexString();
    const movements = await stock.lotMovements(
      'reserved',
      1,
      {
        shipmentId,
        locationId: s.originId,
        lines: lines.flatMap((l) => l.lots.map(({ lotId, quantity }) => ({ lotId, quantity }))),
      },
      s.originId,
    );
    return { set: { ...base, lines, warnings, loadKg: loadKg(lines, items) }, kind: 'shipment_reserve', movements };
  }

  /** Delivery: received per line; shortfalls (reason required) written off from the soonest-expiring lots. */
  async function deliveryChange(s: ShipmentRecord, a: Attempt, base: Record<string, unknown>): Promise<StockChange> {
    const { req } = a;
    if (!req.receivedBy) {
      throw unprocessable('A delivery needs the name of who received it', [
        { path: 'body.receivedBy', message: '"receivedBy" is required for a delivery', type: 'any.required' },
      ]);
    }
    const given = new Map((req.lines ?? []).map((l) => [l.itemId, l]));
    const details: ErrorDetail[] = [];
    const validation: ErrorDetail[] = [];
    const seen = new Set<string>();
    (req.lines ?? []).forEach((l, i) => {
      const line = s.lines.find((x) => x.itemId === l.itemId);
      // Two counts for one item: which one is right is not ours to guess (it was the last one).
      if (seen.has(l.itemId))
        details.push({ path: `body.lines.${i}.itemId`, message: 'lists an item a second time', type: 'unique' });
      else if (!line)
        details.push({ path: `body.lines.${i}.itemId`, message: 'is not on this shipment', type: 'reference' });
      else if (l.received > line.quantity)
        details.push({
          path: `body.lines.${i}.received`,
          message: `${l.received} is more than the ${line.quantity} sent`,
          type: 'max',
        });
      else if (l.received < line.quantity && !l.reason)
        validation.push({
          path: `body.lines.${i}.reason`,
          message: `a shortfall of ${line.quantity - l.received} needs a reason (spoiled, damaged, lost, stolen)`,
          type: 'any.required',
        });
      seen.add(l.itemId);
    });
    if (validation.length > 0) throw unprocessable('A shortfall needs a reason', validation);
    if (details.length > 0) throw unprocessable('The delivery does not match the shipment', details);

    const toStock = s.destinationKind !== 'distribution_point';
    const shipmentId = s._id.toHexString();
    const movements: MovementInput[] = [];
    const lines: ShipmentLine[] = [];
    for (const line of s.lines) {
      const g = given.get(line.itemId);
      const received = g ? g.received : line.quantity;
      let short = line.quantity - received;
      const reason = short > 0 ? (g?.reason ?? null) : null;
      const lots = [...line.lots].sort(
        (x, y) =>
          (x.expiresAt ? new Date(x.expiresAt).getTime() : Infinity) -
          (y.expiresAt ? new Date(y.expiresAt).getTime() : Infinity),
      );
      for (const lot of lots) {
        const off = Math.min(short, lot.quantity);
        short -= off;
        const arrived = lot.quantity - off;
        if (arrived > 0) {
          movements.push(
            ...(await stock.lotMovements(
              toStock ? 'transferred_in' : 'delivered',
              1,
              { shipmentId, locationId: s.destinationId, lines: [{ lotId: lot.lotId, quantity: arrived }] },
              s.destinationId,
            )),
          );
        }
        if (off > 0) {
          movements.push(
            ...(await stock.lotMovements(
              'written_off_in_transit',
              -1,
              { shipmentId, locationId: '', lines: [{ lotId: lot.lotId, quantity: off }], note: req.note ?? null },
              null,
              { reason },
            )),
          );
        }
      }
      lines.push({ ...line, received, writtenOff: line.quantity - received, reason });
    }
    return {
      set: { ...base, lines, deliveredAt: a.orderAt, receivedBy: req.receivedBy },
      kind: toStock ? 'shipment_transfer' : 'shipment_delivery',
      movements,
    };
  }

  /** Writes the intent, runs the stock operation (whose hook applies the intent); see the top of the file. */
  async function withStock(
    s: ShipmentRecord,
    a: Attempt,
    entry: HistoryEntry,
    change: StockChange,
  ): Promise<{ applied: boolean; after: null } | null> {
    const done = await withIntent(s, a.req.id, a.req.status, entry, change, a.actor.id);
    return done ? { applied: true, after: null } : null;
  }

  /**
   * The intent pattern for any change with stock: claims the shipment with `pending` (compare-and-set;
   * false when it changed meanwhile), runs the stock op whose hook applies `change.set`. A refused
   * op (409) drops the intent and throws.
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
    const pending: PendingChange = {
      updateId,
      opId: opIdFor(updateId),
      status,
      set: change.set,
      entry,
      since: new Date(),
    };
    const claimed = await shipments().updateOne(
      { _id: s._id, version: s.version, pending: null },
      { $set: { pending }, $inc: { version: 1 } },
    );
    if (claimed.modifiedCount !== 1) return false;
    if (shipmentFaults.crashAfterIntent) {
      shipmentFaults.crashAfterIntent = false;
      throw new SimulatedCrash('simulated crash after the intent, before the stock operation');
    }
    if (change.movements.length === 0) {
      await applyPending(shipmentId, updateId);
      return true;
    }
    try {
      await stock.run({
        kind: change.kind,
        actorId,
        movements: change.movements,
        hook: { name: HOOK, data: { shipmentId, updateId } },
        opId: pending.opId,
      });
    } catch (err) {
      // Refused (not enough stock): the engine undid the op and its hook dropped the intent.
      if (err instanceof ApiError) await dropPending(shipmentId, updateId);
      throw err;
    }
    return true;
  }

  /**
   * New lines of a loading shipment with their lots: an unchanged line keeps its lots; a line that
   * grows keeps them and takes the rest first-expired-first-out; a line that shrinks gives back
   * from its latest-expiring lots first; a new line is picked FEFO. The movements reserve or
   * release the difference per lot; not enough stock is a 409 with what is missing per item.
   */
  async function reloadLines(s: ShipmentRecord, wanted: ShipmentLine[]) {
    const missing: ErrorDetail[] = [];
    const lines: ShipmentLine[] = [];
    for (const line of wanted) {
      const before = s.lines.find((l) => l.itemId === line.itemId);
      const kept = (before?.lots ?? []).map((lot) => ({ ...lot }));
      const had = kept.reduce((n, lot) => n + lot.quantity, 0);
      let lots: LotLine[] = kept;
      if (line.quantity > had) {
        const pick = await stock.pickLotsFefo(s.originId, s.campaignId, line.itemId, line.quantity - had);
        if (pick.missing > 0) {
          missing.push({
            path: `lines.${line.itemId}`,
            message: `item ${line.itemId}: needs ${line.quantity - had} more, available ${line.quantity - had - pick.missing}, missing ${pick.missing}`,
            type: 'insufficient',
          });
          continue;
        }
        for (const p of pick.lines) {
          const same = lots.find((lot) => lot.lotId === p.lotId);
          if (same) same.quantity += p.quantity;
          else
            lots.push({ lotId: p.lotId, quantity: p.quantity, expiresAt: p.expiresAt ? new Date(p.expiresAt) : null });
        }
      } else if (line.quantity < had) {
        let give = had - line.quantity;
        const latestFirst = [...lots].sort(
          (x, y) =>
            (y.expiresAt ? new Date(y.expiresAt).getTime() : Infinity) -
            (x.expiresAt ? new Date(x.expiresAt).getTime() : Infinity),
        );
        for (const lot of latestFirst) {
          const off = Math.min(give, lot.quantity);
          lot.quantity -= off;
          give -= off;
        }
        lots = lots.filter((lot) => lot.quantity > 0);
      }
      lines.push({ ...line, lots });
    }
    if (missing.length > 0) throw new ApiError(409, 'CONFLICT', 'Not enough stock at the origin', missing);

    const delta = new Map<string, number>();
    for (const line of s.lines)
      for (const lot of line.lots) delta.set(lot.lotId, (delta.get(lot.lotId) ?? 0) - lot.quantity);
    for (const line of lines)
      for (const lot of line.lots) delta.set(lot.lotId, (delta.get(lot.lotId) ?? 0) + lot.quantity);
    const shipmentId = s._id.toHexString();
    const reserve = [...delta].filter(([, q]) => q > 0).map(([lotId, quantity]) => ({ lotId, quantity }));
    const release = [...delta].filter(([, q]) => q < 0).map(([lotId, q]) => ({ lotId, quantity: -q }));
    const movements: MovementInput[] = [
      ...(release.length
        ? await stock.lotMovements('released', -1, { shipmentId, locationId: s.originId, lines: release }, s.originId)
        : []),
      ...(reserve.length
        ? await stock.lotMovements('reserved', 1, { shipmentId, locationId: s.originId, lines: reserve }, s.originId)
        : []),
    ];
    return { lines, movements };
  }

  /** Applies an update (retrying compare-and-set), FEFO re-picked after a concurrent reservation. */
  async function process(
    shipmentId: string,
    a: Attempt,
    read: ShipmentRecord,
  ): Promise<{ applied: boolean; after: ShipmentRecord }> {
    let conflicts = 0;
    for (let round = 0; round < 200; round += 1) {
      const s = round === 0 ? read : await find(shipmentId);
      if (s.pending) {
        await sleep(10 + Math.random() * 40);
        continue;
      }
      try {
        const result = await attempt(s, a);
        if (result !== null) return { applied: result.applied, after: result.after ?? (await find(shipmentId)) };
      } catch (err) {
        // Somebody reserved the same lots between the pick and the reservation: pick again.
        if (err instanceof StockConflict && a.req.status === 'loading' && !a.req.lots?.length && conflicts < 20) {
          conflicts += 1;
          await sleep(Math.random() * 20);
          continue;
        }
        throw err;
      }
      await sleep(Math.random() * 10);
    }
    throw new ApiError(409, 'CONFLICT', 'The shipment is busy with other updates; retry');
  }

  /** A copy of an update already received: its first answer, once that exists. */
  async function replay(
    actor: Actor,
    shipmentId: string,
    req: ShipmentUpdateRequest,
    fingerprint: string,
    existing: UpdateRecord,
  ): Promise<ShipmentUpdateResult> {
    const deadline = Date.now() + DUPLICATE_WAIT_MS;
    let record: UpdateRecord | null = existing;
    while (record) {
      if (record.shipmentId !== shipmentId || record.fingerprint !== fingerprint) {
        throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'This update id was already used for another update', [
          { path: 'body.id', message: 'was already used for a different update', type: 'duplicate' },
        ]);
      }
      if (record.state === 'done') {
        return { applied: Boolean(record.applied), shipment: presentShipment(await find(shipmentId)) };
      }
      const s = await find(shipmentId);
      const inHistory = (s.history ?? []).find((e) => e.id === req.id);
      if (inHistory) {
        // Its process stopped after the shipment changed: the record is all that was left to write.
        await updates().updateOne(
          { _id: req.id, state: 'pending' },
          { $set: { state: 'done', applied: inHistory.applied } },
        );
        return { applied: inHistory.applied, shipment: presentShipment(s) };
      }
      const stale = Date.now() - new Date(record.createdAt).getTime() > RECORD_STALE_MS;
      if (stale && s.pending?.updateId !== req.id) {
        // Its process died before changing anything: forget it and process this copy.
        await updates().deleteOne({ _id: req.id, state: 'pending', createdAt: record.createdAt });
        return report(actor, shipmentId, req);
      }
      if (Date.now() > deadline) {
        throw new ApiError(409, 'IDEMPOTENCY_IN_PROGRESS', 'This update is still being processed; retry shortly');
      }
      await sleep(50);
      record = await updates().findOne({ _id: req.id });
    }
    // The first copy failed and was forgotten: process this one.
    return report(actor, shipmentId, req);
  }

  /**
   * Reports a status update (see the top of the file). The answer says whether it was applied;
   * a copy of an update already received gets the first copy's `applied` and changes nothing.
   */
  async function report(actor: Actor, shipmentId: string, req: ShipmentUpdateRequest): Promise<ShipmentUpdateResult> {
    const receivedAt = new Date();
    const s = await findReadable(actor, shipmentId);
    if (!canManage(actor) && !(isDriverOf(actor, s) && DRIVER_STATUSES.includes(req.status))) {
      throw ApiError.forbidden(
        isDriverOf(actor, s)
          ? `A driver may report only ${DRIVER_STATUSES.join(', ')}`
          : 'This shipment is not assigned to you',
      );
    }
    const fingerprint = createHash('sha256')
      .update(`${shipmentId}\n${stableStringify(req)}`)
      .digest('hex');
    const at = new Date(req.at);
    const keepPosition = req.position && (!s.privacyMode || POSITION_ALWAYS.includes(req.status));
    const entry: HistoryEntry = {
      id: req.id,
      status: req.status,
      at,
      receivedAt,
      position: keepPosition ? req.position! : null,
      note: req.note ? req.note : null,
      checkpointId: req.status === 'at_checkpoint' || req.status === 'departed' ? (req.checkpointId ?? null) : null,
      actorId: actor.id,
      actorRole: actor.role,
      applied: false,
    };
    const record: UpdateRecord = {
      _id: req.id,
      shipmentId,
      fingerprint,
      state: 'pending',
      applied: null,
      entry,
      request: {
        ...(req.lots ? { lots: req.lots } : {}),
        ...(req.lines ? { lines: req.lines } : {}),
        ...(req.receivedBy ? { receivedBy: req.receivedBy } : {}),
      },
      createdAt: receivedAt,
    };
    try {
      await updates().insertOne(record);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await updates().findOne({ _id: req.id });
      if (!existing) return report(actor, shipmentId, req);
      return replay(actor, shipmentId, req, fingerprint, existing);
    }

    let result: { applied: boolean; after: ShipmentRecord };
    try {
      result = await process(shipmentId, { actor, req, entry, orderAt: trustedUpdateTime(at, receivedAt) }, s);
    } catch (err) {
      // Refused: nothing changed; forget the update so that it may be sent again once fixed.
      if (err instanceof ApiError) await updates().deleteOne({ _id: req.id, state: 'pending' });
      throw err;
    }
    const { applied, after } = result;
    await updates().updateOne({ _id: req.id }, { $set: { state: 'done', applied } });
    const stored = (after.history ?? []).find((e) => e.id === req.id) ?? { ...entry, applied };
    publish(after, stored);
    return { applied, shipment: presentShipment(after) };
  }

  return {
    /** Plans a shipment: status `planned`, nothing reserved yet. */
    async create(actor: Actor, input: CreateShipmentRequest, options: { id?: string } = {}): Promise<ShipmentDto> {
      // A retry whose first attempt made it (its answer lost) gets it back: same key, same id.
      const made = options.id ? await shipments().findOne({ _id: new Types.ObjectId(options.id) }) : null;
      if (made) return presentShipment(made);
      assertOneRouteTime(input);
      const campaign = await getCampaign(input.campaignId).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) {
          throw unprocessable('No such campaign', [
            { path: 'body.campaignId', message: 'no such campaign', type: 'reference' },
          ]);
        }
        throw err;
      });
      if (campaign.status === 'closed') {
        throw unprocessable('The campaign is closed', [
          { path: 'body.campaignId', message: 'the campaign is closed', type: 'state' },
        ]);
      }
      const places = await findLocations([input.originId, input.destinationId]);
      const origin = places.get(input.originId);
      const destination = places.get(input.destinationId);
      const details: ErrorDetail[] = [];
      if (!origin) details.push({ path: 'body.originId', message: 'no such location', type: 'reference' });
      else if (origin.kind === 'checkpoint')
        details.push({ path: 'body.originId', message: 'a checkpoint holds no stock', type: 'reference' });
      if (!destination) details.push({ path: 'body.destinationId', message: 'no such location', type: 'reference' });
      else if (destination.kind === 'checkpoint')
        details.push({ path: 'body.destinationId', message: 'a checkpoint is not a destination', type: 'reference' });
      if (input.originId === input.destinationId)
        details.push({ path: 'body.destinationId', message: 'must differ from the origin', type: 'reference' });
      if (details.length > 0) throw unprocessable('Origin and destination must be places that hold stock', details);
      const route = await resolveRoute(input.route ?? []);
      const driverId = await resolveDriver(input.driverId, 'body.driverId');
      const { lines, items } = await resolveLines(input.lines);
      const vehicle = input.vehicle
        ? { plate: input.vehicle.plate, kind: input.vehicle.kind, capacityKg: input.vehicle.capacityKg ?? null }
        : null;
      const now = new Date();
      const record: ShipmentRecord = {
        _id: new Types.ObjectId(options.id),
        campaignId: input.campaignId,
        originId: input.originId,
        destinationId: input.destinationId,
        destinationKind: destination!.kind,
        driverId,
        vehicle,
        plannedDepartureAt: input.plannedDepartureAt ? new Date(input.plannedDepartureAt) : null,
        estimatedRouteHours: input.plannedArrivalAt
          ? hoursUntilArrival(
              input.plannedDepartureAt ? new Date(input.plannedDepartureAt) : null,
              input.plannedArrivalAt,
            )
          : (input.estimatedRouteHours ?? estimateRouteHours([origin!, ...route, destination!])),
        route: route.map((r) => r.id),
        names: namesOf([origin!, destination!, ...route], items),
        status: 'planned',
        privacyMode: false,
        lines,
        documents: toDocuments(input.documents ?? defaultDocuments([...items.values()])),
        warnings: capacityWarnings(lines, items, vehicle),
        loadKg: loadKg(lines, items),
        history: [],
        lastHeardAt: null,
        lastPosition: null,
        lastStatusAt: null,
        departedAt: null,
        arrivedAt: null,
        deliveredAt: null,
        cancelledAt: null,
        receivedBy: null,
        notes: input.notes ? input.notes : null,
        pending: null,
        version: 0,
        createdBy: actor.id,
        createdAt: now,
        updatedAt: now,
      };
      await shipments().insertOne(record);
      publish(record, null);
      return presentShipment(record);
    },

    /** Shipments, newest first; a driver without shipments:read:any sees only their own. */
    async list(actor: Actor, query: ListShipmentsQuery): Promise<Page<ShipmentSummaryDto>> {
      const filter: Record<string, unknown> = {};
      if (!canReadAny(actor)) {
        if (!roleHasRight(actor.role, 'shipments:drive')) throw ApiError.forbidden();
        filter.driverId = actor.id;
        if (query.driverId && query.driverId !== actor.id)
          return { items: [], total: 0, limit: query.limit, offset: query.offset };
      } else if (query.driverId) filter.driverId = query.driverId;
      if (query.campaignId) filter.campaignId = query.campaignId;
      const statuses = query.status?.length ? query.status : null;
      if (statuses && query.active) filter.status = { $in: statuses.filter((st) => ACTIVE_STATUSES.includes(st)) };
      else if (statuses) filter.status = { $in: statuses };
      else if (query.active) filter.status = { $in: ACTIVE_STATUSES };
      else if (query.active === false) filter.status = { $in: ['delivered', 'cancelled'] };
      const [docs, total] = await Promise.all([
        shipments().find(filter).sort({ createdAt: -1, _id: -1 }).skip(query.offset).limit(query.limit).toArray(),
        shipments().countDocuments(filter),
      ]);
      return { items: docs.map((d) => presentShipmentSummary(d)), total, limit: query.limit, offset: query.offset };
    },

    /** One shipment with manifest and history; a driver reads only their own (403). */
    async get(actor: Actor, id: string): Promise<ShipmentDto> {
      return presentShipment(await findReadable(actor, id));
    },

    /**
     * Changes the plan before departure (planned or loading; 409 after): destination, route,
     * driver, vehicle, times, documents, notes and lines. New lines of a loading shipment move its
     * reservation (see `reloadLines`) through the intent and the stock op, like loading itself.
     */
    async update(actor: Actor, id: string, patch: UpdateShipmentRequest): Promise<ShipmentDto> {
      assertOneRouteTime(patch);
      const items = patch.lines ? await resolveLines(patch.lines) : null;
      const driverId = patch.driverId !== undefined ? await resolveDriver(patch.driverId, 'body.driverId') : undefined;
      const route = patch.route ? await resolveRoute(patch.route) : null;
      let destination: LocationDto | null = null;
      if (patch.destinationId) {
        destination = (await findLocations([patch.destinationId])).get(patch.destinationId) ?? null;
        if (!destination || destination.kind === 'checkpoint') {
          throw unprocessable('The destination must be a place that holds stock', [
            {
              path: 'body.destinationId',
              message: destination ? 'a checkpoint is not a destination' : 'no such location',
              type: 'reference',
            },
          ]);
        }
      }
      let conflicts = 0;
      for (let round = 0; round < 50; round += 1) {
        const s = await find(id);
        if (s.pending) {
          await sleep(20 + Math.random() * 30);
          continue;
        }
        if (s.status !== 'planned' && s.status !== 'loading') {
          throw new ApiError(409, 'CONFLICT', `A shipment that is ${s.status} can no longer be changed`);
        }
        if (destination && destination.id === s.originId) {
          throw unprocessable('The destination must differ from the origin', [
            { path: 'body.destinationId', message: 'must differ from the origin', type: 'reference' },
          ]);
        }
        const set: Record<string, unknown> = {};
        if (driverId !== undefined) set.driverId = driverId;
        if (patch.notes !== undefined) set.notes = patch.notes ? patch.notes : null;
        if (patch.vehicle !== undefined) {
          set.vehicle = patch.vehicle
            ? { plate: patch.vehicle.plate, kind: patch.vehicle.kind, capacityKg: patch.vehicle.capacityKg ?? null }
            : null;
        }
        if (patch.plannedDepartureAt !== undefined)
          set.plannedDepartureAt = patch.plannedDepartureAt ? new Date(patch.plannedDepartureAt) : null;
        if (patch.documents) set.documents = toDocuments(patch.documents, s.documents);
        if (destination) {
          set.destinationId = destination.id;
          set.destinationKind = destination.kind;
        }
        const routeIds = route ? route.map((r) => r.id) : s.route;
        if (route) set.route = routeIds;
        const destinationId = destination?.id ?? s.destinationId;
        const placesChanged = Boolean(route || destination);
        const places = placesChanged || items ? await findLocations([s.originId, destinationId, ...routeIds]) : null;
        const stops = placesChanged
          ? [s.originId, ...routeIds, destinationId].map((p) => places!.get(p)).filter((p): p is LocationDto => !!p)
          : null;
        if (places) {
          const named = items?.items ?? (await findItems(s.lines.map((l) => l.itemId)));
          set.names = namesOf([...places.values()], named);
        }
        if (patch.plannedArrivalAt) {
          const departure =
            set.plannedDepartureAt !== undefined ? (set.plannedDepartureAt as Date | null) : s.plannedDepartureAt;
          set.estimatedRouteHours = hoursUntilArrival(departure, patch.plannedArrivalAt);
        } else if (patch.estimatedRouteHours !== undefined) set.estimatedRouteHours = patch.estimatedRouteHours;
        else if (stops) set.estimatedRouteHours = estimateRouteHours(stops) ?? s.estimatedRouteHours;

        let movements: MovementInput[] = [];
        let lines = s.lines;
        if (items && s.status === 'loading') {
          ({ lines, movements } = await reloadLines(s, items.lines));
          set.lines = lines;
        } else if (items) {
          lines = items.lines;
          set.lines = lines;
        }
        const vehicle = set.vehicle !== undefined ? (set.vehicle as ShipmentRecord['vehicle']) : s.vehicle;
        const weights = await findItems(lines.map((l) => l.itemId));
        set.warnings = [
          ...expiryWarnings(lines, estimatedArrival({ ...s, ...set } as ShipmentRecord, new Date())),
          ...capacityWarnings(lines, weights, vehicle),
        ];
        set.loadKg = loadKg(lines, weights);

        if (movements.length === 0) {
          const written = await casUpdate(s, set);
          if (!written) {
            await sleep(Math.random() * 20);
            continue;
          }
          publish(written, null);
          return presentShipment(written);
        }
        try {
          const claimed = await withIntent(
            s,
            `plan-${new Types.ObjectId().toHexString()}`,
            s.status,
            null,
            { set: { ...set, updatedAt: new Date() }, kind: 'shipment_replan', movements },
            actor.id,
          );
          if (!claimed) {
            await sleep(Math.random() * 20);
            continue;
          }
        } catch (err) {
          // Somebody reserved the same lots between the pick and the reservation: pick again.
          if (err instanceof StockConflict && conflicts < 20) {
            conflicts += 1;
            await sleep(Math.random() * 20);
            continue;
          }
          throw err;
        }
        const after = await find(id);
        publish(after, null);
        return presentShipment(after);
      }
      throw new ApiError(409, 'CONFLICT', 'The shipment kept changing; retry');
    },

    /** Privacy mode: while on, positions are kept only at checkpoints, arrival and delivery. */
    async setPrivacy(actor: Actor, id: string, input: ShipmentPrivacyRequest): Promise<ShipmentDto> {
      const s = await findReadable(actor, id);
      if (!canManage(actor) && !isDriverOf(actor, s)) throw ApiError.forbidden('This shipment is not assigned to you');
      const updated = await modify(id, () => ({ privacyMode: input.privacyMode }));
      publish(updated, null);
      return presentShipment(updated);
    },

    /** Ticks (or unticks) a document of the checklist: the assigned driver or a coordinator. */
    async tickDocument(
      actor: Actor,
      id: string,
      key: string,
      input: ShipmentDocumentTickRequest,
    ): Promise<ShipmentDto> {
      const s = await findReadable(actor, id);
      if (!canManage(actor) && !isDriverOf(actor, s)) throw ApiError.forbidden('This shipment is not assigned to you');
      if (!(s.documents ?? []).some((d) => d.key === key)) throw ApiError.notFound(`Document ${key} of this shipment`);
      const updated = await modify(id, (current) => {
        if (current.status === 'delivered' || current.status === 'cancelled') {
          throw new ApiError(409, 'CONFLICT', `The shipment is ${current.status}; its checklist is closed`);
        }
        const now = new Date();
        return {
          documents: current.documents.map((d) =>
            d.key === key
              ? {
                  ...d,
                  checked: input.checked,
                  checkedAt: input.checked ? now : null,
                  checkedBy: input.checked ? actor.id : null,
                }
              : d,
          ),
        };
      });
      publish(updated, null);
      return presentShipment(updated);
    },

    report,

    /** Whether the actor may watch `shipment:<id>`: it exists, and they read any shipment or drive it. */
    async mayWatch(actor: Actor, id: string): Promise<boolean> {
      if (!Types.ObjectId.isValid(id)) return false;
      const s = await shipments().findOne({ _id: new Types.ObjectId(id) }, { projection: { driverId: 1 } });
      return Boolean(s && (canReadAny(actor) || isDriverOf(actor, s)));
    },
  };
}

export type ShipmentsService = ReturnType<typeof createShipmentsService>;
