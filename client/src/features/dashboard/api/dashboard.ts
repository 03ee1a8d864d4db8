import { useEffect, useState, useSyncExternalStore } from 'react';
import { useQuery, type QueryClient } from '@tanstack/react-query';
import {
  ON_THE_ROAD,
  wallClock,
  type CampaignProgressDto,
  type DonationsOverTimeDto,
  type LatestEventsPage,
  type Page,
  type ShipmentSummaryDto,
  type ShipmentSummaryPatch,
  type ShipmentUpdateDto,
} from '@karavan/shared';
import { request } from '../../../lib/api';
import type { DonationDto, StockRowDto } from '../../../lib/contracts';
import { liveEventListeners, queryKeys } from '../../../lib/realtime/cache';
import type { LiveEvent } from '../../../lib/realtime/realtime';

// "Trucks on the road": departed, at a checkpoint, arrived (not those still planned or loading).
export { ON_THE_ROAD };
const HOUR_MS = 3_600_000;

export const dashboardKeys = {
  stock: (campaignId: string) => ['dashboard', 'stock', campaignId] as const,
  shipments: (campaignId: string) => ['dashboard', 'shipments', campaignId] as const,
  donationsOverTime: (campaignId: string) => ['dashboard', 'donations-over-time', campaignId] as const,
  feedHistory: (campaignId: string) => ['dashboard', 'feed-history', campaignId] as const,
};

export function useProgress(campaignId: string) {
  return useQuery({
    queryKey: queryKeys.campaignProgress(campaignId),
    queryFn: () => request<CampaignProgressDto>('GET', `/api/campaigns/${campaignId}/progress`),
    staleTime: Infinity, // live events keep it current
  });
}

/** The campaign's stock, soonest expiry first (the 200 most urgent lots; the rest are safe). */
export function useCampaignStock(campaignId: string) {
  return useQuery({
    queryKey: dashboardKeys.stock(campaignId),
    queryFn: () => request<Page<StockRowDto>>('GET', `/api/stock?campaignId=${campaignId}&limit=200`),
    staleTime: Infinity,
  });
}

export function useRoadShipments(campaignId: string) {
  return useQuery({
    queryKey: dashboardKeys.shipments(campaignId),
    queryFn: () =>
      request<Page<ShipmentSummaryDto>>(
        'GET',
        `/api/shipments?campaignId=${campaignId}&limit=200&${ON_THE_ROAD.map((s) => `status=${s}`).join('&')}`,
      ),
    staleTime: Infinity,
  });
}

export function useDonationsOverTime(campaignId: string) {
  return useQuery({
    queryKey: dashboardKeys.donationsOverTime(campaignId),
    queryFn: () => request<DonationsOverTimeDto>('GET', `/api/campaigns/${campaignId}/donations-over-time?hours=48`),
    staleTime: 10 * 60_000,
  });
}

/** The events the feed is made of (progress snapshots give the written-off lines). */
const FEED_EVENTS = ['donation.recorded', 'shipment.updated', 'campaign.progress', 'stock.expiring'] as const;
const FEED_HISTORY = 75;

/**
 * The campaign's latest feed events from the server's log, so the feed is not empty on opening
 * (and is filled again when the room had to be reloaded after a long disconnect: its queries
 * under `['dashboard']` are invalidated then). Merged into the live feed by seq: an event that
 * also arrives live or through a catch-up shows once.
 */
export function useFeedHistory(campaignId: string, live: DashboardLive) {
  const history = useQuery({
    queryKey: dashboardKeys.feedHistory(campaignId),
    queryFn: () =>
      request<LatestEventsPage>(
        'GET',
        `/api/events/latest?${new URLSearchParams([
          ['room', `campaign:${campaignId}`],
          ['limit', String(FEED_HISTORY)],
          ...FEED_EVENTS.map((name) => ['name', name]),
        ]).toString()}`,
      ),
    staleTime: Infinity,
  });
  useEffect(() => {
    if (history.data) live.backfill(history.data.items as unknown as LiveEvent[]);
  }, [history.data, live]);
  return history;
}

/** One line of the live feed (`id`: its seq, and the item for written-off lines of one event). */
export type FeedEntry = { id: string; seq: number; at: string; campaignId: string } & (
  | { kind: 'donation'; donation: DonationDto }
  /** `shipment`: as the event carried it (a status update's event: its identity and what changed). */
  | { kind: 'shipment'; shipment: ShipmentSummaryPatch; status: string }
  | { kind: 'writtenOff'; itemId: string; quantity: number }
  /** A lot with 48 or 24 hours left, or just expired (0). */
  | { kind: 'expiring'; row: StockRowDto; hoursLeft: number }
);

/** The feed line of a `stock.expiring` alert. */
function expiringEntry(event: LiveEvent, at: string): FeedEntry {
  const row = event.payload.row as StockRowDto;
  return {
    id: String(event.seq),
    seq: event.seq,
    at,
    campaignId: row.campaignId,
    kind: 'expiring',
    row,
    hoursLeft: Number(event.payload.hoursLeft),
  };
}

const FEED_MAX = 100;

/** The feed and the time of the last event, kept while the dashboard is open. */
export class DashboardLive {
  feed: FeedEntry[] = [];
  lastEventAt: number | null = null;
  private readonly ids = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private writtenOff = new Map<string, Map<string, number>>();
  /** Events up to the first snapshot's seq happened before the page opened (a catch-up may replay them). */
  private floor: number | null = null;

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  getFeed = () => this.feed;
  getLast = () => this.lastEventAt;

  private push(entry: FeedEntry) {
    if (this.floor !== null && entry.seq <= this.floor) return;
    this.add([entry]);
  }

  /** Adds entries not shown yet (the same event live, from a catch-up and from the history: once). */
  private add(entries: FeedEntry[]) {
    const fresh = entries.filter((entry) => !this.ids.has(entry.id));
    if (fresh.length === 0) return;
    fresh.forEach((entry) => this.ids.add(entry.id));
    this.feed = [...fresh, ...this.feed].sort((a, b) => b.seq - a.seq || a.id.localeCompare(b.id)).slice(0, FEED_MAX);
  }

  /**
   * The feed's history from the server's log (oldest first): the lines it gives, whatever the
   * snapshot's seq; written-off lines from the increase between two progress snapshots in it.
   */
  backfill(events: LiveEvent[]) {
    const entries: FeedEntry[] = [];
    const writtenOff = new Map<string, Map<string, number>>();
    for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
      const payload = event.payload;
      const at = typeof payload.at === 'string' ? payload.at : new Date().toISOString();
      if (event.name === 'donation.recorded') {
        const donation = payload.donation as DonationDto;
        entries.push({
          id: String(event.seq),
          seq: event.seq,
          at,
          campaignId: donation.campaignId,
          kind: 'donation',
          donation,
        });
      } else if (event.name === 'shipment.updated') {
        const shipment = payload.shipment as ShipmentSummaryPatch;
        const update = payload.update as ShipmentUpdateDto | null;
        if (update) {
          entries.push({
            id: String(event.seq),
            seq: event.seq,
            at,
            campaignId: shipment.campaignId,
            kind: 'shipment',
            shipment,
            status: update.status,
          });
        }
      } else if (event.name === 'stock.expiring') {
        entries.push(expiringEntry(event, at));
      } else if (event.name === 'campaign.progress') {
        const progress = payload.progress as CampaignProgressDto;
        const known = writtenOff.get(progress.campaignId);
        if (known) entries.push(...writtenOffEntries(known, progress, event.seq, at));
        else writtenOff.set(progress.campaignId, new Map(progress.items.map((item) => [item.itemId, item.writtenOff])));
      }
    }
    this.add(entries);
    this.listeners.forEach((listener) => listener());
  }

  /** Remembers the written-off totals a progress snapshot shows (the feed reports increases). */
  rememberProgress(progress: CampaignProgressDto) {
    this.floor ??= progress.seq;
    this.lastEventAt = Math.max(this.lastEventAt ?? 0, Date.now());
    this.listeners.forEach((listener) => listener());
    const known = this.writtenOff.get(progress.campaignId) ?? new Map<string, number>();
    for (const item of progress.items) if (!known.has(item.itemId)) known.set(item.itemId, item.writtenOff);
    this.writtenOff.set(progress.campaignId, known);
  }

  handle = (queryClient: QueryClient, event: LiveEvent) => {
    const payload = event.payload;
    const at = typeof payload.at === 'string' ? payload.at : new Date().toISOString();
    this.lastEventAt = Date.now();
    switch (event.name) {
      case 'donation.recorded': {
        const donation = payload.donation as DonationDto;
        this.push({
          id: String(event.seq),
          seq: event.seq,
          at,
          campaignId: donation.campaignId,
          kind: 'donation',
          donation,
        });
        bumpChart(queryClient, donation, 1);
        break;
      }
      case 'donation.voided':
        bumpChart(queryClient, payload.donation as DonationDto, -1);
        break;
      case 'shipment.updated': {
        const shipment = payload.shipment as ShipmentSummaryPatch;
        const update = payload.update as ShipmentUpdateDto | null;
        if (update) {
          this.push({
            id: String(event.seq),
            seq: event.seq,
            at,
            campaignId: shipment.campaignId,
            kind: 'shipment',
            shipment,
            status: update.status,
          });
        }
        // A status update's event has only what changed: it is merged into the truck's row; a
        // truck that has just taken the road and is not in the list yet is read again.
        let unknownTruck = false;
        queryClient.setQueryData<Page<ShipmentSummaryDto>>(dashboardKeys.shipments(shipment.campaignId), (page) => {
          if (!page) return page;
          const known = page.items.find((item) => item.id === shipment.id);
          const others = page.items.filter((item) => item.id !== shipment.id);
          const onRoad = (ON_THE_ROAD as readonly string[]).includes(shipment.status);
          if (onRoad && !known && payload.partial) {
            unknownTruck = true;
            return page;
          }
          const items = onRoad ? [{ ...known, ...shipment } as ShipmentSummaryDto, ...others] : others;
          return { ...page, items, total: page.total + (items.length - page.items.length) };
        });
        if (unknownTruck)
          void queryClient.invalidateQueries({ queryKey: dashboardKeys.shipments(shipment.campaignId) });
        break;
      }
      case 'stock.changed': {
        const rows = payload.rows as StockRowDto[];
        const byCampaign = new Map<string, StockRowDto[]>();
        for (const row of rows) byCampaign.set(row.campaignId, [...(byCampaign.get(row.campaignId) ?? []), row]);
        for (const [campaignId, changed] of byCampaign) {
          queryClient.setQueryData<Page<StockRowDto>>(dashboardKeys.stock(campaignId), (page) =>
            page ? { ...page, items: mergeRows(page.items, changed) } : page,
          );
        }
        break;
      }
      case 'stock.expiring':
        this.push(expiringEntry(event, at));
        break;
      case 'campaign.progress': {
        const progress = payload.progress as CampaignProgressDto;
        const known = this.writtenOff.get(progress.campaignId);
        if (known) writtenOffEntries(known, progress, event.seq, at).forEach((entry) => this.push(entry));
        break;
      }
      default:
        return;
    }
    this.listeners.forEach((listener) => listener());
  };
}

/** Lines for what a progress snapshot shows written off beyond `known` (which it then updates). */
function writtenOffEntries(
  known: Map<string, number>,
  progress: CampaignProgressDto,
  seq: number,
  at: string,
): FeedEntry[] {
  const entries: FeedEntry[] = [];
  for (const item of progress.items) {
    const before = known.get(item.itemId) ?? 0;
    if (item.writtenOff > before) {
      entries.push({
        id: `${seq}:${item.itemId}`,
        seq,
        at,
        campaignId: progress.campaignId,
        kind: 'writtenOff',
        itemId: item.itemId,
        quantity: item.writtenOff - before,
      });
    }
    known.set(item.itemId, item.writtenOff);
  }
  return entries;
}

const rowKey = (row: StockRowDto) => `${row.locationId}:${row.lotId}`;

/** The changed rows replace theirs (empty ones leave); the list stays soonest expiry first. */
export function mergeRows(rows: StockRowDto[], changed: StockRowDto[]): StockRowDto[] {
  const byKey = new Map(rows.map((row) => [rowKey(row), row]));
  for (const row of changed) {
    if (row.onHand > 0) byKey.set(rowKey(row), row);
    else byKey.delete(rowKey(row));
  }
  return [...byKey.values()].sort(
    (a, b) => (a.expiresAt ?? '9999').localeCompare(b.expiresAt ?? '9999') || a.lotId.localeCompare(b.lotId),
  );
}

function bumpChart(queryClient: QueryClient, donation: DonationDto, sign: 1 | -1) {
  const hour = new Date(Math.floor(new Date(donation.receivedAt).getTime() / HOUR_MS) * HOUR_MS).toISOString();
  const quantity = donation.lines.reduce((sum, line) => sum + line.quantity, 0);
  queryClient.setQueryData<DonationsOverTimeDto>(dashboardKeys.donationsOverTime(donation.campaignId), (old) => {
    if (!old) return old;
    const buckets = old.buckets.map((bucket) =>
      bucket.at === hour
        ? { ...bucket, donations: bucket.donations + sign, quantity: bucket.quantity + sign * quantity }
        : bucket,
    );
    const last = old.buckets[old.buckets.length - 1];
    if (last && hour > last.at && sign > 0) {
      const clock = wallClock(new Date(hour), old.timeZone);
      buckets.push({ at: hour, local: `${clock.date} ${clock.time}`, donations: 1, quantity });
      buckets.shift();
    }
    return { ...old, buckets };
  });
}

/** Listens to the realtime provider's events while the dashboard is mounted. */
export function useDashboardLive(): DashboardLive {
  const [live] = useState(() => new DashboardLive());
  useEffect(() => {
    liveEventListeners.add(live.handle);
    return () => {
      liveEventListeners.delete(live.handle);
    };
  }, [live]);
  return live;
}

export function useFeed(live: DashboardLive): FeedEntry[] {
  return useSyncExternalStore(live.subscribe, live.getFeed);
}

export function useLastEventAt(live: DashboardLive): number | null {
  return useSyncExternalStore(live.subscribe, live.getLast);
}
