import mongoose, { Schema } from 'mongoose';

/**
 * Donations per campaign and hour, kept up to date as donations are recorded and voided, so the
 * dashboard's chart reads a campaign's hours through the declared index {campaignId, hour}
 * instead of scanning every donation. `_id` is `<campaignId>:<hour start ISO>` (one counter per
 * hour, made by an upsert).
 */
const donationCounterSchema = new Schema(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    hour: { type: Date, required: true },
    donations: { type: Number, required: true, default: 0 },
    quantity: { type: Number, required: true, default: 0 },
  },
  { versionKey: false },
);
donationCounterSchema.index({ campaignId: 1, hour: 1 });

export const DonationCounter = mongoose.model('DonationCounter', donationCounterSchema, 'donation_counters');

export const HOUR_MS = 60 * 60 * 1000;

export function hourStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

export function counterId(campaignId: string, hour: Date): string {
  return `${campaignId}:${hour.toISOString()}`;
}
