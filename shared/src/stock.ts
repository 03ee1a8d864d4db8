import Joi from 'joi';
import { objectId, pageQueryKeys, type PageQuery } from './common';
import { freeText } from './catalogue';
import { MOVE_QUANTITY_MAX, TEXT_MAX } from './rules';
import { MOVEMENT_KINDS, WRITE_OFF_REASONS, type MovementKind, type WriteOffReason } from './terms';

/** One balance: what is at a location of one lot (one item of one campaign with one expiry). */
export interface StockRowDto {
  locationId: string;
  itemId: string;
  campaignId: string;
  lotId: string;
  expiresAt: string | null;
  onHand: number;
  /** The part of onHand set aside for shipments being loaded; never more than onHand. */
  reserved: number;
  /** Past its expiry: reported, never reservable. */
  expired: boolean;
}

/** One ledger entry; never changed or deleted. */
export interface MovementDto {
  id: string;
  kind: MovementKind;
  at: string;
  actorId: string;
  /** Null only for goods in transit (written_off_in_transit). */
  locationId: string | null;
  itemId: string;
  campaignId: string;
  lotId: string;
  /** Signed change of the number the kind is about (onHand, reserved or in-transit quantity). */
  quantity: number;
  reason: string | null;
  note: string | null;
  donationId: string | null;
  shipmentId: string | null;
}

export interface CampaignProgressItem {
  itemId: string;
  target: number;
  donated: number;
  onHand: number;
  reserved: number;
  inTransit: number;
  delivered: number;
  writtenOff: number;
  /** On hand and not past its expiry: what can still be sent (onHand = usable + expired). */
  usable: number;
  /** On hand but past its expiry: waits to be written off, never counts against the need. */
  expired: number;
  /** Still needed: max(0, target - delivered - inTransit - usable). Spoiled goods bring the need back. */
  needed: number;
}

/** `donated = onHand + inTransit + delivered + writtenOff` for every item, at every moment. */
export interface CampaignProgressDto {
  campaignId: string;
  asOf: string;
  /** Live events with a higher seq are newer than this snapshot (see events.ts). */
  seq: number;
  items: CampaignProgressItem[];
}

export interface ListStockQuery extends PageQuery {
  locationId?: string;
  itemId?: string;
  campaignId?: string;
  expiringWithinHours?: number;
  /** true: only lots past their expiry (the "to write off" list); false: only usable ones. */
  expired?: boolean;
  /** Also rows whose onHand is 0 (default: only what is there). */
  includeEmpty?: boolean;
}
export const listStockQuery = Joi.object<ListStockQuery, true>({
  locationId: objectId(),
  itemId: objectId(),
  campaignId: objectId(),
  expiringWithinHours: Joi.number()
    .integer()
    .min(0)
    .max(24 * 365),
  expired: Joi.boolean(),
  includeEmpty: Joi.boolean(),
  ...pageQueryKeys,
});

export interface ListMovementsQuery extends PageQuery {
  locationId?: string;
  itemId?: string;
  campaignId?: string;
  kind?: MovementKind;
  shipmentId?: string;
  donationId?: string;
  lotId?: string;
}
export const listMovementsQuery = Joi.object<ListMovementsQuery, true>({
  locationId: objectId(),
  itemId: objectId(),
  campaignId: objectId(),
  kind: Joi.string().valid(...MOVEMENT_KINDS),
  shipmentId: objectId(),
  donationId: objectId(),
  lotId: objectId(),
  ...pageQueryKeys,
});

/** A quantity in base units, or in one of the item's pack units (`unit`). */
const quantity = () => Joi.number().integer().min(1).max(MOVE_QUANTITY_MAX);
// Top-level free text (compared case-insensitively by the server); a pattern with the u flag does not survive the OpenAPI rendering.
const unit = () => freeText(TEXT_MAX.unit);

export interface WriteOffRequest {
  locationId: string;
  lotId: string;
  quantity: number;
  unit?: string;
  reason: WriteOffReason;
  /** Required when reason is `other` (checked by the server: 422). */
  note?: string;
}
export const writeOffBody = Joi.object<WriteOffRequest, true>({
  locationId: objectId().required(),
  lotId: objectId().required(),
  quantity: quantity().required(),
  unit: unit(),
  reason: Joi.string()
    .valid(...WRITE_OFF_REASONS)
    .required(),
  note: freeText(TEXT_MAX.note, { multiline: true }),
});

export interface AdjustmentRequest {
  locationId: string;
  lotId: string;
  /** What the count found, in base units (or `unit`). */
  countedQuantity: number;
  unit?: string;
  reason: string;
  note?: string;
}
export const adjustmentBody = Joi.object<AdjustmentRequest, true>({
  locationId: objectId().required(),
  lotId: objectId().required(),
  countedQuantity: Joi.number().integer().min(0).max(MOVE_QUANTITY_MAX).required(),
  unit: unit(),
  reason: freeText(TEXT_MAX.adjustmentReason).required(),
  note: freeText(TEXT_MAX.note, { multiline: true }),
});

/** `POST /api/stock/write-offs/expired`: write off everything past its expiry at one place. */
export interface ExpiredWriteOffRequest {
  locationId: string;
}
export const expiredWriteOffBody = Joi.object<ExpiredWriteOffRequest, true>({
  locationId: objectId().required(),
});

/** What writing off the expired lots of a place did: one movement per lot, and the lots after it. */
export interface ExpiredWriteOffDto {
  locationId: string;
  movements: MovementDto[];
  rows: StockRowDto[];
  /** Expired goods left because shipments being loaded reserve them (release them first). */
  stillReserved: number;
}

/** The answer of a write-off or adjustment: the movement written and the balance after it. */
export interface StockChangeDto {
  movement: MovementDto | null;
  row: StockRowDto;
}

/** One number that the ledger and the running totals disagree on. */
export interface ReconcileDifference {
  /** `movements`: the ledger index lists another number of movements than the ledger holds. */
  collection: 'balances' | 'campaign_totals' | 'movements';
  id: string;
  field: string;
  stored: number;
  fromLedger: number;
}
export interface ReconcileReport {
  checkedAt: string;
  movements: number;
  balances: number;
  campaignTotals: number;
  differences: ReconcileDifference[];
  /** Operations still being applied (their balances are left out of the comparison). */
  inFlight: number;
  fixed: boolean;
}
export interface ReconcileRequest {
  fix?: boolean;
}
export const reconcileQuery = Joi.object<ReconcileRequest, true>({ fix: Joi.boolean().default(false) });

// Response schemas (for the OpenAPI document).
const hexId = () => Joi.string().hex().length(24);
const count = () => Joi.number().integer();

export const stockRowSchema = Joi.object<StockRowDto, true>({
  locationId: hexId().required(),
  itemId: hexId().required(),
  campaignId: hexId().required(),
  lotId: hexId().required(),
  expiresAt: Joi.string().isoDate().allow(null).required(),
  onHand: count().min(0).required(),
  reserved: count().min(0).required(),
  expired: Joi.boolean().required(),
}).label('StockRow');

export const movementSchema = Joi.object<MovementDto, true>({
  id: Joi.string().required(),
  kind: Joi.string()
    .valid(...MOVEMENT_KINDS)
    .required(),
  at: Joi.string().isoDate().required(),
  actorId: Joi.string().required(),
  locationId: hexId().allow(null).required(),
  itemId: hexId().required(),
  campaignId: hexId().required(),
  lotId: hexId().required(),
  quantity: count().required(),
  reason: Joi.string().allow(null).required(),
  note: Joi.string().allow(null).required(),
  donationId: hexId().allow(null).required(),
  shipmentId: hexId().allow(null).required(),
}).label('Movement');

export const stockChangeSchema = Joi.object<StockChangeDto, true>({
  movement: movementSchema.allow(null).required(),
  row: stockRowSchema.required(),
}).label('StockChange');

export const campaignProgressSchema = Joi.object<CampaignProgressDto, true>({
  campaignId: hexId().required(),
  asOf: Joi.string().isoDate().required(),
  seq: count().min(0).required(),
  items: Joi.array()
    .items(
      Joi.object<CampaignProgressItem, true>({
        itemId: hexId().required(),
        target: count().min(0).required(),
        donated: count().required(),
        onHand: count().required(),
        reserved: count().required(),
        inTransit: count().required(),
        delivered: count().required(),
        writtenOff: count().required(),
        usable: count().required(),
        expired: count().min(0).required(),
        needed: count().min(0).required(),
      }),
    )
    .required(),
}).label('CampaignProgress');

export const expiredWriteOffSchema = Joi.object<ExpiredWriteOffDto, true>({
  locationId: hexId().required(),
  movements: Joi.array().items(movementSchema).required(),
  rows: Joi.array().items(stockRowSchema).required(),
  stillReserved: count().min(0).required(),
}).label('ExpiredWriteOff');

export const reconcileReportSchema = Joi.object<ReconcileReport, true>({
  checkedAt: Joi.string().isoDate().required(),
  movements: count().required(),
  balances: count().required(),
  campaignTotals: count().required(),
  differences: Joi.array()
    .items(
      Joi.object<ReconcileDifference, true>({
        collection: Joi.string().valid('balances', 'campaign_totals', 'movements').required(),
        id: Joi.string().required(),
        field: Joi.string().required(),
        stored: count().required(),
        fromLedger: count().required(),
      }),
    )
    .required(),
  inFlight: count().required(),
  fixed: Joi.boolean().required(),
}).label('ReconcileReport');
