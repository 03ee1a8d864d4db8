import Joi from 'joi';
import { objectId } from './common';
import type { CustodyDto, DeviceDto, RegisterDeviceRequest } from './custody';
import { CUSTODY_RECORD_KINDS } from './custody';
import { freeText } from './catalogue';
import { text } from './text';

/** base64url of a 32-byte coordinate (43 characters, no padding). */
const coordinate = () => Joi.string().pattern(/^[A-Za-z0-9_-]{43}$/, 'base64url of 32 bytes');

/**
 * A public JWK: EC P-256 `{ kty, crv, x, y }` or Ed25519 `{ kty: 'OKP', crv, x }`. What
 * WebCrypto's exportKey adds (`ext`, `key_ops`, `alg`, `use`, `kid`) is accepted and dropped; a
 * private member (`d`) is refused.
 */
export const devicePublicKeySchema = Joi.object({
  kty: Joi.string().valid('EC', 'OKP').required(),
  // Which curve goes with which kty (and that P-256 has y, Ed25519 not) is checked by the service (422).
  crv: Joi.string().valid('P-256', 'Ed25519').required(),
  x: coordinate().required(),
  y: coordinate(),
  d: Joi.forbidden().messages({ 'any.unknown': 'is a private key member: send the public key only' }),
  ext: Joi.boolean(),
  key_ops: Joi.array()
    .items(text({ max: 20 }))
    .max(8),
  alg: text({ max: 20 }),
  use: text({ max: 20 }),
  kid: text({ max: 200 }),
});

export const registerDeviceBody = Joi.object<RegisterDeviceRequest>({
  publicKey: devicePublicKeySchema.required(),
  label: freeText(80),
});

const iso = () => Joi.string().isoDate();
const publicKeyDto = Joi.object({
  kty: Joi.string().required(),
  crv: Joi.string().required(),
  x: Joi.string().required(),
  y: Joi.string(),
}).label('DevicePublicKey');

export const deviceSchema = Joi.object<DeviceDto>({
  id: objectId().required(),
  userId: Joi.string().required(),
  publicKey: publicKeyDto.required(),
  label: Joi.string().allow(null).required(),
  createdAt: iso().required(),
  revokedAt: iso().allow(null).required(),
}).label('Device');

export const deviceListSchema = Joi.object({ items: Joi.array().items(deviceSchema).required() }).label('DeviceList');

export const custodyQuery = Joi.object<{ download?: boolean }, true>({ download: Joi.boolean() });

export const custodySchema = Joi.object<CustodyDto, true>({
  shipmentId: Joi.string().required(),
  intact: Joi.boolean().required(),
  head: Joi.string().allow(null).required(),
  records: Joi.array()
    .items(
      Joi.object({
        kind: Joi.string()
          .valid(...CUSTODY_RECORD_KINDS)
          .required(),
        id: Joi.string().required(),
        at: iso().required(),
        hash: Joi.string().allow(null).required(),
        prevHash: Joi.string().allow(null).required(),
        deviceId: Joi.string(),
        verified: Joi.boolean().required(),
      }).label('CustodyRecord'),
    )
    .required(),
}).label('Custody');
