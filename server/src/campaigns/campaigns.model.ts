import mongoose, { Schema, type HydratedDocumentFromSchema, type InferSchemaType } from 'mongoose';
import { CAMPAIGN_STATUSES } from '@karavan/shared';

const campaignSchema = new Schema(
  {
    /** `{ ru, en?, ky?, kk? }`; older versions stored a plain string (read as every language). */
    name: { type: Schema.Types.Mixed, required: true },
    /** Like `name`, or null. */
    description: { type: Schema.Types.Mixed, default: null },
    startsAt: { type: Date, default: null },
    endsAt: { type: Date, default: null },
    status: { type: String, enum: CAMPAIGN_STATUSES, required: true, default: 'draft' },
    /** Shown on the public needs page without sign-in. */
    public: { type: Boolean, required: true, default: false },
    /** One per item, in the item's base unit. */
    targets: {
      type: [
        new Schema(
          {
            itemId: { type: Schema.Types.ObjectId, required: true },
            quantity: { type: Number, required: true },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    /** IANA zone; null (older campaigns): KARAVAN_TIME_ZONE. */
    timeZone: { type: String, default: null },
    /** The collection points taking part; empty: every active collection point. */
    locationIds: { type: [Schema.Types.ObjectId], default: [] },
    /** Items the organisers said there is enough of ("stop bringing"). */
    enoughItemIds: { type: [Schema.Types.ObjectId], default: [] },
    /** Donors may pledge more than the need left. */
    pledgesOverNeed: { type: Boolean, default: false },
  },
  { timestamps: true, versionKey: false },
);
campaignSchema.index({ 'name.ru': 1, _id: 1 });

export type CampaignFields = InferSchemaType<typeof campaignSchema>;
export type CampaignDoc = HydratedDocumentFromSchema<typeof campaignSchema>;
export const Campaign = mongoose.model('Campaign', campaignSchema, 'campaigns');
