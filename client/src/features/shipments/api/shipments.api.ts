import { useQuery } from '@tanstack/react-query';
import type {
  CreateShipmentRequest,
  Page,
  ShipmentDto,
  ShipmentStatus,
  ShipmentSummaryDto,
  ShipmentUpdateRequest,
  UserDto,
  VolunteerDto,
} from '@karavan/shared';
import { request } from '../../../lib/api';
import { outbox, type OutboxEntry } from '../../../lib/outbox';
import { queryKeys } from '../../../lib/realtime/cache';
import { uuid } from '../../../lib/uuid';

export interface ShipmentFilters {
  status: ShipmentStatus | null;
  campaignId: string | null;
  driverId: string | null;
}

export function useShipmentList(filters: ShipmentFilters, limit: number) {
  const params = new URLSearchParams({ limit: String(limit) });
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

/**
 * The accounts a shipment may be given to: users with the role driver for those who manage
 * users; for coordinators (who may not list accounts), the volunteers linked to an account.
 */
export function useDriverChoices(canListUsers: boolean) {
  return useQuery({
    queryKey: ['driver-choices', canListUsers],
    staleTime: 5 * 60_000,
    queryFn: async (): Promise<DriverChoice[]> => {
      if (canListUsers) {
        const page = await request<Page<UserDto>>('GET', '/api/users?role=driver&active=true&limit=200');
        return page.items.map((user) => ({ id: user.id, name: `${user.name} (${user.email})` }));
      }
      const page = await request<Page<VolunteerDto>>('GET', '/api/volunteers?limit=200');
      return page.items
        .filter((volunteer) => volunteer.userId)
        .map((volunteer) => ({ id: volunteer.userId!, name: volunteer.name }));
    },
  });
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
