import mongoose, { Schema, type HydratedDocumentFromSchema, type InferSchemaType } from 'mongoose';
import { BASE_UNITS } from '@karavan/shared';

const itemSchema = new Schema(
  {
    name: {
      type: new Schema(
        {
          ru: { type: String, required: true },
          en: { type: String, required: true },
          ky: { type: String },
          kk: { type: String },
        },
        { _id: false },
      ),
      required: true,
    },
    category: { type: String, default: null },
    /** Never changes: every quantity in the ledger is counted in it. */
    baseUnit: { type: String, enum: BASE_UNITS, required: true },
    packs: {
      type: [
        new Schema({ unit: { type: String, required: true }, size: { type: Number, required: true } }, { _id: false }),
      ],
      default: [],
    },
    perishable: { type: Boolean, required: true, default: false },
    shelfLifeHours: { type: Number, default: null },
    /** Weight of one base unit in kg (for a shipment's load against its vehicle's capacity). */
    weightKgPerUnit: { type: Number, default: null },
    /** Inactive items stay for the ledger's references but are not offered for new entries. */
    active: { type: Boolean, required: true, default: true },
  },
  { timestamps: true, versionKey: false },
);
itemSchema.index({ 'name.ru': 1, _id: 1 });

export type ItemFields = InferSchemaType<typeof itemSchema>;
export type ItemDoc = HydratedDocumentFromSchema<typeof itemSchema>;
export const Item = mongoose.model('Item', itemSchema, 'items');
