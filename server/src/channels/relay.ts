import Joi from 'joi';
import {
  objectId,
  RELAY_REFUSALS,
  shipmentUpdateBody,
  type RelayRefusal,
  type ShipmentUpdateRequest,
} from '@karavan/shared';
import { findDevices } from '../devices';
import { ApiError } from '../lib/errors';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { ShipmentsService } from '../shipments';
import { userDoc } from '../users';

/*
 * The QR relay (issue 21): a driver's phone with no signal shows its pending status updates,
 * each signed with its device key, as QR codes; a colleague whose phone has signal scans them
 * and posts them here. Each is applied as the driver's own update (the device's owner, with the
 * driver's rights), through the same path as the app's: the signature is checked, and the update's
 * id makes a second copy (relayed twice, or sent later by the driver's own outbox) change nothing.
 */

export interface RelayEnvelope {
  deviceId: string;
  /** The update as the phone would have sent it, without `deviceId` and `signature`, plus `shipmentId`. */
  payload: Record<string, unknown>;
  /** The device's signature of the update (see signedUpdatePayload in shared/src/custody.ts). */
  signature: string;
}

export interface RelayResult {
  id: string | null;
  status: 'applied' | 'duplicate' | 'rejected';
  /** With `rejected`: why, as a code (RELAY_REFUSALS) and in English. */
  code?: RelayRefusal;
  reason?: string;
}

const RELAY_MAX = 50;

const relayBody = Joi.object({
  envelopes: Joi.array()
    .items(
      Joi.object({
        deviceId: objectId().required(),
        // The update as the phone would have sent it (without its device and signature), and its shipment.
        payload: (shipmentUpdateBody as Joi.ObjectSchema).keys({ shipmentId: objectId().required() }).required(),
        signature: Joi.string()
          .pattern(/^[A-Za-z0-9_-]+$/, 'base64url')
          .max(200)
          .required(),
      }),
    )
    .min(1)
    .max(RELAY_MAX)
    .required(),
}).meta({ className: 'RelayRequest' });

const relayAnswer = Joi.object({
  results: Joi.array()
    .items(
      Joi.object({
        id: Joi.string().allow(null).required(),
        status: Joi.string().valid('applied', 'duplicate', 'rejected').required(),
        code: Joi.string().valid(...RELAY_REFUSALS),
        reason: Joi.string(),
      }),
    )
    .required(),
}).meta({ className: 'RelayAnswer' });

/** A refused envelope; `reason` is `<the error's code>: <message>`, the refusal's own code unless the update's error has another. */
const reject = (id: string | null, code: RelayRefusal, message: string, errorCode: string = code): RelayResult => ({
  id,
  status: 'rejected',
  code,
  reason: `${errorCode}: ${message}`,
});

/** The refusal an update's error means: a bad signature and a step not allowed are told apart. */
function refusalOf(err: ApiError): RelayRefusal {
  const types = new Set((err.details ?? []).map((d) => d.type));
  if (types.has('signature')) return 'SIGNATURE_MISMATCH';
  if (types.has('allowed')) return 'STATUS_NOT_ALLOWED';
  return (RELAY_REFUSALS as readonly string[]).includes(err.code) ? (err.code as RelayRefusal) : 'UNPROCESSABLE';
}

/**
 * One envelope: applied as its device owner's update, or why not. `envelope` is as the route's
 * schema checked and converted it; `asSent` is its payload as the JSON carried it, which is what
 * the device signed (as POST /api/shipments/:id/updates hands the service the body as sent).
 */
async function relayOne(
  shipments: ShipmentsService,
  envelope: RelayEnvelope,
  asSent: Record<string, unknown>,
): Promise<RelayResult> {
  const { shipmentId, ...update } = envelope.payload;
  const id = typeof update.id === 'string' ? update.id : null;
  if ('deviceId' in update || 'signature' in update)
    return reject(id, 'VALIDATION_FAILED', "the payload carries no deviceId or signature (they are the envelope's)");
  const [device] = (await findDevices([envelope.deviceId])).values();
  if (!device || device.revokedAt) return reject(id, 'UNKNOWN_DEVICE', 'no such device, or it was revoked');
  const owner = await userDoc(device.userId);
  if (!owner || !owner.active) return reject(id, 'ACCOUNT_DISABLED', "the device's owner cannot report any more");
  // What the phone would have posted: the update with its device and signature.
  const signedBy = { deviceId: envelope.deviceId, signature: envelope.signature };
  const { shipmentId: _shipmentId, ...sentUpdate } = asSent;
  const request = { ...update, ...signedBy } as unknown as ShipmentUpdateRequest;
  const actor = { id: device.userId, role: owner.role, email: owner.email, mustChangePassword: false };
  try {
    const done = await shipments.report(actor, shipmentId as string, request, { ...sentUpdate, ...signedBy });
    return { id, status: done.replayed ? 'duplicate' : 'applied' };
  } catch (err) {
    if (err instanceof ApiError) return reject(id, refusalOf(err), err.message, err.code);
    throw err;
  }
}

export function relayRoutes(shipments: ShipmentsService): RouteSpec[] {
  return [
    defineRoute<{ envelopes: RelayEnvelope[] }>({
      method: 'post',
      path: '/api/relay',
      tag: 'channels',
      summary: "Relay a phone's signed updates for it (the QR relay)",
      description: `Any signed-in user may relay the status updates another phone signed with its device key (scanned from its screen). Each envelope's \`payload\` is the update as that phone would have sent it to \`POST /api/shipments/:id/updates\`, without \`deviceId\` and \`signature\`, plus \`shipmentId\`; \`signature\` is the device's signature of it (canonical JSON of the payload with \`deviceId\`, see the custody section). Each is applied in order as its device owner's own update, with that user's rights: \`applied\`, \`duplicate\` (its id was applied before: relayed twice, or already sent by the phone itself; nothing changes), or \`rejected\` with a \`code\` (${RELAY_REFUSALS.join(', ')}) for the screen to say in its language, and the \`reason\` in English (an unknown or revoked device, a signature that does not match, a transition not allowed, ...). At most ${RELAY_MAX} envelopes. Always 200 when the request itself is valid; the outcome is per envelope. Honours Idempotency-Key.`,
      access: 'authenticated',
      idempotent: true,
      body: relayBody,
      responses: { 200: { description: 'One result per envelope, in order', schema: relayAnswer } },
      async handler({ body, req }) {
        const sent = (req.body as { envelopes: { payload: Record<string, unknown> }[] }).envelopes;
        const results: RelayResult[] = [];
        // In order: one phone's updates of one shipment follow each other.
        for (const [i, envelope] of body.envelopes.entries())
          results.push(await relayOne(shipments, envelope, sent[i]!.payload));
        return { status: 200, body: { results } };
      },
    }),
  ];
}
