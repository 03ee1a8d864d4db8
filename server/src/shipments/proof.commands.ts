import { randomUUID } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import type { ShipmentDto, ShipmentReceiptRequest } from '@karavan/shared';
import { retrying, RETRY } from '../db/retry';
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { userLocationIds, userRecord } from '../users';
import type { ShipmentsContext } from './context';
import type { HistoryEntry, PhotoRef, ShipmentRecord } from './shipments.model';
import { presentShipment } from './shipments.presenter';

/*
 * Proof of delivery besides the delivery itself (status.commands.ts keeps the receiver's name and
 * signature and the labels scanned): the receiver's own confirmation on their signed-in phone, and
 * photos (of damaged goods) kept in GridFS, bucket `shipment_photos`, listed on the shipment.
 */

export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
/** A phone compresses to about 1280 px at JPEG quality 0.7 (some 200-400 kB): 5 MB is plenty. */
export const PHOTO_MAX_BYTES = 5 * 1024 * 1024;
/** Photos one shipment keeps. */
export const PHOTOS_MAX = 30;
export const PHOTO_BUCKET = 'shipment_photos';

/** An upload as the photo middleware read it (app.ts): the bytes and their type. */
export interface PhotoUpload {
  bytes: Buffer;
  contentType: string;
}

const bucket = () => new mongoose.mongo.GridFSBucket(mongoose.connection.db!, { bucketName: PHOTO_BUCKET });

/** Whether the bytes start like the type they claim (JPEG, PNG, WebP magic numbers). */
export function looksLike(bytes: Buffer, contentType: string): boolean {
  if (contentType === 'image/jpeg')
    return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (contentType === 'image/png')
    return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  if (contentType === 'image/webp')
    return bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP';
  return false;
}

export function createProofCommands(ctx: ShipmentsContext) {
  const { find, publish, casUpdate, canReadAny, isDriverOf } = ctx;

  /** The shipment's driver or staff (who reads any shipment); else 403. */
  async function photoAccess(actor: Actor, id: string): Promise<ShipmentRecord> {
    const s = await find(id);
    if (!canReadAny(actor) && !isDriverOf(actor, s)) throw ApiError.forbidden('This shipment is not assigned to you');
    return s;
  }

  /** Appends to the shipment with compare-and-set, retrying; `change` null: nothing to do. */
  async function append(
    id: string,
    change: (s: ShipmentRecord) => { set: Record<string, unknown>; entry?: HistoryEntry } | null,
  ): Promise<ShipmentRecord> {
    return retrying(
      async () => {
        const s = await find(id);
        if (s.pending) return RETRY;
        const c = change(s);
        if (!c) return s;
        const after = await casUpdate(s, c.set, c.entry);
        if (!after) return RETRY;
        publish(after, c.entry ?? null);
        return after;
      },
      { message: 'The shipment kept changing; retry' },
    );
  }

  return {
    /**
     * A photo attached to the shipment (its driver or staff). Under an Idempotency-Key the photo
     * takes its id from the key, so a retry after a lost answer stores it once.
     */
    async addPhoto(actor: Actor, id: string, upload: PhotoUpload, madeId?: string): Promise<ShipmentDto> {
      const s = await photoAccess(actor, id);
      // The type is right (else 415 before reading), but the bytes are not such an image: a rule
      // the document cannot state, so 422 like the other such rules.
      if (!looksLike(upload.bytes, upload.contentType)) {
        throw new ApiError(422, 'UNPROCESSABLE', `The body is not a ${upload.contentType} image`, [
          { path: 'body', message: `does not start as a ${upload.contentType} file does`, type: 'image' },
        ]);
      }
      const photoId = madeId && Types.ObjectId.isValid(madeId) ? madeId : new Types.ObjectId().toHexString();
      if ((s.photos ?? []).some((p) => p.id === photoId)) return presentShipment(s);
      if ((s.photos ?? []).length >= PHOTOS_MAX) {
        throw new ApiError(409, 'CONFLICT', `A shipment keeps at most ${PHOTOS_MAX} photos`);
      }
      const oid = new Types.ObjectId(photoId);
      // A retry whose first attempt stored the file but not the reference: keep that file.
      const stored = await bucket().find({ _id: oid }).toArray();
      if (stored.length === 0) {
        await new Promise<void>((resolve, reject) => {
          const stream = bucket().openUploadStreamWithId(oid, `${id}-${photoId}`, {
            metadata: { shipmentId: id, contentType: upload.contentType, uploadedBy: actor.id },
          });
          stream.once('finish', () => resolve());
          stream.once('error', reject);
          stream.end(upload.bytes);
        });
      }
      const ref: PhotoRef = {
        id: photoId,
        contentType: upload.contentType,
        size: upload.bytes.length,
        uploadedAt: new Date(),
        uploadedBy: actor.id,
      };
      const after = await append(id, (cur) =>
        (cur.photos ?? []).some((p) => p.id === photoId) ? null : { set: { photos: [...(cur.photos ?? []), ref] } },
      );
      return presentShipment(after);
    },

    /** A photo's bytes (the shipment's driver or staff); 404 when it is not one of the shipment's. */
    async photo(actor: Actor, id: string, photoId: string): Promise<PhotoUpload> {
      const s = await photoAccess(actor, id);
      const ref = (s.photos ?? []).find((p) => p.id === photoId);
      if (!ref) throw ApiError.notFound('Photo');
      const chunks: Buffer[] = [];
      for await (const chunk of bucket().openDownloadStream(new Types.ObjectId(photoId))) chunks.push(chunk as Buffer);
      return { bytes: Buffer.concat(chunks), contentType: ref.contentType };
    },

    /**
     * The receiver confirms a delivered shipment on their own signed-in phone: a user whose
     * places (`locationIds`) include the destination. Kept on the shipment and as a `receipt`
     * record of its history (in the chain of custody). 409 before delivery or when confirmed.
     */
    async confirmReceipt(actor: Actor, id: string, input: ShipmentReceiptRequest): Promise<ShipmentDto> {
      const s = await find(id);
      const places = await userLocationIds(actor.id);
      if (!places.includes(s.destinationId)) {
        throw ApiError.forbidden('Only somebody working at the destination may confirm receiving this shipment');
      }
      const user = await userRecord(actor.id);
      const name = user?.name ?? actor.email;
      const now = new Date();
      const after = await append(id, (cur) => {
        if (cur.status !== 'delivered') throw new ApiError(409, 'CONFLICT', 'The shipment is not delivered yet');
        if (cur.receipt) throw new ApiError(409, 'CONFLICT', 'The receipt of this shipment was already confirmed');
        const entry: HistoryEntry = {
          id: randomUUID(),
          status: cur.status,
          kind: 'receipt',
          at: now,
          receivedAt: now,
          position: null,
          note: input.note ? input.note : null,
          checkpointId: null,
          actorId: actor.id,
          actorRole: actor.role,
          applied: true,
          receiver: { name, signature: null, userId: actor.id },
        };
        return { set: { receipt: { userId: actor.id, name, at: now } }, entry };
      });
      return presentShipment(after);
    },
  };
}
