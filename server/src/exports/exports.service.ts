import type { mongo } from 'mongoose';
import {
  localize,
  wallClock,
  type ExportDonationsQuery,
  type ExportMovementsQuery,
  type ExportShipmentsQuery,
  type ExportStockQuery,
  type LocalizedText,
  type Locale,
  type ShipmentStatus,
} from '@karavan/shared';
import { Campaign, defaultTimeZone } from '../campaigns';
import { Donation, type DonationDoc } from '../donations';
import { Item } from '../items';
import { Location } from '../locations';
import { Shipment } from '../shipments';
import { Balance, isExpired, walkScope, type MovementDoc } from '../stock';
import { User } from '../users';

/*
 * The rows of each export, as async generators over cursors (or the ledger index, for
 * movements): nothing holds the whole selection, so a million rows stream in constant memory
 * (the movement walk remembers the ids it has passed, to drop repeats, as the ledger list does).
 * The filters are the list routes' own, applied the same way, so an export has exactly the rows
 * of the list's pages. Names of items, places and campaigns come from small lookup tables read
 * once per export.
 */

export type Cell = string | number | boolean | null;
export interface Table {
  /** Column names (the first header row). */
  columns: string[];
  /** HXL hashtags, one per column (the second header row with `format=hxl`). */
  hxl: string[];
  rows: AsyncIterable<Cell[]>;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

interface Names {
  item(id: string): { name: string; unit: string };
  location(id: string | null): { name: string; kind: string; address: string };
  campaign(id: string): string;
  /** The campaign's IANA time zone (KARAVAN_TIME_ZONE for an unknown campaign). */
  zone(campaignId: string): string;
}

/** A time on a campaign's clock, as people read it: `2026-12-05 10:25` (the human columns). */
const local = (d: Date | null | undefined, zone: string) => {
  if (!d) return null;
  const clock = wallClock(new Date(d), zone);
  return `${clock.date} ${clock.time}`;
};

/** Names in the asked language, falling back to Russian where a translation is missing. */
async function names(lang: Locale): Promise<Names> {
  const [items, locations, campaigns] = await Promise.all([
    Item.find({}, { name: 1, baseUnit: 1 }).lean(),
    Location.find({}, { name: 1, kind: 1, address: 1 }).lean(),
    Campaign.find({}, { name: 1, timeZone: 1 }).lean(),
  ]);
  const itemMap = new Map(items.map((i) => [i._id.toHexString(), { name: localize(i.name, lang), unit: i.baseUnit }]));
  const locMap = new Map(
    locations.map((l) => [
      l._id.toHexString(),
      { name: localize(l.name as LocalizedText | string, lang), kind: l.kind, address: l.address ?? '' },
    ]),
  );
  const campMap = new Map(
    campaigns.map((c) => [
      c._id.toHexString(),
      { name: localize(c.name as LocalizedText | string, lang), zone: c.timeZone ?? defaultTimeZone() },
    ]),
  );
  return {
    item: (id) => itemMap.get(id) ?? { name: '', unit: '' },
    location: (id) => (id ? locMap.get(id) : undefined) ?? { name: '', kind: '', address: '' },
    campaign: (id) => campMap.get(id)?.name ?? '',
    zone: (id) => campMap.get(id)?.zone ?? defaultTimeZone(),
  };
}

/** Donations, one row per line, in the order they were recorded. */
export async function donationsTable(query: ExportDonationsQuery): Promise<Table> {
  const n = await names(query.lang ?? 'ru');
  const filter: mongo.Filter<DonationDoc> = {};
  if (query.campaignId) filter.campaignId = query.campaignId;
  if (query.locationId) filter.locationId = query.locationId;
  if (query.from || query.to) {
    filter.receivedAt = {
      ...(query.from ? { $gte: new Date(query.from) } : {}),
      ...(query.to ? { $lt: new Date(query.to) } : {}),
    };
  }
  if (query.voided !== undefined) filter.voided = query.voided ? { $ne: null } : null;
  const cursor = (Donation.collection as unknown as mongo.Collection<DonationDoc>).find(filter);
  async function* rows(): AsyncIterable<Cell[]> {
    for await (const d of cursor) {
      const where = n.location(d.locationId);
      for (const [i, line] of d.lines.entries()) {
        const item = n.item(line.itemId);
        yield [
          d._id,
          i + 1,
          iso(d.receivedAt),
          d.campaignId,
          n.campaign(d.campaignId),
          d.locationId,
          where.name,
          where.address,
          d.donor.kind,
          d.donor.kind === 'anonymous' ? null : d.donor.name,
          line.itemId,
          item.name,
          line.quantity,
          item.unit,
          line.lotId,
          iso(line.expiresAt),
          d.voided ? 'voided' : 'recorded',
          local(d.receivedAt, n.zone(d.campaignId)),
          n.zone(d.campaignId),
        ];
      }
    }
  }
  return {
    columns: [
      'donation_id',
      'line',
      'received_at',
      'campaign_id',
      'campaign',
      'location_id',
      'location',
      'address',
      'donor_kind',
      'donor',
      'item_id',
      'item',
      'quantity',
      'unit',
      'lot_id',
      'expires_at',
      'status',
      'received_local',
      'time_zone',
    ],
    hxl: [
      '#meta+id',
      '#meta+line',
      '#date+received',
      '#activity+code',
      '#activity+name',
      '#loc+code',
      '#loc+name',
      '#loc+address',
      '#org+donor+type',
      '#org+donor+name',
      '#item+code',
      '#item+name',
      '#item+num',
      '#item+unit',
      '#item+lot',
      '#date+expiry',
      '#status',
      '#date+received+local',
      '#meta+timezone',
    ],
    rows: rows(),
  };
}

interface BalanceDoc {
  _id: string;
  locationId: string;
  lotId: string;
  itemId: string;
  campaignId: string;
  expiresAt: Date | null;
  onHand: number;
  reserved: number;
  available: number;
}

/** Stock per location and lot, soonest expiry first (the list's filters and order). */
export async function stockTable(query: ExportStockQuery): Promise<Table> {
  const n = await names(query.lang ?? 'ru');
  const filter: mongo.Filter<BalanceDoc> = {};
  if (query.locationId) filter.locationId = query.locationId;
  if (query.itemId) filter.itemId = query.itemId;
  if (query.campaignId) filter.campaignId = query.campaignId;
  if (!query.includeEmpty) filter.onHand = { $gt: 0 };
  if (query.expiringWithinHours !== undefined) {
    filter.expiresAt = { $ne: null, $lte: new Date(Date.now() + query.expiringWithinHours * 3_600_000) };
  }
  // Balances are one per location and lot: a small collection, sorted like the list.
  const docs = await (Balance.collection as unknown as mongo.Collection<BalanceDoc>).find(filter).toArray();
  docs.sort(
    (a, b) =>
      (a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) - (b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) ||
      a._id.localeCompare(b._id),
  );
  const now = new Date();
  async function* rows(): AsyncIterable<Cell[]> {
    for (const b of docs) {
      const where = n.location(b.locationId);
      const item = n.item(b.itemId);
      yield [
        b.locationId,
        where.name,
        where.kind,
        b.campaignId,
        n.campaign(b.campaignId),
        b.itemId,
        item.name,
        item.unit,
        b.lotId,
        iso(b.expiresAt),
        b.onHand,
        b.reserved,
        b.onHand - b.reserved,
        isExpired(b.expiresAt ?? null, now) ? 'expired' : 'good',
        local(b.expiresAt, n.zone(b.campaignId)),
        n.zone(b.campaignId),
      ];
    }
  }
  return {
    columns: [
      'location_id',
      'location',
      'location_kind',
      'campaign_id',
      'campaign',
      'item_id',
      'item',
      'unit',
      'lot_id',
      'expires_at',
      'on_hand',
      'reserved',
      'available',
      'status',
      'expires_local',
      'time_zone',
    ],
    hxl: [
      '#loc+code',
      '#loc+name',
      '#loc+type',
      '#activity+code',
      '#activity+name',
      '#item+code',
      '#item+name',
      '#item+unit',
      '#item+lot',
      '#date+expiry',
      '#item+num+onhand',
      '#item+num+reserved',
      '#item+num+available',
      '#status',
      '#date+expiry+local',
      '#meta+timezone',
    ],
    rows: rows(),
  };
}

/** The ledger, oldest first, through the ledger index (the list's scope choice and filters). */
export async function movementsTable(query: ExportMovementsQuery): Promise<Table> {
  const n = await names(query.lang ?? 'ru');
  const scope = query.donationId
    ? `donation:${query.donationId}`
    : query.shipmentId
      ? `shipment:${query.shipmentId}`
      : query.locationId
        ? `location:${query.locationId}`
        : query.campaignId
          ? `campaign:${query.campaignId}`
          : 'all';
  const keys = ['locationId', 'itemId', 'campaignId', 'kind', 'shipmentId', 'donationId', 'lotId'] as const;
  const wanted = keys.filter((k) => query[k] !== undefined);
  const matches = (m: MovementDoc) => wanted.every((k) => m[k] === query[k]);
  async function* rows(): AsyncIterable<Cell[]> {
    for await (const page of walkScope(scope, 'oldest', 1_000)) {
      for (const m of page) {
        if (!matches(m)) continue;
        const where = n.location(m.locationId);
        const item = n.item(m.itemId);
        yield [
          m._id,
          iso(m.at),
          m.kind,
          m.locationId,
          where.name,
          m.campaignId,
          n.campaign(m.campaignId),
          m.itemId,
          item.name,
          m.quantity,
          item.unit,
          m.lotId,
          iso(m.expiresAt),
          m.reason,
          m.note,
          m.donationId,
          m.shipmentId,
          m.actorId,
          local(m.at, n.zone(m.campaignId)),
          n.zone(m.campaignId),
        ];
      }
    }
  }
  return {
    columns: [
      'movement_id',
      'at',
      'kind',
      'location_id',
      'location',
      'campaign_id',
      'campaign',
      'item_id',
      'item',
      'quantity',
      'unit',
      'lot_id',
      'expires_at',
      'reason',
      'note',
      'donation_id',
      'shipment_id',
      'actor_id',
      'at_local',
      'time_zone',
    ],
    hxl: [
      '#meta+id',
      '#date',
      '#status+kind',
      '#loc+code',
      '#loc+name',
      '#activity+code',
      '#activity+name',
      '#item+code',
      '#item+name',
      '#item+num',
      '#item+unit',
      '#item+lot',
      '#date+expiry',
      '#status+reason',
      '#description',
      '#meta+donation',
      '#meta+shipment',
      '#contact+code',
      '#date+local',
      '#meta+timezone',
    ],
    rows: rows(),
  };
}

const ACTIVE: ShipmentStatus[] = ['planned', 'loading', 'departed', 'at_checkpoint', 'arrived'];

/** Shipments, one row per manifest line, in the order they were planned. */
export async function shipmentsTable(query: ExportShipmentsQuery): Promise<Table> {
  const n = await names(query.lang ?? 'ru');
  const filter: Record<string, unknown> = {};
  if (query.driverId) filter.driverId = query.driverId;
  if (query.campaignId) filter.campaignId = query.campaignId;
  const statuses = query.status?.length ? query.status : null;
  if (statuses && query.active) filter.status = { $in: statuses.filter((s) => ACTIVE.includes(s)) };
  else if (statuses) filter.status = { $in: statuses };
  else if (query.active) filter.status = { $in: ACTIVE };
  else if (query.active === false) filter.status = { $in: ['delivered', 'cancelled'] };
  const drivers = new Map(
    (await User.find({ role: 'driver' }, { name: 1 }).lean()).map((u) => [u._id.toHexString(), u.name]),
  );
  const cursor = Shipment.collection.find(filter, { projection: { history: 0, pending: 0 } });
  async function* rows(): AsyncIterable<Cell[]> {
    for await (const s of cursor) {
      const origin = n.location(s.originId as string);
      const destination = n.location(s.destinationId as string);
      for (const line of (s.lines ?? []) as {
        itemId: string;
        quantity: number;
        received: number | null;
        writtenOff: number | null;
        reason: string | null;
      }[]) {
        const item = n.item(line.itemId);
        yield [
          String(s._id),
          s.status as string,
          s.campaignId as string,
          n.campaign(s.campaignId as string),
          s.originId as string,
          origin.name,
          s.destinationId as string,
          destination.name,
          destination.address,
          (s.driverId as string | null) ?? null,
          s.driverId ? (drivers.get(s.driverId as string) ?? null) : null,
          (s.vehicle as { plate?: string } | null)?.plate ?? null,
          iso(s.plannedDepartureAt as Date | null),
          iso(s.departedAt as Date | null),
          iso(s.deliveredAt as Date | null),
          line.itemId,
          item.name,
          line.quantity,
          item.unit,
          line.received ?? null,
          line.writtenOff ?? null,
          line.reason ?? null,
          local(s.plannedDepartureAt as Date | null, n.zone(s.campaignId as string)),
          local(s.departedAt as Date | null, n.zone(s.campaignId as string)),
          local(s.deliveredAt as Date | null, n.zone(s.campaignId as string)),
          n.zone(s.campaignId as string),
        ];
      }
    }
  }
  return {
    columns: [
      'shipment_id',
      'status',
      'campaign_id',
      'campaign',
      'origin_id',
      'origin',
      'destination_id',
      'destination',
      'destination_address',
      'driver_id',
      'driver',
      'vehicle_plate',
      'planned_departure_at',
      'departed_at',
      'delivered_at',
      'item_id',
      'item',
      'quantity',
      'unit',
      'received',
      'written_off',
      'shortfall_reason',
      'planned_departure_local',
      'departed_local',
      'delivered_local',
      'time_zone',
    ],
    hxl: [
      '#meta+id',
      '#status',
      '#activity+code',
      '#activity+name',
      '#loc+origin+code',
      '#loc+origin+name',
      '#loc+dest+code',
      '#loc+dest+name',
      '#loc+dest+address',
      '#contact+driver+code',
      '#contact+driver+name',
      '#meta+vehicle',
      '#date+planned',
      '#date+departed',
      '#date+delivered',
      '#item+code',
      '#item+name',
      '#item+num+sent',
      '#item+unit',
      '#item+num+received',
      '#item+num+writtenoff',
      '#status+reason',
      '#date+planned+local',
      '#date+departed+local',
      '#date+delivered+local',
      '#meta+timezone',
    ],
    rows: rows(),
  };
}
