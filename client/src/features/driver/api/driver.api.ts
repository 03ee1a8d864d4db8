import { useQuery } from '@tanstack/react-query';
import type { LabelDto, Page } from '@karavan/shared';
import { request } from '../../../lib/api';
import { signUpdate } from '../../../lib/device-key';
import type { CreateShipmentUpdateRequest, ShipmentDto, ShipmentStatus } from '../../../lib/contracts';
import { outbox, type OutboxEntry } from '../../../lib/outbox';
import { queryKeys } from '../../../lib/realtime/cache';
import { getSession } from '../../../lib/session';
import { uuid } from '../../../lib/uuid';

/** The shipments the server shows this user: for a driver, their own. */
export function useMyShipments() {
  return useQuery({
    queryKey: queryKeys.shipments(),
    queryFn: () => request<Page<ShipmentDto>>('GET', '/api/shipments?limit=100'),
  });
}

export function useShipment(id: string) {
  return useQuery({
    queryKey: queryKeys.shipment(id),
    queryFn: () => request<ShipmentDto>('GET', `/api/shipments/${encodeURIComponent(id)}`),
  });
}

/**
 * The shipment's current crate labels (receive by scanning). Kept under the shipment's key, so
 * the saved query cache has them on the phone offline.
 */
export function useShipmentLabels(id: string) {
  return useQuery({
    queryKey: [...queryKeys.shipment(id), 'labels'],
    queryFn: () => request<{ items: LabelDto[] }>('GET', `/api/shipments/${encodeURIComponent(id)}/labels`),
    staleTime: 60_000,
  });
}

export type UpdateInput = Omit<CreateShipmentUpdateRequest, 'id' | 'at'>;

/**
 * Queues a status update. Its id is made here and is both the update's `id` and the request's
 * Idempotency-Key: however often the outbox sends it, it counts once, at the device's time.
 */
export async function sendUpdate(shipmentId: string, input: UpdateInput): Promise<OutboxEntry> {
  const id = uuid();
  const session = getSession();
  // Signed by this phone's device key when it has a registered one (chain of custody), offline too.
  const body = await signUpdate(session.status === 'signedIn' ? session.user.id : null, shipmentId, {
    id,
    at: new Date().toISOString(),
    ...input,
  } satisfies CreateShipmentUpdateRequest);
  return outbox.add({
    id,
    method: 'POST',
    path: `/api/shipments/${encodeURIComponent(shipmentId)}/updates`,
    body,
    meta: { kind: 'shipmentUpdate', shipmentId, status: input.status, checkpointId: input.checkpointId ?? null },
  });
}

/** Ticks (or unticks) a document of the shipment's checklist; sent through the outbox. */
export function tickDocument(shipmentId: string, key: string, checked: boolean): Promise<OutboxEntry> {
  return outbox.add({
    method: 'POST',
    path: `/api/shipments/${encodeURIComponent(shipmentId)}/documents/${encodeURIComponent(key)}`,
    body: { checked },
    meta: { kind: 'shipmentDocument', shipmentId, key, checked },
  });
}

/** Switches the driver's privacy mode for the shipment (the server then keeps no position on the road). */
export function setPrivacy(shipmentId: string, privacyMode: boolean): Promise<OutboxEntry> {
  return outbox.add({
    method: 'PATCH',
    path: `/api/shipments/${encodeURIComponent(shipmentId)}/privacy`,
    body: { privacyMode },
    meta: { kind: 'shipmentPrivacy', shipmentId, privacyMode },
  });
}

/** What the waiting entries of a shipment will change, the latest of each winning. */
export function pendingChanges(entries: readonly OutboxEntry[], shipmentId: string) {
  const documents = new Map<string, boolean>();
  let privacyMode: boolean | undefined;
  for (const entry of entries) {
    if (entry.meta.shipmentId !== shipmentId || entry.needsAttention) continue;
    if (entry.meta.kind === 'shipmentDocument') documents.set(String(entry.meta.key), entry.meta.checked === true);
    if (entry.meta.kind === 'shipmentPrivacy') privacyMode = entry.meta.privacyMode === true;
  }
  return { documents, privacyMode };
}

/** The updates of a shipment still waiting in the outbox, oldest first. */
export function waitingUpdates(entries: readonly OutboxEntry[], shipmentId: string): OutboxEntry[] {
  return entries.filter((entry) => entry.meta.kind === 'shipmentUpdate' && entry.meta.shipmentId === shipmentId);
}

/** The status the shipment will have once what waits has arrived: what the driver acts on. */
export function effectiveStatus(shipment: ShipmentDto, waiting: readonly OutboxEntry[]): ShipmentStatus {
  const last = [...waiting].reverse().find((entry) => !entry.needsAttention);
  return (last?.meta.status as ShipmentStatus | undefined) ?? shipment.status;
}

/** Position from the browser, or undefined when it is off, refused or too slow. */
export function currentPosition(): Promise<{ lat: number; lng: number; accuracyM?: number } | undefined> {
  if (!('geolocation' in navigator)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (found) =>
        resolve({
          lat: Number(found.coords.latitude.toFixed(6)),
          lng: Number(found.coords.longitude.toFixed(6)),
          accuracyM: Math.round(found.coords.accuracy),
        }),
      () => resolve(undefined),
      { enableHighAccuracy: false, timeout: 6_000, maximumAge: 120_000 },
    );
  });
}
