import mongoose, { Schema } from 'mongoose';
import { DONOR_KINDS, LOCALES } from '@karavan/shared';
import { collectionOf } from '../db/collections';

export interface DonationDoc {
  _id: string;
  campaignId: string;
  locationId: string;
  receivedAt: Date;
  receivedBy: string;
  donor: { kind: string; name: string | null; phone: string | null; consentToContact: boolean; locale: string | null };
  lines: { itemId: string; quantity: number; lotId: string; expiresAt: Date | null }[];
  note: string | null;
  opId: string;
  /** The kernel's claim of a void being applied (db/operations.ts), null otherwise. */
  voiding: { opId: string; since: Date } | null;
  voided: { at: Date; by: string; reason: string } | null;
  createdAt: Date;
}

/**
 * A donation as received. Never edited: a mistake is corrected by voiding it (which reverses its
 * stock) and recording it again. Written by the stock operation that moves its goods (see
 * donations.service.ts), so a donation exists exactly when its stock does.
 */
const donationSchema = new Schema<DonationDoc>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    locationId: { type: String, required: true },
    receivedAt: { type: Date, required: true },
    receivedBy: { type: String, required: true },
    donor: {
      kind: { type: String, enum: DONOR_KINDS, required: true },
      name: { type: String, default: null },
      phone: { type: String, default: null },
      consentToContact: { type: Boolean, default: false },
      locale: { type: String, enum: [...LOCALES, null], default: null },
    },
    lines: [
      new Schema(
        {
          itemId: { type: String, required: true },
          quantity: { type: Number, required: true },
          lotId: { type: String, required: true },
          expiresAt: { type: Date, default: null },
        },
        { _id: false },
      ),
    ],
    note: { type: String, default: null },
    /** The stock operation that recorded it. */
    opId: { type: String, required: true },
    /**
     * Set while a void is being applied: the claim of its operation in the persistence kernel
     * (`{ opId, since }`), released when the void is finished or undone. (Earlier versions kept
     * their own `voidOpId` and `voidClaimedAt` instead; left unread on old documents.)
     */
    voiding: { type: new Schema({ opId: String, since: Date }, { _id: false }), default: null },
    voided: {
      type: new Schema({ at: Date, by: String, reason: String }, { _id: false }),
      default: null,
    },
    createdAt: { type: Date, required: true },
  },
  // Its indexes changed (the list's order ends with `_id`): ensureIndexes syncs them.
  { versionKey: false, autoIndex: false },
);
// The list, most recently received first (`receivedAt`, then `_id`), whole or by campaign or
// place: each an index walked in that order.
donationSchema.index({ receivedAt: -1, _id: -1 });
donationSchema.index({ campaignId: 1, receivedAt: -1, _id: -1 });
donationSchema.index({ locationId: 1, receivedAt: -1, _id: -1 });

export const Donation = mongoose.model<DonationDoc>('Donation', donationSchema, 'donations');
export const donations = () => collectionOf(Donation);
