import mongoose, { Schema, type HydratedDocumentFromSchema, type InferSchemaType } from 'mongoose';

const vehicleSchema = new Schema(
  {
    kind: { type: String, required: true },
    plate: { type: String, default: null },
    capacityKg: { type: Number, default: null },
  },
  { _id: false },
);

const volunteerSchema = new Schema(
  {
    name: { type: String, required: true },
    phone: { type: String, default: null },
    /** ISO 639 codes. */
    languages: { type: [String], default: [] },
    skills: {
      type: new Schema(
        {
          licenceCategories: { type: [String], default: [] },
          vehicle: { type: vehicleSchema, default: null },
          /** Each `{ ru, en?, ky?, kk? }`; older versions stored plain strings (read as every language). */
          other: { type: [Schema.Types.Mixed], default: [] },
        },
        { _id: false },
      ),
      default: () => ({}),
    },
    availability: {
      type: new Schema(
        { available: { type: Boolean, required: true, default: true }, note: { type: String, default: null } },
        { _id: false },
      ),
      default: () => ({}),
    },
    notes: { type: String, default: null },
    /**
     * The volunteer's user account. One volunteer per user, checked by the service: a unique
     * index cannot be used because FerretDB treats a sparse index as non-sparse (many nulls).
     */
    userId: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true, versionKey: false },
);
volunteerSchema.index({ name: 1, _id: 1 });
volunteerSchema.index({ userId: 1 });

export type VolunteerFields = InferSchemaType<typeof volunteerSchema>;
export type VolunteerDoc = HydratedDocumentFromSchema<typeof volunteerSchema>;
export const Volunteer = mongoose.model('Volunteer', volunteerSchema, 'volunteers');
