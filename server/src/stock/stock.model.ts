import mongoose, { Schema } from 'mongoose';
import { MOVEMENT_KINDS } from '@karavan/shared';
import type { MovementDoc } from './ledger';

// The stock engine's collections. Engine writes go through the driver collections
// (`Model.collection`) so that every update is exactly the guarded single-document update written
// here; the Mongoose models exist for the indexes MongoDB needs and for typed reads.

/**
 * A lot: one item of one campaign with one expiry (bucketed to the day, or the hour for goods
 * that keep less than 48 hours). `_id` is derived from that natural key (see lots.ts), so every
 * donation line with the same expiry lands in the same lot.
 */
const lotSchema = new Schema(
  {
    _id: { type: String, required: true },
    itemId: { type: String, required: true },
    campaignId: { type: String, required: true },
    expiresAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
export const Lot = mongoose.model('Lot', lotSchema, 'lots');

/**
 * What one location holds of one lot. `_id` = `${locationId}:${lotId}`. `available` is kept
 * equal to `onHand - reserved` by every update, so that "reserved never exceeds on hand" is a
 * plain guard (`available >= qty`) in a single-document update, without expression operators.
 * `ops` lists the operations applied to this document whose completion is still pending.
 */
export interface BalanceDoc {
  _id: string;
  locationId: string;
  lotId: string;
  itemId: string;
  campaignId: string;
  expiresAt: Date | null;
  onHand: number;
  reserved: number;
  available: number;
  ops: string[];
}
const balanceSchema = new Schema<BalanceDoc>(
  {
    _id: { type: String, required: true },
    locationId: { type: String, required: true },
    lotId: { type: String, required: true },
    itemId: { type: String, required: true },
    campaignId: { type: String, required: true },
    expiresAt: { type: Date, default: null },
    onHand: { type: Number, required: true, default: 0 },
    reserved: { type: Number, required: true, default: 0 },
    available: { type: Number, required: true, default: 0 },
    ops: { type: [String], default: [] },
  },
  // Its indexes changed: ensureIndexes syncs them.
  { versionKey: false, autoIndex: false },
);
// Stock at a place (and the lots of one item there, first-expired-first-out); a campaign's lots
// past their expiry (its progress); every lot near or past its expiry (the expiry alerts).
balanceSchema.index({ locationId: 1, campaignId: 1, itemId: 1 });
// The stock list of a place, paged in the database in its order (soonest expiry first), and
// how many rows it has (counted from the index alone).
balanceSchema.index({ locationId: 1, expiresAt: 1, _id: 1 });
balanceSchema.index({ locationId: 1, onHand: 1 });
balanceSchema.index({ campaignId: 1, expiresAt: 1 });
balanceSchema.index({ expiresAt: 1 });
export const Balance = mongoose.model<BalanceDoc>('Balance', balanceSchema, 'balances');

/** Running totals of one item in one campaign. `_id` = `${campaignId}:${itemId}`. */
const campaignTotalSchema = new Schema(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true, index: true },
    itemId: { type: String, required: true },
    donated: { type: Number, required: true, default: 0 },
    onHand: { type: Number, required: true, default: 0 },
    reserved: { type: Number, required: true, default: 0 },
    inTransit: { type: Number, required: true, default: 0 },
    delivered: { type: Number, required: true, default: 0 },
    writtenOff: { type: Number, required: true, default: 0 },
    ops: { type: [String], default: [] },
  },
  { versionKey: false },
);
export const CampaignTotal = mongoose.model('CampaignTotal', campaignTotalSchema, 'campaign_totals');

/** The ledger: append-only, never updated or deleted. `_id` = `${opId}:${n}`. */
const movementSchema = new Schema<MovementDoc>(
  {
    _id: { type: String, required: true },
    opId: { type: String, required: true },
    kind: { type: String, enum: MOVEMENT_KINDS, required: true },
    at: { type: Date, required: true },
    actorId: { type: String, required: true },
    locationId: { type: String, default: null },
    itemId: { type: String, required: true },
    campaignId: { type: String, required: true },
    lotId: { type: String, required: true },
    expiresAt: { type: Date, default: null },
    quantity: { type: Number, required: true },
    reason: { type: String, default: null },
    note: { type: String, default: null },
    donationId: { type: String, default: null },
    shipmentId: { type: String, default: null },
  },
  // Its indexes changed (the ledger's readers page by time, then `_id`): ensureIndexes syncs them.
  { versionKey: false, autoIndex: false },
);
movementSchema.index({ at: -1, _id: -1 });
movementSchema.index({ locationId: 1, at: -1, _id: -1 });
movementSchema.index({ campaignId: 1, at: -1, _id: -1 });
movementSchema.index({ donationId: 1 });
movementSchema.index({ shipmentId: 1 });
export const Movement = mongoose.model<MovementDoc>('Movement', movementSchema, 'movements');

/**
 * The intent of one stock operation, written before any balance changes and deleted when it is
 * finished or undone. The repair pass finishes (its first movement is in the ledger: the commit
 * point) or undoes whatever a crash left here.
 */
const stockOpSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    actorId: { type: String, required: true },
    steps: { type: Schema.Types.Mixed, required: true },
    movements: { type: Schema.Types.Mixed, required: true },
    /** What the owning component does when the op finishes or is undone (e.g. store the donation). */
    hook: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
    /** The repair pass leaves the op alone until then (its process may still be working on it). */
    leaseUntil: { type: Date, required: true },
  },
  { versionKey: false },
);
export const StockOp = mongoose.model('StockOp', stockOpSchema, 'stock_ops');

/**
 * An expiry alert announced: `_id` = `${locationId}:${lotId}:${threshold}` (hours left: 48, 24,
 * or 0 for expired). Inserting it is the claim that makes the alert go out once, across restarts
 * and instances.
 */
const expiryAlertSchema = new Schema(
  {
    _id: { type: String, required: true },
    locationId: { type: String, required: true },
    lotId: { type: String, required: true },
    campaignId: { type: String, required: true },
    threshold: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
export const ExpiryAlert = mongoose.model('ExpiryAlert', expiryAlertSchema, 'expiry_alerts');
