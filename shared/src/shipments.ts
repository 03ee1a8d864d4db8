import Joi from 'joi';
import { freeText, type TranslatedName } from './catalogue';
import type { BaseUnit } from './terms';
import type { LocalizedText } from './localized';
import { localizedTextDto } from './localized.schema';
import {
  LATITUDE_MAX,
  LONGITUDE_MAX,
  MOVE_QUANTITY_MAX,
  POSITION_ACCURACY_M_MAX,
  ROUTE_HOURS_MAX,
  SHIPMENT_CAPACITY_KG_MAX,
  SHIPMENT_LINES_MAX,
  SHIPMENT_NOTES_MAX,
  TEXT_MAX,
} from './rules';
import { SHIPMENT_STATUSES, SHORTFALL_REASONS, type ShipmentStatus, type ShortfallReason } from './shipment-life';
import { text, trimmedText } from './text';
import type { HandoverDto } from './handovers';
import { handoverSchema } from './handovers.schema';

export interface Position {
  lat: number;
  lng: number;
  accuracyM?: number;
}

export const positionSchema = Joi.object<Position, true>({
  lat: Joi.number().min(-LATITUDE_MAX).max(LATITUDE_MAX).required(),
  lng: Joi.number().min(-LONGITUDE_MAX).max(LONGITUDE_MAX).required(),
  accuracyM: Joi.number().min(0).max(POSITION_ACCURACY_M_MAX),
});

/**
 * `POST /api/shipments/:id/updates`: the one way a shipment changes state, online or replayed from
 * a phone's outbox. `id` is made by the client (a UUID): sent twice, counted once.
 */
export interface ShipmentUpdateRequest {
  id: string;
  status: ShipmentStatus;
  /** The device's own time of the update. */
  at: string;
  position?: Position;
  note?: string;
  /** With `at_checkpoint` (and the `departed` that leaves it): which checkpoint of the route. */
  checkpointId?: string;
  /** With `loading`: the lots to reserve; without it, first-expired-first-out. */
  lots?: { lotId: string; quantity: number }[];
  /** With `delivered`: who received the goods. */
  receivedBy?: string;
  /** With `delivered`: the received quantity per item; any shortfall needs a reason. */
  lines?: { itemId: string; received: number; reason?: ShortfallReason }[];
  /**
   * With `delivered`: the codes of the crate labels scanned at the destination (receive by
   * scanning). Each is a current label of this shipment; duplicates count once. An item that has
   * labels is received as its quantity less the quantity on its labels not scanned; an explicit
   * `lines` entry for an item wins over its scanned count.
   */
  labels?: string[];
  /** With `delivered`: the proof of delivery, who received it and their drawn signature. */
  receiver?: DeliveryReceiver;
  /** A device of the caller (POST /api/devices) that signed the update; with `signature`. */
  deviceId?: string;
  /** base64url signature of `signedUpdatePayload(shipmentId, update)` (custody.ts) by `deviceId`. */
  signature?: string;
}

const objectIdString = () => Joi.string().lowercase().hex().length(24);

/** A signature drawn on a phone: SVG path data (moves and lines, integer or decimal coordinates). */
export const SIGNATURE_PATH_MAX = 20_000;
export const SIGNATURE_PATTERN = /^[MLml0-9 ,.-]+$/;
/** How many crate labels one delivery may list. */
export const DELIVERY_LABELS_MAX = 500;

/**
 * Who received the goods: their name, the signature they drew on the driver's phone (SVG path
 * data in a 300 x 120 box), and their user id when they confirm on their own signed-in phone.
 */
export interface DeliveryReceiver {
  name: string;
  signature?: string;
  userId?: string;
}

export const deliveryReceiverSchema = Joi.object<DeliveryReceiver, true>({
  name: freeText(TEXT_MAX.receivedBy).required(),
  signature: Joi.string().pattern(SIGNATURE_PATTERN, 'SVG path data').max(SIGNATURE_PATH_MAX),
  userId: objectIdString(),
});

export const shipmentUpdateBody = Joi.object<ShipmentUpdateRequest, true>({
  id: Joi.string().guid().required(),
  status: Joi.string()
    .valid(...SHIPMENT_STATUSES)
    .required(),
  at: Joi.string().isoDate().max(40).required(),
  position: positionSchema,
  note: trimmedText({ min: 0, max: TEXT_MAX.note, multiline: true }).allow(''),
  checkpointId: objectIdString(),
  lots: Joi.array()
    .items(
      Joi.object({
        lotId: text({ max: 200 }).required(),
        quantity: Joi.number().integer().min(1).max(MOVE_QUANTITY_MAX).required(),
      }),
    )
    .max(200),
  receivedBy: freeText(TEXT_MAX.receivedBy),
  lines: Joi.array()
    .items(
      Joi.object({
        itemId: objectIdString().required(),
        received: Joi.number().integer().min(0).max(MOVE_QUANTITY_MAX).required(),
        reason: Joi.string().valid(...SHORTFALL_REASONS),
      }),
    )
    .max(200),
  labels: Joi.array()
    .items(text({ max: 20 }))
    .max(DELIVERY_LABELS_MAX),
  receiver: deliveryReceiverSchema,
  deviceId: objectIdString(),
  signature: Joi.string()
    .pattern(/^[A-Za-z0-9_-]+$/, 'base64url')
    .max(200),
}).and('deviceId', 'signature');

// ---------------------------------------------------------------------------------------------
// Shipments: requests and DTOs

/** Item categories whose goods need a veterinary certificate at a border (dairy, meat, ...). */
export const VETERINARY_CATEGORIES: readonly string[] = ['dairy', 'meat', 'fish', 'eggs'];

export interface VehicleDto {
  plate: string;
  kind: string;
  capacityKg: number | null;
}

export interface ShipmentDocumentDto {
  /** Stable key, e.g. `waybill`, `veterinary_certificate`, or a coordinator's own. */
  key: string;
  label: string;
  checked: boolean;
  checkedAt: string | null;
  checkedBy: string | null;
}

export interface ShipmentLotDto {
  lotId: string;
  quantity: number;
  expiresAt: string | null;
}

/** A place of a shipment by name: drivers cannot read the catalogue, so the shipment names it. */
export interface ShipmentPlaceDto {
  id: string;
  name: LocalizedText;
}

export interface ShipmentLineDto {
  itemId: string;
  /** The item's name and base unit as planned (drivers cannot read the catalogue); null for old records. */
  item: { name: TranslatedName; baseUnit: BaseUnit } | null;
  /** Planned (and, once loaded, sent) quantity in base units. */
  quantity: number;
  /** The lots reserved and sent (empty until loading). */
  lots: ShipmentLotDto[];
  /** At delivery: what arrived, and what was written off with the reason. */
  received: number | null;
  writtenOff: number | null;
  reason: ShortfallReason | null;
}

export const SHIPMENT_WARNING_CODES = ['EXPIRES_BEFORE_ARRIVAL', 'OVER_CAPACITY', 'WEIGHT_UNKNOWN'] as const;
export type ShipmentWarningCode = (typeof SHIPMENT_WARNING_CODES)[number];

export interface ShipmentWarningDto {
  code: ShipmentWarningCode;
  message: string;
  itemId: string | null;
  lotId: string | null;
}

/** One status update as the history shows it. */
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
  /** Who sent it (user id) and their role then. */
  actorId: string;
  actorRole: string;
  /** False when it arrived after a later update had been applied (kept for the record only). */
  applied: boolean;
  /**
   * `handover`: a hand-over's record (its creation, confirmation or calling off; `status` is then
   * the shipment's status at the time). `receipt`: not a status change but the receiver's own
   * confirmation (POST /api/shipments/:id/receipt).
   */
  kind?: 'handover' | 'receipt';
  handoverId?: string;
}

export interface CheckpointVisitDto {
  locationId: string;
  arrivedAt: string | null;
  departedAt: string | null;
  /** Minutes between arrival and departure; null while still there (count from `arrivedAt`). */
  waitMinutes: number | null;
}

/** A shipment in lists and live events: everything but the history. */
export interface ShipmentSummaryDto {
  id: string;
  campaignId: string;
  originId: string;
  destinationId: string;
  /** The destination's kind decides delivery: a distribution point delivers, anything else is a transfer. */
  destinationKind: string;
  /** Origin, destination and the route's checkpoints by name, as planned (null for old records). */
  origin: ShipmentPlaceDto | null;
  destination: ShipmentPlaceDto | null;
  places: ShipmentPlaceDto[];
  driverId: string | null;
  vehicle: VehicleDto | null;
  plannedDepartureAt: string | null;
  /** Planned time on the road (hours), given or estimated from the route's coordinates. */
  estimatedRouteHours: number | null;
  /** Departure (actual, else planned) plus the route time; null when neither is known. */
  estimatedArrivalAt: string | null;
  /** Checkpoint location ids in order. */
  route: string[];
  status: ShipmentStatus;
  /** The driver's privacy mode: no position kept except at checkpoints, arrival and delivery. */
  privacyMode: boolean;
  lines: ShipmentLineDto[];
  documents: ShipmentDocumentDto[];
  warnings: ShipmentWarningDto[];
  /** Estimated load in kg (null when an item's weight is unknown). */
  loadKg: number | null;
  checkpoints: CheckpointVisitDto[];
  lastHeardAt: string | null;
  lastPosition: (Position & { at: string }) | null;
  /** Device time of the latest applied update: an update older than this is kept, not applied. */
  lastStatusAt: string | null;
  departedAt: string | null;
  arrivedAt: string | null;
  deliveredAt: string | null;
  receivedBy: string | null;
  /** The proof of delivery: the receiver's name, drawn signature and user; null before delivery or when not given. */
  receiver: { name: string; signature: string | null; userId: string | null } | null;
  /** The crate labels scanned at delivery (codes as printed, e.g. 7K3M-9QRT-5); empty when not received by scanning. */
  scannedLabels: string[];
  /** Photos attached to the shipment (e.g. of damaged goods at delivery), oldest first. */
  photos: ShipmentPhotoDto[];
  /** The receiver's own confirmation on their signed-in phone; null until confirmed. */
  receipt: { userId: string; name: string; at: string } | null;
  /** The planners' notes (free text), null when none. */
  notes: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface ShipmentPhotoDto {
  id: string;
  contentType: string;
  size: number;
  uploadedAt: string;
  uploadedBy: string;
}

/** `POST /api/shipments/:id/receipt`: the receiver confirms a delivered shipment on their own phone. */
export interface ShipmentReceiptRequest {
  note?: string;
}

export const shipmentReceiptBody = Joi.object<ShipmentReceiptRequest, true>({
  note: trimmedText({ min: 0, max: TEXT_MAX.note, multiline: true }).allow(''),
});

export const photoParams = Joi.object({ id: objectIdString().required(), photoId: objectIdString().required() });

export interface ShipmentDto extends ShipmentSummaryDto {
  /** Every update, oldest first (by server receive time); the last HISTORY_KEPT on the shipment. */
  history: ShipmentUpdateDto[];
  /** The hand-overs on the road, oldest first (POST /api/shipments/:id/handovers). */
  handovers: HandoverDto[];
}

/** The answer of `POST /api/shipments/:id/updates`. */
export interface ShipmentUpdateResult {
  applied: boolean;
  shipment: ShipmentDto;
}

export interface VehicleInput {
  plate: string;
  kind: string;
  capacityKg?: number | null;
}

export interface DocumentInput {
  key: string;
  label?: string;
}

export interface CreateShipmentRequest {
  campaignId: string;
  originId: string;
  destinationId: string;
  driverId?: string | null;
  vehicle?: VehicleInput | null;
  plannedDepartureAt?: string | null;
  /** Planned hours on the road; estimated from the coordinates when omitted. */
  estimatedRouteHours?: number | null;
  /** Or the planned arrival (not both; 422): the route time is then arrival minus planned departure. */
  plannedArrivalAt?: string | null;
  route?: string[];
  lines: { itemId: string; quantity: number; unit?: string }[];
  /** The document checklist; by default from the items (waybill, donation letter, veterinary certificate for dairy). */
  documents?: DocumentInput[];
  /** The planners' notes; empty or null: none. */
  notes?: string | null;
}

const vehicleSchema = Joi.object<VehicleInput, true>({
  plate: freeText(TEXT_MAX.plate).required(),
  kind: freeText(TEXT_MAX.vehicleKind).required(),
  capacityKg: Joi.number().min(1).max(SHIPMENT_CAPACITY_KG_MAX).allow(null),
});

const documentKey = () =>
  Joi.string()
    .lowercase()
    .pattern(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'document key');

const documentsSchema = Joi.array()
  .items(Joi.object<DocumentInput, true>({ key: documentKey().required(), label: freeText(TEXT_MAX.name) }))
  .max(30)
  .unique('key');

const routeSchema = Joi.array().items(objectIdString()).max(20).unique();

const notesSchema = () => trimmedText({ min: 0, max: SHIPMENT_NOTES_MAX, multiline: true }).allow('', null);

export const createShipmentBody = Joi.object<CreateShipmentRequest, true>({
  campaignId: objectIdString().required(),
  originId: objectIdString().required(),
  destinationId: objectIdString().required(),
  driverId: objectIdString().allow(null),
  vehicle: vehicleSchema.allow(null),
  plannedDepartureAt: Joi.string().isoDate().max(40).allow(null),
  estimatedRouteHours: Joi.number().min(0).max(ROUTE_HOURS_MAX).allow(null),
  plannedArrivalAt: Joi.string().isoDate().max(40).allow(null),
  route: routeSchema,
  lines: Joi.array()
    .items(
      Joi.object({
        itemId: objectIdString().required(),
        quantity: Joi.number().integer().min(1).max(MOVE_QUANTITY_MAX).required(),
        unit: freeText(TEXT_MAX.unit),
      }),
    )
    .min(1)
    .max(SHIPMENT_LINES_MAX)
    .unique('itemId')
    .required(),
  documents: documentsSchema,
  notes: notesSchema(),
});

/**
 * `PATCH /api/shipments/:id`: the plan, while the shipment is planned or loading (before departure).
 * Changing `lines` of a loading shipment moves its reservation: the difference is reserved (first
 * expired, first out) or released at the origin.
 */
export interface UpdateShipmentRequest {
  destinationId?: string;
  notes?: string | null;
  driverId?: string | null;
  vehicle?: VehicleInput | null;
  plannedDepartureAt?: string | null;
  estimatedRouteHours?: number | null;
  plannedArrivalAt?: string | null;
  route?: string[];
  documents?: DocumentInput[];
  lines?: { itemId: string; quantity: number; unit?: string }[];
}

export const updateShipmentBody = Joi.object<UpdateShipmentRequest, true>({
  destinationId: objectIdString(),
  notes: notesSchema(),
  driverId: objectIdString().allow(null),
  vehicle: vehicleSchema.allow(null),
  plannedDepartureAt: Joi.string().isoDate().max(40).allow(null),
  estimatedRouteHours: Joi.number().min(0).max(ROUTE_HOURS_MAX).allow(null),
  plannedArrivalAt: Joi.string().isoDate().max(40).allow(null),
  route: routeSchema,
  documents: documentsSchema,
  lines: Joi.array()
    .items(
      Joi.object({
        itemId: objectIdString().required(),
        quantity: Joi.number().integer().min(1).max(MOVE_QUANTITY_MAX).required(),
        unit: freeText(TEXT_MAX.unit),
      }),
    )
    .min(1)
    .max(SHIPMENT_LINES_MAX)
    .unique('itemId'),
}).min(1);

export interface ShipmentPrivacyRequest {
  privacyMode: boolean;
}
export const shipmentPrivacyBody = Joi.object<ShipmentPrivacyRequest, true>({
  privacyMode: Joi.boolean().required(),
});

export interface ShipmentDocumentTickRequest {
  checked: boolean;
}
export const shipmentDocumentTickBody = Joi.object<ShipmentDocumentTickRequest, true>({
  checked: Joi.boolean().default(true),
});
export const shipmentDocumentParams = Joi.object<{ id: string; key: string }, true>({
  id: objectIdString().required(),
  key: documentKey().required(),
});

export interface ListShipmentsQuery {
  status?: ShipmentStatus[];
  campaignId?: string;
  driverId?: string;
  /** Only shipments not yet delivered or cancelled. */
  active?: boolean;
  limit: number;
  offset: number;
}
export const listShipmentsQuery = Joi.object<ListShipmentsQuery, true>({
  status: Joi.array()
    .items(Joi.string().valid(...SHIPMENT_STATUSES))
    .single()
    .max(SHIPMENT_STATUSES.length),
  campaignId: objectIdString(),
  driverId: objectIdString(),
  active: Joi.boolean(),
  limit: Joi.number().integer().min(1).max(200).default(50),
  offset: Joi.number().integer().min(0).max(1_000_000).default(0),
});

// Response schemas (OpenAPI).
const iso = () => Joi.string().isoDate();
const positionDto = Joi.object({
  lat: Joi.number().required(),
  lng: Joi.number().required(),
  accuracyM: Joi.number(),
}).label('Position');
const updateDtoSchema = Joi.object<ShipmentUpdateDto, true>({
  id: Joi.string().required(),
  status: Joi.string()
    .valid(...SHIPMENT_STATUSES)
    .required(),
  at: iso().required(),
  receivedAt: iso().required(),
  position: positionDto.allow(null).required(),
  note: Joi.string().allow(null).required(),
  checkpointId: Joi.string().allow(null).required(),
  actorId: Joi.string().required(),
  actorRole: Joi.string().required(),
  applied: Joi.boolean().required(),
  kind: Joi.string().valid('handover', 'receipt'),
  handoverId: Joi.string(),
}).label('ShipmentUpdate');

const placeSchema = Joi.object({ id: Joi.string().required(), name: localizedTextDto().required() }).label(
  'ShipmentPlace',
);

const summaryKeys = {
  id: Joi.string().required(),
  campaignId: Joi.string().required(),
  originId: Joi.string().required(),
  destinationId: Joi.string().required(),
  destinationKind: Joi.string().required(),
  origin: placeSchema.allow(null).required(),
  destination: placeSchema.allow(null).required(),
  places: Joi.array().items(placeSchema).required(),
  driverId: Joi.string().allow(null).required(),
  vehicle: Joi.object({
    plate: Joi.string().required(),
    kind: Joi.string().required(),
    capacityKg: Joi.number().allow(null).required(),
  })
    .allow(null)
    .required(),
  plannedDepartureAt: iso().allow(null).required(),
  estimatedRouteHours: Joi.number().allow(null).required(),
  estimatedArrivalAt: iso().allow(null).required(),
  route: Joi.array().items(Joi.string()).required(),
  status: Joi.string()
    .valid(...SHIPMENT_STATUSES)
    .required(),
  privacyMode: Joi.boolean().required(),
  lines: Joi.array()
    .items(
      Joi.object({
        itemId: Joi.string().required(),
        item: Joi.object({
          name: Joi.object().pattern(Joi.string(), Joi.string()).required(),
          baseUnit: Joi.string().required(),
        })
          .allow(null)
          .required(),
        quantity: Joi.number().integer().required(),
        lots: Joi.array()
          .items(
            Joi.object({
              lotId: Joi.string().required(),
              quantity: Joi.number().integer().required(),
              expiresAt: iso().allow(null).required(),
            }),
          )
          .required(),
        received: Joi.number().integer().allow(null).required(),
        writtenOff: Joi.number().integer().allow(null).required(),
        reason: Joi.string().allow(null).required(),
      }).label('ShipmentLine'),
    )
    .required(),
  documents: Joi.array()
    .items(
      Joi.object({
        key: Joi.string().required(),
        label: Joi.string().required(),
        checked: Joi.boolean().required(),
        checkedAt: iso().allow(null).required(),
        checkedBy: Joi.string().allow(null).required(),
      }).label('ShipmentDocument'),
    )
    .required(),
  warnings: Joi.array()
    .items(
      Joi.object({
        code: Joi.string()
          .valid(...SHIPMENT_WARNING_CODES)
          .required(),
        message: Joi.string().required(),
        itemId: Joi.string().allow(null).required(),
        lotId: Joi.string().allow(null).required(),
      }).label('ShipmentWarning'),
    )
    .required(),
  loadKg: Joi.number().allow(null).required(),
  checkpoints: Joi.array()
    .items(
      Joi.object({
        locationId: Joi.string().required(),
        arrivedAt: iso().allow(null).required(),
        departedAt: iso().allow(null).required(),
        waitMinutes: Joi.number().allow(null).required(),
      }).label('CheckpointVisit'),
    )
    .required(),
  lastHeardAt: iso().allow(null).required(),
  lastPosition: Joi.object({
    lat: Joi.number().required(),
    lng: Joi.number().required(),
    accuracyM: Joi.number(),
    at: iso().required(),
  })
    .allow(null)
    .required(),
  lastStatusAt: iso().allow(null).required(),
  departedAt: iso().allow(null).required(),
  arrivedAt: iso().allow(null).required(),
  deliveredAt: iso().allow(null).required(),
  receivedBy: Joi.string().allow(null).required(),
  receiver: Joi.object({
    name: Joi.string().required(),
    signature: Joi.string().allow(null).required(),
    userId: Joi.string().allow(null).required(),
  })
    .allow(null)
    .required()
    .label('DeliveryReceiver'),
  scannedLabels: Joi.array().items(Joi.string()).required(),
  photos: Joi.array()
    .items(
      Joi.object({
        id: Joi.string().required(),
        contentType: Joi.string().required(),
        size: Joi.number().integer().required(),
        uploadedAt: iso().required(),
        uploadedBy: Joi.string().required(),
      }).label('ShipmentPhoto'),
    )
    .required(),
  receipt: Joi.object({ userId: Joi.string().required(), name: Joi.string().required(), at: iso().required() })
    .allow(null)
    .required()
    .label('ShipmentReceipt'),
  notes: Joi.string().allow(null).required(),
  createdBy: Joi.string().required(),
  createdAt: iso().required(),
  updatedAt: iso().required(),
};

export const shipmentSummarySchema = Joi.object<ShipmentSummaryDto, true>(summaryKeys).label('ShipmentSummary');
export const shipmentSchema = Joi.object<ShipmentDto, true>({
  ...summaryKeys,
  history: Joi.array().items(updateDtoSchema).required(),
  handovers: Joi.array().items(handoverSchema).required(),
}).label('Shipment');
export const shipmentUpdateResultSchema = Joi.object<ShipmentUpdateResult, true>({
  applied: Joi.boolean().required(),
  shipment: shipmentSchema.required(),
}).label('ShipmentUpdateResult');
