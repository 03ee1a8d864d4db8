import mongoose, { Schema, type HydratedDocumentFromSchema, type InferSchemaType } from 'mongoose';
import { CAMPAIGN_STATUSES } from '@karavan/shared';

const campaignSchema = new Schema(
  {
    name: { type: String, required: true },
    description: { type: String, default: null },
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
  },
  { timestamps: true, versionKey: false },
);
campaignSchema.index({ name: 1, _id: 1 });

export type CampaignFields = InferSchemaType<typeof campaignSchema>;
export type CampaignDoc = HydratedDocumentFromSchema<typeof campaignSchema>;
export const Campaign = mongoose.model('Campaign', campaignSchema, 'campaigns');
