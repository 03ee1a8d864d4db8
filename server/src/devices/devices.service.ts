import { Types } from 'mongoose';
import type { DeviceDto, DevicePublicKey, ErrorDetail, RegisterDeviceRequest } from '@karavan/shared';
import { madeBefore } from '../db/operations';
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { devices, type DeviceRecord } from './devices.model';
import { normalisedKey, publicKeyObject } from './signatures';

/*
 * Device keys (chain of custody): registered by any signed-in user for themselves, listed by
 * their owner, revoked by organisers. A status update signed by a device is verified against it
 * (shipments' status commands, through `deviceForSigning`).
 */

export function presentDevice(d: DeviceRecord): DeviceDto {
  return {
    id: d._id.toHexString(),
    userId: d.userId,
    publicKey: normalisedKey(d.publicKey),
    label: d.label ?? null,
    createdAt: d.createdAt.toISOString(),
    revokedAt: d.revokedAt ? d.revokedAt.toISOString() : null,
  };
}

const byId = async (id: string) =>
  Types.ObjectId.isValid(id) && /^[0-9a-f]{24}$/.test(id) ? devices().findOne({ _id: new Types.ObjectId(id) }) : null;

/**
 * The device that signed an update, if the actor may sign with it: 422 when there is no such
 * device, 403 when it is another user's or was revoked.
 */
export async function deviceForSigning(actor: Actor, deviceId: string): Promise<DeviceDto> {
  const d = await byId(deviceId);
  if (!d) {
    throw new ApiError(422, 'UNPROCESSABLE', 'No such device', [
      { path: 'body.deviceId', message: 'is not a registered device', type: 'reference' },
    ]);
  }
  if (d.userId !== actor.id) throw ApiError.forbidden('This device is registered to another user');
  if (d.revokedAt) throw ApiError.forbidden('This device was revoked');
  return presentDevice(d);
}

/** The devices named (revoked ones too): the public keys of a custody export. */
export async function findDevices(ids: string[]): Promise<Map<string, DeviceDto>> {
  const valid = [...new Set(ids)].filter((id) => /^[0-9a-f]{24}$/.test(id)).map((id) => new Types.ObjectId(id));
  if (valid.length === 0) return new Map();
  const found = await devices()
    .find({ _id: { $in: valid } })
    .toArray();
  return new Map(found.map((d) => [d._id.toHexString(), presentDevice(d)]));
}

/** EC goes with P-256 and needs y; OKP with Ed25519 and has no y. */
function curveMismatch(jwk: { kty: string; crv: string; y?: string }): ErrorDetail | null {
  if (jwk.kty === 'EC' && jwk.crv !== 'P-256')
    return { path: 'body.publicKey.crv', message: 'must be P-256 for kty EC', type: 'key' };
  if (jwk.kty === 'OKP' && jwk.crv !== 'Ed25519')
    return { path: 'body.publicKey.crv', message: 'must be Ed25519 for kty OKP', type: 'key' };
  if (jwk.kty === 'EC' && !jwk.y) return { path: 'body.publicKey.y', message: 'is required for P-256', type: 'key' };
  if (jwk.kty === 'OKP' && jwk.y)
    return { path: 'body.publicKey.y', message: 'is not a member of an Ed25519 key', type: 'key' };
  return null;
}

export function createDevicesService() {
  return {
    /** Registers the public key of the caller's phone; under an Idempotency-Key, once. */
    async register(actor: Actor, input: RegisterDeviceRequest, options: { id?: string } = {}): Promise<DeviceDto> {
      const made = await madeBefore(options.id, byId);
      if (made) return presentDevice(made);
      const pairing = curveMismatch(input.publicKey);
      if (pairing) throw new ApiError(422, 'UNPROCESSABLE', 'The key members do not fit its type', [pairing]);
      const publicKey: DevicePublicKey = normalisedKey(input.publicKey);
      if (!publicKeyObject(publicKey)) {
        throw new ApiError(422, 'UNPROCESSABLE', 'The public key is not a point of its curve', [
          { path: 'body.publicKey', message: 'is not a valid public key of its curve', type: 'key' },
        ]);
      }
      const doc: DeviceRecord = {
        _id: new Types.ObjectId(options.id),
        userId: actor.id,
        publicKey,
        label: input.label ? input.label : null,
        createdAt: new Date(),
        revokedAt: null,
        revokedBy: null,
      };
      await devices().insertOne(doc);
      return presentDevice(doc);
    },

    /** The caller's own devices, newest first. */
    async listOwn(actor: Actor): Promise<{ items: DeviceDto[] }> {
      const found = await devices().find({ userId: actor.id }).sort({ createdAt: -1 }).limit(200).toArray();
      return { items: found.map(presentDevice) };
    },

    /** Revokes a device (organisers): it signs nothing more; what it signed before stays checkable. */
    async revoke(actor: Actor, id: string): Promise<DeviceDto> {
      const d = await byId(id);
      if (!d) throw ApiError.notFound('Device');
      if (!d.revokedAt) {
        await devices().updateOne(
          { _id: d._id, revokedAt: null },
          { $set: { revokedAt: new Date(), revokedBy: actor.id } },
        );
      }
      return presentDevice((await byId(id))!);
    },
  };
}

export type DevicesService = ReturnType<typeof createDevicesService>;
