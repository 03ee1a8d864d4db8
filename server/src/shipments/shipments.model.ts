import mongoose, { Schema, type Types } from 'mongoose';
import { collectionOf } from '../db/collections';
import {
  SHIPMENT_STATUSES,
  type BaseUnit,
  type Position,
  type ShipmentStatus,
  type ShortfallReason,
  type LocalizedText,
  type TranslatedName,
  type HandoverRecordContent,
  type HandoverState,
} from '@karavan/shared';

/*
 * Two collections:
 * - `shipments`: one small document per shipment with everything a screen shows, including the
 *   last HISTORY_KEPT status updates, so that reading one shipment is one `_id` lookup. Writes are
 *   compare-and-set on `version`.
 * - `shipment_updates`: every status update ever received, `_id` = the client-made id, so a
 *   replay is one `_id` lookup and a concurrent duplicate loses the insert. Append-mostly, read by
 *   `_id` only; purged by a TTL index UPDATE_RETENTION_DAYS after `createdAt` (the shipment keeps
 *   its own history, so only the dedupe of replays that old is given up).
 */

/**
 * How long a status update's record is kept for dedupe: far longer than a phone keeps an unsent
 * outbox (Idempotency-Keys are kept 72 hours), so a replay within that window is still answered
 * as a replay.
 */
export const UPDATE_RETENTION_DAYS = 30;

/** How many updates the shipment document keeps (a real shipment has tens). */
export const HISTORY_KEPT = 300;

export interface HistoryEntry {
  id: string;
  status: ShipmentStatus;
  at: Date;
  receivedAt: Date;
  position: Position | null;
  note: string | null;
  checkpointId: string | null;
  actorId: string;
  actorRole: string;
  applied: boolean;
  /** With `delivered`: who received the goods and the lines as reported (absent on old records). */
  receivedBy?: string | null;
  lines?: { itemId: string; received: number; reason?: ShortfallReason }[] | null;
  /** With a delivery by scanning: the label codes scanned (stored form, sorted, once each). */
  labels?: string[];
  /** With a delivery: the proof of delivery (absent when not given). */
  receiver?: DeliveryProof;
  /** Chain of custody (custody.ts): the device that signed the update, its signature, the update as sent. */
  deviceId?: string | null;
  signature?: string | null;
  sent?: Record<string, unknown> | null;
  /** True when the signature was checked against the device's key on receipt. */
  verified?: boolean;
  /** The hash chain: the previous record's hash and this one's (absent on records made before the chain). */
  prevHash?: string | null;
  hash?: string;
  /**
   * Not a status change: `handover`, a hand-over's record (handover.commands.ts; `status` is then
   * the shipment's status at the time); `receipt`, the receiver confirmed the delivery on their
   * own phone (proof.commands.ts).
   */
  kind?: 'handover' | 'receipt';
  handover?: HandoverRecordContent;
}

/** A hand-over as the shipment keeps it (handover.commands.ts). */
export interface HandoverRecord {
  id: string;
  state: HandoverState;
  at: Date;
  receivedAt: Date;
  status: ShipmentStatus;
  fromUserId: string;
  fromRole: string;
  to: { userId: string | null; name: string | null };
  lines: { itemId: string; carried: number; counted: number; reason: ShortfallReason | null }[];
  note: string | null;
  /** Hash of the request: the same id with another hand-over is refused (422). */
  fingerprint: string;
  giverDeviceId: string | null;
  giverVerified: boolean;
  /** The hash of the hand-over's custody record (what the taker's device signs). */
  recordHash: string;
  confirmedAt: Date | null;
  confirmedBy: string | null;
  takerDeviceId: string | null;
  takerVerified: boolean;
}

export interface DeliveryProof {
  name: string;
  signature: string | null;
  userId: string | null;
}

/** A photo kept in GridFS (bucket `shipment_photos`), listed on its shipment. */
export interface PhotoRef {
  id: string;
  contentType: string;
  size: number;
  uploadedAt: Date;
  uploadedBy: string;
}

export interface LotLine {
  lotId: string;
  quantity: number;
  expiresAt: Date | null;
}

export interface ShipmentLine {
  itemId: string;
  quantity: number;
  lots: LotLine[];
  received: number | null;
  writtenOff: number | null;
  reason: ShortfallReason | null;
}

export interface ShipmentDocument {
  key: string;
  label: string;
  checked: boolean;
  checkedAt: Date | null;
  checkedBy: string | null;
}

export interface Warning {
  code: string;
  message: string;
  itemId: string | null;
  lotId: string | null;
}

/**
 * A status change whose stock operation is under way (the intent, written before the stock
 * operation): `set` is what the shipment becomes once the operation is applied, `entry` its
 * history entry. The stock op's hook (or the repair pass) applies it, or drops it when the
 * operation is undone.
 */
export interface PendingChange {
  updateId: string;
  opId: string;
  status: ShipmentStatus;
  set: Record<string, unknown>;
  /** The status update's history entry; null for a change of the plan (PATCH of a loading shipment's lines). */
  entry: HistoryEntry | null;
  since: Date;
}

/**
 * Names of the shipment's places and items as planned. Drivers may not read the catalogue, so the
 * shipment carries what its screens need; refreshed when the route or the lines change.
 */
export interface ShipmentNames {
  /** Translated names (older records: a plain string). */
  places: Record<string, LocalizedText | string>;
  items: Record<string, { name: TranslatedName; baseUnit: BaseUnit }>;
}

export interface ShipmentRecord {
  _id: Types.ObjectId;
  campaignId: string;
  originId: string;
  destinationId: string;
  destinationKind: string;
  /** Absent on records made before names were kept. */
  names?: ShipmentNames;
  driverId: string | null;
  vehicle: { plate: string; kind: string; capacityKg: number | null } | null;
  plannedDepartureAt: Date | null;
  estimatedRouteHours: number | null;
  route: string[];
  status: ShipmentStatus;
  privacyMode: boolean;
  lines: ShipmentLine[];
  documents: ShipmentDocument[];
  warnings: Warning[];
  loadKg: number | null;
  history: HistoryEntry[];
  lastHeardAt: Date | null;
  lastPosition: (Position & { at: Date }) | null;
  lastStatusAt: Date | null;
  departedAt: Date | null;
  arrivedAt: Date | null;
  deliveredAt: Date | null;
  cancelledAt: Date | null;
  receivedBy: string | null;
  /** Proof of delivery, the labels scanned at delivery, photos, the receiver's confirmation (absent on older records). */
  receiver?: DeliveryProof | null;
  scannedLabels?: string[];
  photos?: PhotoRef[];
  receipt?: { userId: string; name: string; at: Date } | null;
  /** The planners' notes; absent on records made before notes were kept. */
  notes?: string | null;
  pending: PendingChange | null;
  /** The hand-overs on the road (absent on records made before them). */
  handovers?: HandoverRecord[];
  /** The user a pending hand-over waits for (they may read the shipment meanwhile); else null. */
  handoverPendingTo?: string | null;
  /** The hash of the last chained history entry (moves in the same compare-and-set as the history). */
  chainHead?: string | null;
  /** The hash the first entry kept links to when older entries were trimmed (HISTORY_KEPT); else null. */
  chainBase?: string | null;
  version: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const shipmentSchema = new Schema<ShipmentRecord>(
  {
    campaignId: { type: String, required: true },
    originId: { type: String, required: true },
    destinationId: { type: String, required: true },
    destinationKind: { type: String, required: true },
    driverId: { type: String, default: null },
    vehicle: { type: Schema.Types.Mixed, default: null },
    plannedDepartureAt: { type: Date, default: null },
    estimatedRouteHours: { type: Number, default: null },
    route: { type: [String], default: [] },
    names: { type: Schema.Types.Mixed, default: undefined },
    status: { type: String, enum: SHIPMENT_STATUSES, required: true },
    privacyMode: { type: Boolean, default: false },
    lines: { type: Schema.Types.Mixed, required: true },
    documents: { type: Schema.Types.Mixed, default: [] },
    warnings: { type: Schema.Types.Mixed, default: [] },
    loadKg: { type: Number, default: null },
    history: { type: Schema.Types.Mixed, default: [] },
    lastHeardAt: { type: Date, default: null },
    lastPosition: { type: Schema.Types.Mixed, default: null },
    lastStatusAt: { type: Date, default: null },
    departedAt: { type: Date, default: null },
    arrivedAt: { type: Date, default: null },
    deliveredAt: { type: Date, default: null },
    cancelledAt: { type: Date, default: null },
    receivedBy: { type: String, default: null },
    receiver: { type: Schema.Types.Mixed, default: null },
    scannedLabels: { type: [String], default: undefined },
    photos: { type: Schema.Types.Mixed, default: undefined },
    receipt: { type: Schema.Types.Mixed, default: null },
    notes: { type: String, default: null },
    pending: { type: Schema.Types.Mixed, default: null },
    handovers: { type: Schema.Types.Mixed, default: undefined },
    handoverPendingTo: { type: String, default: null },
    chainHead: { type: String, default: null },
    chainBase: { type: String, default: null },
    version: { type: Number, required: true, default: 0 },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  // Its indexes changed (the list's filters, then its order): ensureIndexes syncs them.
  { versionKey: false, autoIndex: false },
);
// The list, newest first (`createdAt`, then `_id`), whole or by one of its filters: each an index
// walked in that order, on MongoDB and on the embedded database.
shipmentSchema.index({ createdAt: -1, _id: -1 });
shipmentSchema.index({ status: 1, createdAt: -1, _id: -1 });
shipmentSchema.index({ campaignId: 1, createdAt: -1, _id: -1 });
shipmentSchema.index({ driverId: 1, createdAt: -1, _id: -1 });
// A taker's pending hand-overs (GET /api/handovers/incoming).
shipmentSchema.index({ handoverPendingTo: 1 });
// The shipments holding a kernel claim (the repair pass's minute look for claims left without an intent).
shipmentSchema.index({ 'pending.opId': 1 });
export const Shipment = mongoose.model<ShipmentRecord>('Shipment', shipmentSchema, 'shipments');

export interface UpdateRecord {
  /** The client-made id of the update. */
  _id: string;
  shipmentId: string;
  /** Hash of the request: the same id with another request is refused (422). */
  fingerprint: string;
  /** pending: being processed (or its process died); done: answered. */
  state: 'pending' | 'done';
  applied: boolean | null;
  entry: HistoryEntry;
  /** The request as received (lots, lines, receivedBy), for the record. */
  request: Record<string, unknown>;
  createdAt: Date;
  /** The process running the first attempt (db/idempotency.ts). */
  owner?: string;
}

const updateSchema = new Schema<UpdateRecord>(
  {
    _id: { type: String, required: true },
    shipmentId: { type: String, required: true, index: true },
    fingerprint: { type: String, required: true },
    state: { type: String, enum: ['pending', 'done'], required: true },
    applied: { type: Boolean, default: null },
    entry: { type: Schema.Types.Mixed, required: true },
    request: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, autoIndex: false },
);
updateSchema.index({ createdAt: 1 }, { expireAfterSeconds: UPDATE_RETENTION_DAYS * 24 * 3600 });
export const ShipmentUpdate = mongoose.model<UpdateRecord>('ShipmentUpdate', updateSchema, 'shipment_updates');

export const shipments = () => collectionOf(Shipment);
export const updates = () => collectionOf(ShipmentUpdate);
