import mongoose, { Schema, type HydratedDocumentFromSchema, type InferSchemaType } from 'mongoose';
import { LOCALES, ROLES, DEFAULT_LOCALE } from '@karavan/shared';

const userSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true, unique: true },
    name: { type: String, required: true, trim: true },
    role: { type: String, enum: ROLES, required: true },
    active: { type: Boolean, required: true, default: true },
    passwordHash: { type: String, required: true },
    /** Set when somebody else chose the password (first run, creation, reset). */
    mustChangePassword: { type: Boolean, required: true, default: true },
    locale: { type: String, enum: LOCALES, required: true, default: DEFAULT_LOCALE },
    phone: { type: String, default: null },
    /** The places the user works at (a pledge's donor contact is shown only to the people of its point). */
    locationIds: { type: [String], default: [] },
    /** Part of every access token; bumping it revokes every token issued before. */
    tokenVersion: { type: Number, required: true, default: 0 },
    lastLoginAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);

export type UserFields = InferSchemaType<typeof userSchema>;
export type UserDoc = HydratedDocumentFromSchema<typeof userSchema>;
export const User = mongoose.model('User', userSchema, 'users');
