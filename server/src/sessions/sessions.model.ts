import mongoose, { Schema } from 'mongoose';

/**
 * A refresh session. `_id` is the SHA-256 of the refresh token (the token itself is never
 * stored), so every refresh is an `_id` lookup.
 */
const sessionSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    /** All sessions rotated from one login share a family; reuse of a retired token ends the family. */
    family: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    /** Set when the token was exchanged for a new one; a second use is a replay. */
    rotatedAt: { type: Date, default: null },
    userAgent: { type: String, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, autoIndex: false },
);
/** Expired sessions are deleted by the database (TTL); a session past `expiresAt` is refused before that. */
sessionSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export const Session = mongoose.model('Session', sessionSchema, 'sessions');
