import Joi from 'joi';
import { objectId } from './common';
import { itemQuantity } from './catalogue';
import type { ShipmentStatus } from './shipment-life';

/** Crates a request may label at once. */
export const LABELS_PER_REQUEST_MAX = 200;

export interface CreateLabelsRequest {
  /** One label per crate, tray or pallet: what it holds, in the item's base unit. */
  crates: { itemId: string; quantity: number; lotId?: string }[];
}

export const createLabelsBody = Joi.object<CreateLabelsRequest, true>({
  crates: Joi.array()
    .items(
      Joi.object({
        itemId: objectId().required(),
        quantity: itemQuantity().required(),
        lotId: objectId(),
      }),
    )
    .min(1)
    .max(LABELS_PER_REQUEST_MAX)
    .required(),
});

/** `GET /api/labels/:code`: the code as printed (`XXXX-XXXX-C`), with or without dashes, any case. */
export const labelCodeParams = Joi.object<{ code: string }, true>({
  code: Joi.string()
    .pattern(/^[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}-?[0-9A-Za-z*~$=]$/, 'label code')
    .required(),
});

export const LABEL_FORMATS = ['a4', 'thermal58'] as const;
export type LabelFormat = (typeof LABEL_FORMATS)[number];
export interface LabelsPdfQuery {
  /** `a4` (the default) or `thermal58`. */
  format: LabelFormat;
  /** The second language printed beside Russian (default: the destination's, else English). */
  lang?: 'en' | 'ky' | 'kk';
}
export const labelsPdfQuery = Joi.object<LabelsPdfQuery, true>({
  format: Joi.string()
    .valid(...LABEL_FORMATS)
    .default('a4'),
  lang: Joi.string().valid('en', 'ky', 'kk'),
});

/** A crate label as issued. */
export interface LabelDto {
  /** The human code as printed, `XXXX-XXXX-C` (Crockford base 32 with a check symbol). */
  code: string;
  shipmentId: string;
  itemId: string;
  quantity: number;
  /** The item's base unit. */
  unit: string;
  lotId: string | null;
  expiresAt: string | null;
  destinationId: string;
  issuedAt: string;
  issuedBy: string;
  /** The label's page: `<PUBLIC_URL>/l/<code>`. */
  url: string;
  /** The QR code's text: `url#<summary>.<signature>` (see shared/labels.ts). */
  qr: string;
}

/** A label looked up by its code, with its shipment as it is now. */
export interface LabelLookupDto extends LabelDto {
  shipment: { id: string; status: ShipmentStatus; destinationId: string; updatedAt: string };
  /** The shipment's plan (destination, items, quantities) or its cancellation changed since printing. */
  outdated: boolean;
}

export interface PublicKeyDto {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
}

const labelKeys = {
  code: Joi.string().required(),
  shipmentId: Joi.string().required(),
  itemId: Joi.string().required(),
  quantity: Joi.number().integer().required(),
  unit: Joi.string().required(),
  lotId: Joi.string().allow(null).required(),
  expiresAt: Joi.string().isoDate().allow(null).required(),
  destinationId: Joi.string().required(),
  issuedAt: Joi.string().isoDate().required(),
  issuedBy: Joi.string().required(),
  url: Joi.string().required(),
  qr: Joi.string().required(),
};
export const labelSchema = Joi.object<LabelDto, true>(labelKeys).label('Label');
export const labelListSchema = Joi.object({ items: Joi.array().items(labelSchema).required() }).label('Labels');
export const labelLookupSchema = Joi.object<LabelLookupDto, true>({
  ...labelKeys,
  shipment: Joi.object({
    id: Joi.string().required(),
    status: Joi.string().required(),
    destinationId: Joi.string().required(),
    updatedAt: Joi.string().isoDate().required(),
  }).required(),
  outdated: Joi.boolean().required(),
}).label('LabelLookup');
export const publicKeySchema = Joi.object<PublicKeyDto, true>({
  kty: Joi.string().valid('OKP').required(),
  crv: Joi.string().valid('Ed25519').required(),
  x: Joi.string().required(),
  kid: Joi.string().required(),
}).label('PublicKey');
