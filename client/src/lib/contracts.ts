/**
 * The DTOs the client uses. Those shared/ has are re-exported from `@karavan/shared`; the
 * donation and shipment DTOs are written here from CONTRACTS.md and API.md until their server
 * components put them in shared/ (then re-export them too).
 */
import type { BaseUnit, Locale, Position, ShipmentStatus, ShortfallReason, TranslatedName } from '@karavan/shared';

export type {
  BaseUnit,
  CampaignDto,
  ItemDto,
  LocationDto,
  LocationKind,
  PackUnit,
  Position,
  ShipmentStatus,
  ShortfallReason,
  TranslatedName,
} from '@karavan/shared';
export { SHIPMENT_STATUSES, SHORTFALL_REASONS, toBaseQuantity } from '@karavan/shared';

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
  lines?: { itemId: string; received: number; reason?: ShortfallReason }[];
}
