import mongoose, { Schema, type InferSchemaType } from 'mongoose';

/** A donor's promise (issue 20). Ids of other components are kept as hex strings, like the ledger's. */
const pledgeSchema = new Schema(
  {
    campaignId: { type: String, required: true },
    itemId: { type: String, required: true },
    locationId: { type: String, required: true },
    /** `YYYY-MM-DD` on the campaign's clock. */
    day: { type: String, required: true },
    /** Base units promised. */
    quantity: { type: Number, required: true },
    /** Base units brought by the donations that fulfilled it (never above `quantity`). */
    fulfilled: { type: Number, required: true, default: 0 },
    /** fulfilled >= quantity (set with the `$inc` that got it there). */
    settled: { type: Boolean, required: true, default: false },
    /** The donations that fulfilled it (a donation counts once per pledge). */
    donationIds: { type: [String], default: [] },
    fulfilments: {
      type: [
        new Schema(
          {
            donationId: { type: String, required: true },
            quantity: { type: Number, required: true },
            at: { type: Date, required: true },
            by: { type: String, required: true },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    /** The end of the day after `day` (campaign clock): from then on it no longer counts as pledged. */
    lapsesAt: { type: Date, required: true },
    /** Name and phone, kept only with the donor's consent; purged when the campaign closes. */
    contact: {
      type: new Schema(
        { name: { type: String, default: null }, phone: { type: String, default: null } },
        { _id: false },
      ),
      default: null,
    },
  },
  { timestamps: true, versionKey: false },
);
// The board's open pledges (lapsesAt > now) and the per-campaign rate (createdAt) of a campaign.
pledgeSchema.index({ campaignId: 1, lapsesAt: 1 });
pledgeSchema.index({ campaignId: 1, createdAt: 1 });
// A point's pledges of a day (intake).
pledgeSchema.index({ campaignId: 1, locationId: 1, day: 1 });

export type PledgeFields = InferSchemaType<typeof pledgeSchema>;
export const Pledge = mongoose.model('Pledge', pledgeSchema, 'pledges');

/**
 * Which pledge a donation's line for an item fulfilled (`_id`: `<donationId>:<itemId>`): the
 * unique `_id` is the claim that keeps one donation from fulfilling two pledges.
 */
const fulfilmentClaimSchema = new Schema(
  {
    _id: { type: String, required: true },
    pledgeId: { type: String, required: true },
  },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);
export const FulfilmentClaim = mongoose.model('PledgeFulfilmentClaim', fulfilmentClaimSchema, 'pledge_fulfilments');
