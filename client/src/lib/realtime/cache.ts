import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { Page } from '@karavan/shared';
import type { DonationDto, ShipmentDto } from '../contracts';
import type { LiveEvent } from './realtime';

/**
 * The query keys of the client cache. Screens read through these keys; live events update the
 * entries in place (no refetch per event) or mark them stale when the event does not carry
 * enough to update them.
 */
export const queryKeys = {
  items: (q: string) => ['items', { q }] as const,
  item: (id: string) => ['item', id] as const,
  locations: () => ['locations'] as const,
  campaigns: () => ['campaigns'] as const,
  donations: (locationId: string) => ['donations', { locationId }] as const,
  stock: () => ['stock'] as const,
  campaignProgress: (campaignId: string) => ['campaign-progress', campaignId] as const,
  shipments: () => ['shipments'] as const,
  shipment: (id: string) => ['shipment', id] as const,
  volunteers: () => ['volunteers'] as const,
};

function upsertDonation(page: Page<DonationDto> | undefined, donation: DonationDto): Page<DonationDto> | undefined {
  if (!page) return page;
  const index = page.items.findIndex((item) => item.id === donation.id);
  if (index >= 0) {
    const items = [...page.items];
    items[index] = donation;
    return { ...page, items };
  }
  return { ...page, items: [donation, ...page.items].slice(0, page.limit), total: page.total + 1 };
}

function replaceShipment(page: Page<ShipmentDto> | undefined, shipment: ShipmentDto): Page<ShipmentDto> | undefined {
  if (!page || !page.items.some((item) => item.id === shipment.id)) return page;
  return { ...page, items: page.items.map((item) => (item.id === shipment.id ? { ...item, ...shipment } : item)) };
}

/** Screens that derive more from events (the dashboard's feed) listen here; each event comes once. */
export const liveEventListeners = new Set<(queryClient: QueryClient, event: LiveEvent) => void>();

/** Applies one live event to the cache. */
export function applyEvent(queryClient: QueryClient, event: LiveEvent): void {
  for (const listener of liveEventListeners) {
    try {
      listener(queryClient, event);
    } catch {
      // a listener's failure must not stop the cache update
    }
  }
  const payload = event.payload;
  switch (event.name) {
    case 'donation.recorded':
    case 'donation.voided': {
      const donation = payload.donation as DonationDto | undefined;
      if (!donation?.id) break;
      queryClient.setQueryData<Page<DonationDto>>(queryKeys.donations(donation.locationId), (page) =>
        upsertDonation(page, donation),
      );
      void queryClient.invalidateQueries({ queryKey: queryKeys.stock() });
      break;
    }
    case 'stock.changed':
    case 'stock.expiring':
      void queryClient.invalidateQueries({ queryKey: queryKeys.stock() });
      break;
    case 'campaign.progress': {
      const progress = payload.progress as { campaignId?: string; seq?: number } | undefined;
      if (!progress?.campaignId) break;
      queryClient.setQueryData<{ seq?: number }>(queryKeys.campaignProgress(progress.campaignId), (old) =>
        old?.seq !== undefined && progress.seq !== undefined && old.seq > progress.seq ? old : progress,
      );
      break;
    }
    case 'shipment.updated': {
      // The whole summary, or (a status update's event) its identity and what changed: merged
      // into the copies the client has; a list without this shipment is left to its next read.
      const shipment = payload.shipment as ShipmentDto | undefined;
      if (!shipment?.id) break;
      queryClient.setQueryData<ShipmentDto>(queryKeys.shipment(shipment.id), (old) =>
        old ? { ...old, ...shipment, history: shipment.history ?? old.history } : old,
      );
      queryClient.setQueriesData<Page<ShipmentDto>>({ queryKey: queryKeys.shipments() }, (page) =>
        replaceShipment(page, shipment),
      );
      // The event may not carry the whole history: read the one shipment again.
      if (!shipment.history) void queryClient.invalidateQueries({ queryKey: queryKeys.shipment(shipment.id) });
      break;
    }
    case 'volunteer.changed':
      void queryClient.invalidateQueries({ queryKey: queryKeys.volunteers() });
      break;
  }
}

/** What to load again when a room's events before now are not known (first join, lost log). */
export function roomQueries(room: string): QueryKey[] {
  const [kind, id] = room.split(':') as [string, string | undefined];
  switch (kind) {
    case 'shipment':
      return id ? [queryKeys.shipment(id), queryKeys.shipments()] : [];
    case 'location':
      return id ? [queryKeys.donations(id), queryKeys.stock()] : [];
    case 'campaign':
      return id ? [queryKeys.campaignProgress(id), queryKeys.stock(), queryKeys.shipments()] : [];
    case 'dashboard':
      return [queryKeys.stock(), queryKeys.shipments(), ['campaign-progress'], ['donations'], ['dashboard']];
    default:
      return [];
  }
}
