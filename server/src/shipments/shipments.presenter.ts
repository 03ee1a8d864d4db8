import {
  formatLabelCode,
  toLocalized,
  type CheckpointVisitDto,
  type ShipmentDto,
  type ShipmentPlaceDto,
  type ShipmentSummaryDto,
  type ShipmentUpdateDto,
  type ShipmentWarningCode,
  type HandoverDto,
} from '@karavan/shared';
import { trustedUpdateTime } from '@karavan/shared';
import type { HandoverRecord, HistoryEntry, ShipmentRecord } from './shipments.model';

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

/**
 * `present`, computed once per object. Shipment records and their history entries are never
 * changed in place (a write makes a new record, sharing the entries it keeps), and what is
 * presented is never changed either (every use copies what it picks). A status update presents
 * its shipment three times: its reply, and its live event's before and after (the before being
 * the last update's after).
 */
function oncePerObject<K extends object, V>(present: (k: K) => V): (k: K) => V {
  const presented = new WeakMap<K, V>();
  return (k) => {
    let v = presented.get(k);
    if (v === undefined) {
      v = present(k);
      presented.set(k, v);
    }
    return v;
  };
}

export const presentUpdate = oncePerObject(updateOf);

function updateOf(e: HistoryEntry): ShipmentUpdateDto {
  return {
    id: e.id,
    status: e.status,
    at: new Date(e.at).toISOString(),
    receivedAt: new Date(e.receivedAt).toISOString(),
    position: e.position
      ? {
          lat: e.position.lat,
          lng: e.position.lng,
          ...(e.position.accuracyM !== undefined ? { accuracyM: e.position.accuracyM } : {}),
        }
      : null,
    note: e.note ?? null,
    checkpointId: e.checkpointId ?? null,
    actorId: e.actorId,
    actorRole: e.actorRole,
    applied: e.applied,
    ...(e.kind === 'handover' && e.handover ? { kind: 'handover' as const, handoverId: e.handover.handoverId } : {}),
    ...(e.kind === 'receipt' ? { kind: 'receipt' as const } : {}),
  };
}

export function presentHandover(shipmentId: string, h: HandoverRecord): HandoverDto {
  return {
    id: h.id,
    shipmentId,
    state: h.state,
    at: new Date(h.at).toISOString(),
    receivedAt: new Date(h.receivedAt).toISOString(),
    status: h.status,
    from: { userId: h.fromUserId, role: h.fromRole },
    to: { userId: h.to.userId ?? null, name: h.to.name ?? null },
    lines: h.lines.map((l) => ({ itemId: l.itemId, carried: l.carried, counted: l.counted, reason: l.reason ?? null })),
    note: h.note ?? null,
    giverVerified: h.giverVerified === true,
    giverDeviceId: h.giverDeviceId ?? null,
    confirmedAt: iso(h.confirmedAt),
    takerVerified: h.takerVerified === true,
    takerDeviceId: h.takerDeviceId ?? null,
    recordHash: h.recordHash,
  };
}

/** The update's time as the server counts it (device time, never far ahead of its receipt). */
const time = (e: HistoryEntry) => trustedUpdateTime(e.at, e.receivedAt).getTime();

/**
 * Arrival at and departure from each checkpoint, from the history in device-time order (late
 * updates included: they are what the driver saw). A departure after an arrival closes it.
 */
export function checkpointVisits(history: HistoryEntry[]): CheckpointVisitDto[] {
  const visits: { locationId: string; arrived: Date | null; departed: Date | null }[] = [];
  let open: (typeof visits)[number] | null = null;
  const seen = new Set<string>();
  for (const e of [...history].filter((h) => h.kind !== 'handover').sort((a, b) => time(a) - time(b))) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    if (e.status === 'at_checkpoint') {
      const locationId = e.checkpointId ?? '';
      if (open && open.locationId === locationId) continue; // the same stop reported twice
      open = { locationId, arrived: new Date(time(e)), departed: null };
      visits.push(open);
    } else if (e.status === 'departed' && open) {
      open.departed = new Date(time(e));
      open = null;
    }
  }
  return visits
    .filter((v) => v.locationId !== '')
    .map((v) => ({
      locationId: v.locationId,
      arrivedAt: iso(v.arrived),
      departedAt: iso(v.departed),
      waitMinutes:
        v.arrived && v.departed ? Math.max(0, Math.round((v.departed.getTime() - v.arrived.getTime()) / 60_000)) : null,
    }));
}

/**
 * Departure plus the planned route time. `now` given: a departure not yet made starts no earlier
 * than now (for warnings); without it, only an actual or planned departure counts (for display,
 * so that the same shipment always reads the same).
 */
export function estimatedArrival(
  s: Pick<ShipmentRecord, 'departedAt' | 'plannedDepartureAt' | 'estimatedRouteHours'>,
  now?: Date,
): Date | null {
  if (s.estimatedRouteHours == null) return null;
  let start = s.departedAt ?? s.plannedDepartureAt ?? null;
  if (!s.departedAt && now && (!start || start < now)) start = now;
  if (!start) return null;
  return new Date(new Date(start).getTime() + s.estimatedRouteHours * 3_600_000);
}

const placeOf = (s: ShipmentRecord, id: string): ShipmentPlaceDto | null => {
  const name = s.names?.places[id];
  return name === undefined ? null : { id, name: toLocalized(name) };
};

/**
 * What a list of summaries leaves out of each shipment document: the history entries' fields a
 * summary does not read (it reads an entry's id, kind, status, checkpoint and times, for the
 * checkpoint visits) and the hand-overs. A shipment keeps up to HISTORY_KEPT entries with
 * positions, signatures and signed copies, which would otherwise be read for every row.
 */
export const SUMMARY_PROJECTION: Readonly<Record<string, 0>> = Object.fromEntries(
  [
    'position',
    'note',
    'actorId',
    'actorRole',
    'applied',
    'receivedBy',
    'lines',
    'labels',
    'receiver',
    'deviceId',
    'signature',
    'sent',
    'verified',
    'prevHash',
    'hash',
    'handover',
  ]
    .map((field) => [`history.${field}`, 0 as const])
    .concat([['handovers', 0]]),
);

/** The summary's fields whose value differs between two versions of a shipment (compared as JSON). */
export function changedFields(before: ShipmentSummaryDto, after: ShipmentSummaryDto): (keyof ShipmentSummaryDto)[] {
  return (Object.keys(after) as (keyof ShipmentSummaryDto)[]).filter(
    (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );
}

export const presentShipmentSummary = oncePerObject(summaryOf);

function summaryOf(s: ShipmentRecord): ShipmentSummaryDto {
  return {
    id: s._id.toHexString(),
    campaignId: s.campaignId,
    originId: s.originId,
    destinationId: s.destinationId,
    destinationKind: s.destinationKind,
    origin: placeOf(s, s.originId),
    destination: placeOf(s, s.destinationId),
    places: (s.route ?? []).map((id) => placeOf(s, id)).filter((p): p is ShipmentPlaceDto => p !== null),
    driverId: s.driverId ?? null,
    vehicle: s.vehicle
      ? { plate: s.vehicle.plate, kind: s.vehicle.kind, capacityKg: s.vehicle.capacityKg ?? null }
      : null,
    plannedDepartureAt: iso(s.plannedDepartureAt),
    estimatedRouteHours: s.estimatedRouteHours ?? null,
    estimatedArrivalAt: iso(estimatedArrival(s)),
    route: s.route ?? [],
    status: s.status,
    privacyMode: Boolean(s.privacyMode),
    lines: s.lines.map((l) => ({
      itemId: l.itemId,
      item: s.names?.items[l.itemId] ?? null,
      quantity: l.quantity,
      lots: (l.lots ?? []).map((lot) => ({ lotId: lot.lotId, quantity: lot.quantity, expiresAt: iso(lot.expiresAt) })),
      received: l.received ?? null,
      writtenOff: l.writtenOff ?? null,
      reason: l.reason ?? null,
    })),
    documents: (s.documents ?? []).map((d) => ({
      key: d.key,
      label: d.label,
      checked: d.checked,
      checkedAt: iso(d.checkedAt),
      checkedBy: d.checkedBy ?? null,
    })),
    warnings: (s.warnings ?? []).map((w) => ({
      code: w.code as ShipmentWarningCode,
      message: w.message,
      itemId: w.itemId ?? null,
      lotId: w.lotId ?? null,
    })),
    loadKg: s.loadKg ?? null,
    checkpoints: checkpointVisits(s.history ?? []),
    lastHeardAt: iso(s.lastHeardAt),
    lastPosition: s.lastPosition
      ? {
          lat: s.lastPosition.lat,
          lng: s.lastPosition.lng,
          ...(s.lastPosition.accuracyM !== undefined ? { accuracyM: s.lastPosition.accuracyM } : {}),
          at: new Date(s.lastPosition.at).toISOString(),
        }
      : null,
    lastStatusAt: iso(s.lastStatusAt),
    departedAt: iso(s.departedAt),
    arrivedAt: iso(s.arrivedAt),
    deliveredAt: iso(s.deliveredAt),
    receivedBy: s.receivedBy ?? null,
    receiver: s.receiver
      ? { name: s.receiver.name, signature: s.receiver.signature ?? null, userId: s.receiver.userId ?? null }
      : null,
    scannedLabels: (s.scannedLabels ?? []).map(formatLabelCode),
    photos: (s.photos ?? []).map((p) => ({
      id: p.id,
      contentType: p.contentType,
      size: p.size,
      uploadedAt: new Date(p.uploadedAt).toISOString(),
      uploadedBy: p.uploadedBy,
    })),
    receipt: s.receipt
      ? { userId: s.receipt.userId, name: s.receipt.name, at: new Date(s.receipt.at).toISOString() }
      : null,
    notes: s.notes ?? null,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export function presentShipment(s: ShipmentRecord): ShipmentDto {
  const id = s._id.toHexString();
  return {
    ...presentShipmentSummary(s),
    history: (s.history ?? []).map(presentUpdate),
    handovers: (s.handovers ?? []).map((h) => presentHandover(id, h)),
  };
}
