/**
 * The DTOs the client uses. Those shared/ has are re-exported from `@karavan/shared`; the
 * shipment DTOs are written here from API.md and the shipments branch until that component puts
 * them in shared/ (then re-export them too).
 */
import type { BaseUnit, Position, ShipmentStatus, ShortfallReason, TranslatedName } from '@karavan/shared';

export type {
  BaseUnit,
  CampaignDto,
  CampaignProgressDto,
  CreateDonationRequest,
  DonationDto,
  DonorKind,
  StockRowDto,
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

export interface ShipmentUpdateDto {
  /** The client-made id. */
  id: string;
  status: ShipmentStatus;
  /** The device's time. */
  at: string;
  /** When the server received it. */
  receivedAt: string;
  position: Position | null;
  note: string | null;
  checkpointId: string | null;
  actorId?: string;
  actorRole?: string;
  /** False when it arrived after a later update had been applied (kept for the record only). */
  applied: boolean;
}

export interface ShipmentLineDto {
  itemId: string;
  /** Planned (and, once loaded, sent) quantity in base units. */
  quantity: number;
  lots?: { lotId: string; quantity: number; expiresAt: string | null }[];
  received?: number | null;
  writtenOff?: number | null;
  reason?: ShortfallReason | null;
  /** The item's name and unit, when the server embeds them (drivers may not read the catalogue). */
  item?: { name: TranslatedName; baseUnit: BaseUnit } | null;
}

export interface ShipmentDocumentDto {
  /** Stable key, e.g. `waybill`, `veterinary_certificate`, or a coordinator's own. */
  key: string;
  label: string;
  checked: boolean;
  checkedAt?: string | null;
  checkedBy?: string | null;
}

export interface CheckpointVisitDto {
  locationId: string;
  arrivedAt: string | null;
  departedAt: string | null;
  /** Minutes between arrival and departure; null while still there. */
  waitMinutes: number | null;
}

/** A place as a shipment may name it (drivers may not read the catalogue). */
export interface PlaceRef {
  id: string;
  name: string;
}

/** The shipment as `GET /api/shipments/:id` gives it (lists give the same without `history`). */
export interface ShipmentDto {
  id: string;
  campaignId: string;
  originId: string;
  destinationId: string;
  destinationKind?: string;
  driverId: string | null;
  vehicle: { plate: string; kind: string; capacityKg?: number | null } | null;
  plannedDepartureAt: string | null;
  estimatedArrivalAt?: string | null;
  /** Checkpoint location ids in order. */
  route: string[];
  status: ShipmentStatus;
  /** No position kept except at checkpoints, arrival and delivery. */
  privacyMode?: boolean;
  lines: ShipmentLineDto[];
  documents?: ShipmentDocumentDto[];
  checkpoints?: CheckpointVisitDto[];
  /** Names, when the server embeds them. */
  origin?: PlaceRef | null;
  destination?: PlaceRef | null;
  places?: PlaceRef[] | null;
  lastHeardAt: string | null;
  lastPosition?: (Position & { at: string }) | null;
  history?: ShipmentUpdateDto[];
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
