import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { invalidateEntity } from '../../../lib/writes';
import type {
  AdjustmentRequest,
  ExpiredWriteOffDto,
  MovementDto,
  Page,
  StockChangeDto,
  StockRowDto,
  WriteOffRequest,
} from '@karavan/shared';
import { request } from '../../../lib/api';
import { queryKeys } from '../../../lib/realtime/cache';

export interface StockFilters {
  locationId: string | null;
  itemId: string | null;
  campaignId: string | null;
  /** Only lots expiring within this many hours (empty: all). */
  expiringWithinHours: number | null;
}

export function useStock(filters: StockFilters, paging: { limit: number; offset: number }) {
  const params = new URLSearchParams({ limit: String(paging.limit), offset: String(paging.offset) });
  if (filters.locationId) params.set('locationId', filters.locationId);
  if (filters.itemId) params.set('itemId', filters.itemId);
  if (filters.campaignId) params.set('campaignId', filters.campaignId);
  if (filters.expiringWithinHours !== null) params.set('expiringWithinHours', String(filters.expiringWithinHours));
  return useQuery({
    queryKey: [...queryKeys.stock(), 'list', params.toString()],
    queryFn: () => request<Page<StockRowDto>>('GET', `/api/stock?${params.toString()}`),
    placeholderData: (previous) => previous,
  });
}

export function useLotMovements(row: StockRowDto | null) {
  return useQuery({
    queryKey: ['movements', row?.locationId, row?.lotId],
    enabled: row !== null,
    queryFn: () =>
      request<Page<MovementDto>>('GET', `/api/movements?locationId=${row!.locationId}&lotId=${row!.lotId}&limit=100`),
  });
}

export const writeOff = (body: WriteOffRequest, key: string) =>
  request<StockChangeDto>('POST', '/api/stock/write-offs', body, { 'Idempotency-Key': key });

export const adjust = (body: AdjustmentRequest, key: string) =>
  request<StockChangeDto>('POST', '/api/stock/adjustments', body, { 'Idempotency-Key': key });

/** Lots past their expiry (at one place, or everywhere): what waits to be written off. */
export function useExpiredStock(locationId: string | null) {
  const params = new URLSearchParams({ expired: 'true', limit: '200' });
  if (locationId) params.set('locationId', locationId);
  return useQuery({
    queryKey: [...queryKeys.stock(), 'expired', params.toString()],
    queryFn: () => request<Page<StockRowDto>>('GET', `/api/stock?${params.toString()}`),
  });
}

/** Writes off everything expired at a place (one Idempotency-Key per click: a retry writes off once). */
export function useWriteOffExpired() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ locationId, key }: { locationId: string; key: string }) =>
      request<ExpiredWriteOffDto>('POST', '/api/stock/write-offs/expired', { locationId }, { 'Idempotency-Key': key }),
    onSettled: () => invalidateEntity(queryClient, 'stock'),
  });
}
