import { useQuery } from '@tanstack/react-query';
import type { Page } from '@karavan/shared';
import { request } from '../../../lib/api';
import type { CreateDonationRequest, DonationDto, ItemDto } from '../../../lib/contracts';
import { ApiRequestError, type ClientErrorCode } from '../../../lib/http';
import { outbox, type OutboxEntry } from '../../../lib/outbox';
import { queryKeys } from '../../../lib/realtime/cache';
import { getAccessToken, refreshSession } from '../../../lib/session';

export const RECENT_LIMIT = 20;

/**
 * The point's donations, newest first, a page at a time. The first page keeps the key that live
 * `donation.recorded` events write into; older pages are keyed by their offset under it.
 */
export function useRecentDonations(locationId: string | null, offset = 0) {
  return useQuery({
    queryKey: offset === 0 ? queryKeys.donations(locationId ?? '') : [...queryKeys.donations(locationId ?? ''), offset],
    queryFn: () =>
      request<Page<DonationDto>>(
        'GET',
        `/api/donations?${new URLSearchParams({ locationId: locationId ?? '', limit: String(RECENT_LIMIT), offset: String(offset) })}`,
      ),
    enabled: Boolean(locationId),
    placeholderData: (previous) => previous,
  });
}

/** Items matching what was typed, from the server (the full list is searched locally too). */
export function useItemSearch(q: string) {
  return useQuery({
    queryKey: queryKeys.items(q),
    queryFn: () =>
      request<Page<ItemDto>>('GET', `/api/items?${new URLSearchParams({ q, limit: '20', active: 'true' })}`),
    enabled: q.trim().length >= 2,
    staleTime: 60_000,
  });
}

/** Queues a donation; it reaches the server now or when the network is back, once. */
export function recordDonation(body: CreateDonationRequest, summary: string): Promise<OutboxEntry> {
  return outbox.add({
    method: 'POST',
    path: '/api/donations',
    body,
    meta: { kind: 'donation', locationId: body.locationId, summary, receivedAt: body.receivedAt ?? null },
  });
}

export function voidDonation(donation: DonationDto, reason: string, summary: string): Promise<OutboxEntry> {
  return outbox.add({
    method: 'POST',
    path: `/api/donations/${donation.id}/void`,
    body: { reason },
    meta: { kind: 'donationVoid', locationId: donation.locationId, donationId: donation.id, summary },
  });
}

/**
 * Opens the donor's receipt for printing. The receipt needs the access token, which a new tab
 * would not have: it is fetched here and shown from memory.
 */
export async function openReceipt(donationId: string, target: Window | null): Promise<void> {
  const path = `/api/donations/${donationId}/receipt`;
  const fetchHtml = async () => {
    const response = await fetch(path, {
      headers: { Accept: 'text/html', Authorization: `Bearer ${getAccessToken() ?? ''}` },
    });
    return response;
  };
  let response: Response;
  try {
    response = await fetchHtml();
    if (response.status === 401) {
      await refreshSession();
      response = await fetchHtml();
    }
  } catch (error) {
    target?.close();
    throw error instanceof ApiRequestError ? error : new ApiRequestError(0, 'NETWORK');
  }
  if (!response.ok) {
    target?.close();
    const body = (await response.json().catch(() => undefined)) as { code?: ClientErrorCode } | undefined;
    throw new ApiRequestError(response.status, body?.code ?? 'INTERNAL');
  }
  const html = await response.text();
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  if (target) {
    target.location.href = url;
    target.addEventListener('load', () => target.print(), { once: true });
  } else {
    window.open(url, '_blank');
  }
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
