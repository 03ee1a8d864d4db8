/**
 * The DTOs of the stock, catalogue and shipments components as agreed in CONTRACTS.md and
 * API.md. They move to `@karavan/shared` with those components; until then the client codes
 * against these copies (replace the imports when shared/ exports them).
 */
import type { Locale } from '@karavan/shared';

export type BaseUnit = 'loaf' | 'litre' | 'kg' | 'piece';

export interface TranslatedName {
  ru: string;
  en: string;
  ky?: string;
  kk?: string;
}

export interface PackUnit {
  unit: string;
  size: number;
}

export interface ItemDto {
  id: string;
  name: TranslatedName;
  category: string | null;
  baseUnit: BaseUnit;
  packs: PackUnit[];
  perishable: boolean;
  shelfLifeHours: number | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export type LocationKind = 'collection_point' | 'warehouse' | 'checkpoint' | 'distribution_point';

export interface LocationDto {
  id: string;
  name: string;
  kind: LocationKind;
  address: string | null;
  position: { lat: number; lng: number } | null;
  contact: { name: string | null; phone: string | null } | null;
  openingHours: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface CampaignDto {
  id: string;
  name: string;
  description: string | null;
  startsAt: string | null;
  endsAt: string | null;
  status: 'draft' | 'active' | 'closed';
  public: boolean;
  targets: { itemId: string; quantity: number }[];
  createdAt: string;
  updatedAt: string;
}

export type DonorKind = 'person' | 'organisation' | 'anonymous';

export interface DonationDto {
  id: string;
  campaignId: string;
  locationId: string;
  receivedAt: string;
  receivedBy: string;
  donor: {
    kind: DonorKind;
    name: string | null;
    phone: string | null;
    consentToContact: boolean;
    locale?: string;
  };
  lines: { itemId: string; quantity: number; lotId: string; expiresAt: string | null }[];
  voided: { at: string; by: string; reason: string } | null;
  createdAt: string;
}

export interface CreateDonationRequest {
  campaignId: string;
  locationId: string;
  receivedAt?: string;
  donor?: { kind: DonorKind; name?: string; phone?: string; consentToContact?: boolean; locale?: Locale };
  note?: string | null;
  lines: { itemId: string; quantity: number; unit?: string; expiresAt?: string }[];
}

export interface StockRowDto {
  locationId: string;
  itemId: string;
  campaignId: string;
  lotId: string;
  expiresAt: string | null;
  onHand: number;
  reserved: number;
  expired: boolean;
}

export const SHIPMENT_STATUSES = [
  'planned',
  'loading',
  'departed',
  'at_checkpoint',
  'arrived',
  'delivered',
  'cancelled',
] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export interface Position {
  lat: number;
  lng: number;
  accuracyM?: number;
}

export interface ShipmentUpdateDto {
  id: string;
  status: ShipmentStatus;
  at: string;
  receivedAt?: string;
  position?: Position | null;
  note?: string | null;
  checkpointId?: string | null;
  by?: string | null;
  applied?: boolean;
}

/** A place as a shipment names it (drivers may not read the catalogue). */
export interface PlaceRef {
  id: string;
  name: string;
}

export interface ShipmentLineDto {
  itemId: string;
  quantity: number;
  /** The item's name and unit, when the server embeds them (drivers may not read the catalogue). */
  item?: { name: TranslatedName; baseUnit: BaseUnit } | null;
  received?: number | null;
  reason?: string | null;
}

export interface ShipmentDocumentDto {
  id?: string;
  kind: string;
  label?: string | null;
  checked: boolean;
}

export interface ShipmentDto {
  id: string;
  campaignId: string;
  originId: string;
  destinationId: string;
  driverId: string | null;
  vehicle: { plate: string; kind: string; capacityKg?: number | null } | null;
  plannedDepartureAt: string | null;
  route: string[];
  origin?: PlaceRef | null;
  destination?: PlaceRef | null;
  checkpoints?: PlaceRef[] | null;
  lines: ShipmentLineDto[];
  manifest?: { itemId: string; lotId: string; quantity: number; expiresAt?: string | null }[];
  documents?: ShipmentDocumentDto[];
  status: ShipmentStatus;
  history?: ShipmentUpdateDto[];
  lastHeardAt: string | null;
  lastPosition?: Position | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreateShipmentUpdateRequest {
  id: string;
  status: ShipmentStatus;
  at: string;
  position?: Position;
  note?: string;
  checkpointId?: string;
  receivedBy?: string;
  lines?: { itemId: string; received: number; reason?: string }[];
  documents?: { kind: string; checked: boolean }[];
}

/** Where a shipment may go next, as the driver sees it (DOMAIN.md, "A shipment's life"). */
export const DRIVER_NEXT: Readonly<Record<ShipmentStatus, readonly ShipmentStatus[]>> = {
  planned: [],
  loading: ['departed'],
  departed: ['at_checkpoint', 'arrived'],
  at_checkpoint: ['departed'],
  arrived: ['delivered'],
  delivered: [],
  cancelled: [],
};

/** Unit conversion (shared/src/catalogue.ts `toBaseQuantity` once merged). */
export function toBaseQuantity(
  item: Pick<ItemDto, 'baseUnit' | 'packs'>,
  quantity: number,
  unit?: string,
): number | undefined {
  if (unit === undefined || unit === item.baseUnit) return quantity;
  const pack = item.packs.find((candidate) => candidate.unit === unit);
  return pack ? quantity * pack.size : undefined;
}
