/**
 * The DTOs the client uses, from `@karavan/shared`, with what the client adds to them.
 */
import type {
  BaseUnit,
  Position,
  ShipmentDto as ServerShipmentDto,
  ShipmentLineDto as ServerShipmentLineDto,
  ShipmentStatus,
  ShipmentUpdateDto,
  ShortfallReason,
  TranslatedName,
} from '@karavan/shared';

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
  ShipmentDocumentDto,
  ShipmentUpdateDto,
  ShortfallReason,
  TranslatedName,
} from '@karavan/shared';
export { SHIPMENT_STATUSES, SHORTFALL_REASONS, toBaseQuantity } from '@karavan/shared';

/** A shipment line; `item` when the server embeds the item's name (drivers may not read the catalogue). */
export type ShipmentLineDto = ServerShipmentLineDto & { item?: { name: TranslatedName; baseUnit: BaseUnit } | null };

/** A place as a shipment may name it. */
export interface PlaceRef {
  id: string;
  name: string;
}

/**
 * The shipment as `GET /api/shipments/:id` gives it (lists and live events: without `history`),
 * with the names of its places when the server embeds them.
 */
export type ShipmentDto = Omit<ServerShipmentDto, 'lines' | 'history'> & {
  lines: ShipmentLineDto[];
  history?: ShipmentUpdateDto[];
  origin?: PlaceRef | null;
  destination?: PlaceRef | null;
  places?: PlaceRef[] | null;
};

export interface CreateShipmentUpdateRequest {
  id: string;
  status: ShipmentStatus;
  at: string;
  position?: Position;
  note?: string;
  checkpointId?: string;
  receivedBy?: string;
  lines?: { itemId: string; received: number; reason?: ShortfallReason }[];
  /** With `delivered`: the crate labels scanned (receive by scanning). */
  labels?: string[];
  /** With `delivered`: the receiver's name and the signature drawn on the phone (SVG path data). */
  receiver?: { name: string; signature?: string };
}
