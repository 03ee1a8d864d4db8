import mongoose, { Schema } from 'mongoose';
import { collectionOf } from '../db/collections';

/** A crate label as printed. Ids of other components are hex strings. */
export interface LabelRecord {
  /** `<batch>:<n>`: the n-th crate of one request, so a retry under its key finds what it made. */
  _id: string;
  /** The request that issued it (the Idempotency-Key's resource id, or a random one). */
  batch: string;
  n: number;
  /** Stored form: 8 Crockford symbols and the check symbol, upper case, no dash. Unique. */
  code: string;
  shipmentId: string;
  itemId: string;
  quantity: number;
  unit: string;
  lotId: string | null;
  expiresAt: Date | null;
  destinationId: string;
  /** The shipment's plan when printed (see manifestHash): another value now means outdated. */
  manifestHash: string;
  issuedAt: Date;
  issuedBy: string;
  url: string;
  /** The QR code's text, signed when printed. */
  qr: string;
}

const labelSchema = new Schema<LabelRecord>(
  {
    _id: { type: String, required: true },
    batch: { type: String, required: true },
    n: { type: Number, required: true },
    code: { type: String, required: true },
    shipmentId: { type: String, required: true },
    itemId: { type: String, required: true },
    quantity: { type: Number, required: true },
    unit: { type: String, required: true },
    lotId: { type: String, default: null },
    expiresAt: { type: Date, default: null },
    destinationId: { type: String, required: true },
    manifestHash: { type: String, required: true },
    issuedAt: { type: Date, required: true },
    issuedBy: { type: String, required: true },
    url: { type: String, required: true },
    qr: { type: String, required: true },
  },
  { versionKey: false },
);
labelSchema.index({ code: 1 }, { unique: true });
// A shipment's labels in print order (the PDF, the plan check); a request's labels (a retry).
labelSchema.index({ shipmentId: 1, issuedAt: 1 });
labelSchema.index({ batch: 1 });

export const Label = mongoose.model<LabelRecord>('Label', labelSchema, 'labels');
export const labels = () => collectionOf(Label);
