import mongoose, { Schema, type Types } from 'mongoose';
import type { DevicePublicKey } from '@karavan/shared';
import { collectionOf } from '../db/collections';

/**
 * A phone's device key (chain of custody): the public half of a key the browser made and keeps
 * (WebCrypto, not extractable), registered to the signed-in user. Never deleted: a revoked device
 * keeps its key so that what it signed before can still be checked.
 */
export interface DeviceRecord {
  _id: Types.ObjectId;
  userId: string;
  publicKey: DevicePublicKey;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
}

const deviceSchema = new Schema<DeviceRecord>(
  {
    userId: { type: String, required: true, index: true },
    publicKey: { type: Schema.Types.Mixed, required: true },
    label: { type: String, default: null },
    createdAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
    revokedBy: { type: String, default: null },
  },
  { versionKey: false },
);
export const Device = mongoose.model<DeviceRecord>('Device', deviceSchema, 'devices');
export const devices = () => collectionOf(Device);
