import { useQuery } from '@tanstack/react-query';
import type {
  CreateShipmentRequest,
  DriverDto,
  Page,
  ShipmentDto,
  ShipmentStatus,
  ShipmentSummaryDto,
  ShipmentUpdateRequest,
  StockRowDto,
  UpdateShipmentRequest,
} from '@karavan/shared';
import { request } from '../../../lib/api';
import { fetchAllPages } from '../../../lib/pages';
import { outbox, type OutboxEntry } from '../../../lib/outbox';
import { queryKeys } from '../../../lib/realtime/cache';
import { uuid } from '../../../lib/uuid';

export interface ShipmentFilters {
  status: ShipmentStatus | null;
  campaignId: string | null;
  driverId: string | null;
}

export function useShipmentList(filters: ShipmentFilters, paging: { limit: number; offset: number }) {
  const params = new URLSearchParams({ limit: String(paging.limit), offset: String(paging.offset) });
  if (filters.status) params.set('status', filters.status);
  if (filters.campaignId) params.set('campaignId', filters.campaignId);
  if (filters.driverId) params.set('driverId', filters.driverId);
  return useQuery({
    queryKey: [...queryKeys.shipments(), 'list', params.toString()],
    queryFn: () => request<Page<ShipmentSummaryDto>>('GET', `/api/shipments?${params.toString()}`),
    placeholderData: (previous) => previous,
  });
}

export function useShipmentDetail(id: string) {
  return useQuery({
    queryKey: queryKeys.shipment(id),
    queryFn: () => request<ShipmentDto>('GET', `/api/shipments/${encodeURIComponent(id)}`),
  });
}

export interface DriverChoice {
  id: string;
  name: string;
}

/** The active driver accounts a shipment may be given to (GET /api/drivers, every page). */
export function useDriverChoices() {
  return useQuery({
    queryKey: ['driver-choices'],
    staleTime: 5 * 60_000,
    queryFn: async (): Promise<DriverChoice[]> => {
      const page = await fetchAllPages<DriverDto>('/api/drivers');
      return page.items.map((driver) => ({
        id: driver.id,
        name: driver.phone ? `${driver.name} (${driver.phone})` : driver.name,
      }));
    },
  });
}

/** Every stock row of a campaign at a place (for the FEFO suggestion), all pages. */
export function useOriginStock(originId: string | null, campaignId: string | null, enabled = true) {
  return useQuery({
    queryKey: [...queryKeys.stock(), 'fefo', originId, campaignId],
    queryFn: () =>
      fetchAllPages<StockRowDto>(
        `/api/stock?${new URLSearchParams({ locationId: originId!, campaignId: campaignId! })}`,
      ),
    enabled: enabled && Boolean(originId && campaignId),
  });
}

/** Changes the plan of a shipment that has not left (PATCH; the server answers 409 once it has). */
export function updateShipment(id: string, body: UpdateShipmentRequest): Promise<ShipmentDto> {
  return request<ShipmentDto>('PATCH', `/api/shipments/${encodeURIComponent(id)}`, body);
}

/** Plans a shipment; the key makes a retried click count once. */
export function planShipment(body: CreateShipmentRequest, idempotencyKey: string): Promise<ShipmentDto> {
  return request<ShipmentDto>('POST', '/api/shipments', body, { 'Idempotency-Key': idempotencyKey });
}

export type StatusInput = Omit<ShipmentUpdateRequest, 'id' | 'at'>;

/**
 * Queues a status update in the outbox: its id is the update's `id` and the Idempotency-Key,
 * so however often it is sent it counts once, at the time it was made here.
 */
export function queueStatusUpdate(shipmentId: string, input: StatusInput): Promise<OutboxEntry> {
  const id = uuid();
  return outbox.add({
    id,
    method: 'POST',
    path: `/api/shipments/${encodeURIComponent(shipmentId)}/updates`,
    body: { id, at: new Date().toISOString(), ...input },
    meta: { kind: 'shipmentUpdate', shipmentId, status: input.status, checkpointId: input.checkpointId ?? null },
  });
}

/** Ticks a document of the checklist (through the outbox, like the driver's phone). */
export function queueDocumentTick(shipmentId: string, key: string, checked: boolean): Promise<OutboxEntry> {
  return outbox.add({
    method: 'POST',
    path: `/api/shipments/${encodeURIComponent(shipmentId)}/documents/${encodeURIComponent(key)}`,
    body: { checked },
    meta: { kind: 'shipmentDocument', shipmentId, key, checked },
  });
}
