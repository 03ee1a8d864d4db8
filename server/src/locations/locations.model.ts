import mongoose, { Schema, type HydratedDocumentFromSchema, type InferSchemaType } from 'mongoose';
import { LOCATION_KINDS } from '@karavan/shared';

const locationSchema = new Schema(
  {
    /** `{ ru, en?, ky?, kk? }`; older versions stored a plain string (read as every language). */
    name: { type: Schema.Types.Mixed, required: true },
    kind: { type: String, enum: LOCATION_KINDS, required: true },
    address: { type: String, default: null },
    position: {
      type: new Schema(
        { lat: { type: Number, required: true }, lng: { type: Number, required: true } },
        { _id: false },
      ),
      default: null,
    },
    contact: {
      type: new Schema(
        { name: { type: String, default: null }, phone: { type: String, default: null } },
        { _id: false },
      ),
      default: null,
    },
    /** Free text beside the week (older versions: the only hours). */
    openingHours: { type: String, default: null },
    /** `{ mon: [{ opens, closes }], ... }` in local time; null: not known. */
    weeklyHours: { type: Schema.Types.Mixed, default: null },
    /** Inactive locations stay for the ledger's references but take no new stock. */
    active: { type: Boolean, required: true, default: true },
  },
  { timestamps: true, versionKey: false },
);
locationSchema.index({ 'name.ru': 1, _id: 1 });

export type LocationFields = InferSchemaType<typeof locationSchema>;
export type LocationDoc = HydratedDocumentFromSchema<typeof locationSchema>;
export const Location = mongoose.model('Location', locationSchema, 'locations');
