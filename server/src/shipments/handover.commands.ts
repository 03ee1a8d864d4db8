import { createHash } from 'node:crypto';
import {
  HANDOVER_STATUSES,
  signedHandoverPayload,
  type CancelHandoverRequest,
  type ConfirmHandoverRequest,
  type CreateHandoverRequest,
  type ErrorDetail,
  type HandoverDto,
  type HandoverRecordContent,
  type HandoverStep,
  type HandoverTakerDto,
  type IncomingHandoversDto,
  type ShipmentDto,
} from '@karavan/shared';
import { stableStringify } from '../db/idempotency';
import { retrying, RETRY } from '../db/retry';
import { deviceForSigning, verifySignature } from '../devices';
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { listHandoverTakers, userRecord } from '../users';
import type { ShipmentsContext } from './context';
import { chained } from './custody';
import { heard, unprocessable } from './domain';
import { shipments, type HandoverRecord, type HistoryEntry, type ShipmentRecord } from './shipments.model';
import { presentHandover, presentShipment, presentShipmentSummary } from './shipments.presenter';

/*
 * Hand-overs (POST /api/shipments/:id/handovers and .../confirm): goods passing from the holder
 * (the assigned driver, or staff) to another person on the road, while the shipment is departed,
 * at a checkpoint or arrived (HANDOVER_STATUSES). The giver records who takes and what was
 * counted (a difference from what the shipment carries needs a reason; it is recorded, not
 * written off: the delivery settles the stock); a taker with an account confirms, and a taker
 * who is a driver then becomes the shipment's driver. Each step is a record of the custody chain
 * (kind `handover`, custody.ts), written with the hand-over in one compare-and-set of the
 * shipment. The client-made `id` makes the creation idempotent (the shipment keeps its
 * hand-overs, so a copy is recognised however late); a confirmation already made answers as is.
 * A signature that does not verify is refused (422), as for status updates: nothing is written.
 */

const entryId = (handoverId: string, step: HandoverStep) =>
  step === 'handover'
    ? `handover:${handoverId}`
    : step === 'handover.confirm'
      ? `handover:${handoverId}:confirm`
      : `handover:${handoverId}:cancel`;

export function createHandoverCommands(ctx: ShipmentsContext) {
  const { find, findReadable, canManage, isDriverOf, publish, casUpdate } = ctx;

  const answer = (s: ShipmentRecord, handoverId: string): { handover: HandoverDto; shipment: ShipmentDto } => {
    const h = (s.handovers ?? []).find((x) => x.id === handoverId)!;
    return { handover: presentHandover(s._id.toHexString(), h), shipment: presentShipment(s) };
  };

  /** The device's signature of a step, checked (422 when wrong), or nothing when unsigned. */
  async function checkSignature(
    actor: Actor,
    shipmentId: string,
    step: HandoverStep,
    signed: { deviceId: string; signature: string } | undefined,
    sent: Record<string, unknown>,
    path: string,
  ): Promise<Pick<HistoryEntry, 'deviceId' | 'signature' | 'sent' | 'verified'>> {
    if (!signed) return { deviceId: null, signature: null, sent: null, verified: false };
    const device = await deviceForSigning(actor, signed.deviceId);
    const asSent = { ...sent, deviceId: signed.deviceId };
    if (!verifySignature(device.publicKey, signedHandoverPayload(shipmentId, step, asSent), signed.signature)) {
      throw unprocessable('The signature does not match the hand-over and the device', [
        { path, message: "is not the device's signature of this hand-over", type: 'signature' },
      ]);
    }
    return { deviceId: device.id, signature: signed.signature, sent: asSent, verified: true };
  }

  /** 409 unless the shipment is on the road. */
  function assertOnTheRoad(s: ShipmentRecord): void {
    if (HANDOVER_STATUSES.includes(s.status)) return;
    throw new ApiError(
      409,
      'CONFLICT',
      `A shipment that is ${s.status} cannot be handed over; only while ${HANDOVER_STATUSES.join(', ')}`,
      HANDOVER_STATUSES.map((st) => ({ path: 'status', message: st, type: 'allowed' })),
    );
  }

  /** The lines as counted against what the shipment carries: 422 with field paths for what does not fit. */
  function countedLines(s: ShipmentRecord, lines: CreateHandoverRequest['lines']): HandoverRecord['lines'] {
    const details: ErrorDetail[] = [];
    const byItem = new Map<string, { quantity: number; reason?: HandoverRecord['lines'][number]['reason'] }>();
    lines.forEach((l, i) => {
      const carried = s.lines.find((x) => x.itemId === l.itemId);
      if (!carried) {
        details.push({ path: `body.lines.${i}.itemId`, message: 'is not carried by this shipment', type: 'reference' });
      } else if (byItem.has(l.itemId)) {
        details.push({ path: `body.lines.${i}.itemId`, message: 'is listed twice', type: 'duplicate' });
      } else if (l.quantity > carried.quantity) {
        details.push({
          path: `body.lines.${i}.quantity`,
          message: `is more than the shipment carries (${carried.quantity})`,
          type: 'max',
        });
      } else if (l.quantity < carried.quantity && !l.reason) {
        details.push({
          path: `body.lines.${i}.reason`,
          message: `is required: ${carried.quantity - l.quantity} fewer counted than carried`,
          type: 'required',
        });
      }
      byItem.set(l.itemId, { quantity: l.quantity, reason: l.reason });
    });
    if (details.length > 0) throw unprocessable('The count does not fit what the shipment carries', details);
    return s.lines.map((line) => {
      const c = byItem.get(line.itemId);
      const counted = c ? c.quantity : line.quantity;
      return {
        itemId: line.itemId,
        carried: line.quantity,
        counted,
        reason: counted < line.quantity ? (c!.reason ?? null) : null,
      };
    });
  }

  /** 422 unless `to.userId` is another active user who may hold goods (a driver or staff). */
  async function checkTaker(actor: Actor, s: ShipmentRecord, userId: string): Promise<void> {
    const user = await userRecord(userId);
    const fail = (message: string) =>
      unprocessable('The taker does not fit', [{ path: 'body.to.userId', message, type: 'reference' }]);
    if (!user || !user.active) throw fail('is not an active user');
    if (userId === actor.id || userId === s.driverId) throw fail('already holds the goods');
  }

  const contentOf = (h: HandoverRecord, step: HandoverStep): HandoverRecordContent => ({
    handoverId: h.id,
    step,
    fromUserId: h.fromUserId,
    to: { userId: h.to.userId, name: h.to.name },
    lines: h.lines.map((l) => ({
      itemId: l.itemId,
      carried: l.carried,
      counted: l.counted,
      ...(l.reason ? { reason: l.reason } : {}),
    })),
  });

  /** A step's record of the history and the chain (kind `handover`). */
  const stepEntry = (
    actor: Actor,
    s: ShipmentRecord,
    h: HandoverRecord,
    step: HandoverStep,
    at: Date,
    receivedAt: Date,
    note: string | null,
    signed: Pick<HistoryEntry, 'deviceId' | 'signature' | 'sent' | 'verified'>,
  ): HistoryEntry => ({
    id: entryId(h.id, step),
    status: s.status,
    at,
    receivedAt,
    position: null,
    note,
    checkpointId: null,
    actorId: actor.id,
    actorRole: actor.role,
    applied: true,
    ...signed,
    kind: 'handover',
    handover: contentOf(h, step),
  });

  /**
   * Records a hand-over (the holder: the assigned driver or staff). `sent` is the body as sent
   * (what the giver's device signed). A copy of one already recorded gets it back unchanged.
   */
  async function create(
    actor: Actor,
    shipmentId: string,
    req: CreateHandoverRequest,
    sent?: Record<string, unknown>,
  ): Promise<{ handover: HandoverDto; shipment: ShipmentDto; replayed: boolean }> {
    const receivedAt = new Date();
    const first = await findReadable(actor, shipmentId);
    if (!canManage(actor) && !isDriverOf(actor, first)) {
      throw ApiError.forbidden('Only the holder of the goods (the assigned driver) or staff may hand them over');
    }
    const fingerprint = createHash('sha256')
      .update(`${shipmentId}\n${stableStringify(req)}`)
      .digest('hex');
    const copy = (s: ShipmentRecord) => {
      const h = (s.handovers ?? []).find((x) => x.id === req.id);
      if (!h) return null;
      if (h.fingerprint !== fingerprint) {
        throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'This hand-over id was already used for another hand-over', [
          { path: 'body.id', message: 'was already used for a different hand-over', type: 'duplicate' },
        ]);
      }
      return { ...answer(s, req.id), replayed: true };
    };
    const seen = copy(first);
    if (seen) return seen;
    const { signatures: _signatures, ...unsigned } = sent ?? (req as unknown as Record<string, unknown>);
    const signed = await checkSignature(
      actor,
      shipmentId,
      'handover',
      req.signatures?.[0],
      unsigned,
      'body.signatures.0.signature',
    );
    if (req.to.userId) await checkTaker(actor, first, req.to.userId);

    const after = await retrying(
      async (round) => {
        const s = round === 0 ? first : await find(shipmentId);
        if (s.pending) return RETRY;
        const again = copy(s);
        if (again) return again;
        assertOnTheRoad(s);
        if (s.handoverPendingTo) {
          throw new ApiError(409, 'CONFLICT', 'A hand-over of this shipment is waiting for its confirmation', [
            { path: 'body.id', message: 'another hand-over is pending', type: 'pending' },
          ]);
        }
        const h: HandoverRecord = {
          id: req.id,
          state: req.to.userId ? 'pending' : 'recorded',
          at: new Date(req.at),
          receivedAt,
          status: s.status,
          fromUserId: actor.id,
          fromRole: actor.role,
          to: { userId: req.to.userId ?? null, name: req.to.name ?? null },
          lines: countedLines(s, req.lines),
          note: req.note ? req.note : null,
          fingerprint,
          giverDeviceId: signed.deviceId ?? null,
          giverVerified: signed.verified === true,
          recordHash: '',
          confirmedAt: null,
          confirmedBy: null,
          takerDeviceId: null,
          takerVerified: false,
        };
        const entry = stepEntry(actor, s, h, 'handover', h.at, receivedAt, h.note, signed);
        // The record's hash (what the taker signs) is the one this compare-and-set writes.
        h.recordHash = chained(s, entry).entry.hash!;
        const written = await casUpdate(
          s,
          {
            handovers: [...(s.handovers ?? []), h],
            handoverPendingTo: h.state === 'pending' ? h.to.userId : null,
            ...heard(s, entry),
          },
          entry,
        );
        return written ? { written } : RETRY;
      },
      { message: 'The shipment is busy with other updates; retry' },
    );
    if ('replayed' in after) return after;
    publish(after.written, after.written.history.find((e) => e.id === entryId(req.id, 'handover')) ?? null);
    return { ...answer(after.written, req.id), replayed: false };
  }

  /**
   * The taker confirms a pending hand-over (signed by their device, or unsigned from a browser).
   * A taker who is a driver becomes the shipment's driver. Confirmed already: answered as is.
   */
  async function confirm(
    actor: Actor,
    shipmentId: string,
    handoverId: string,
    req: ConfirmHandoverRequest,
  ): Promise<{ handover: HandoverDto; shipment: ShipmentDto }> {
    const receivedAt = new Date();
    const first = await findReadable(actor, shipmentId);
    const h0 = (first.handovers ?? []).find((x) => x.id === handoverId);
    if (!h0) throw ApiError.notFound('Hand-over');
    if (h0.to.userId !== actor.id) throw ApiError.forbidden('Only the taker confirms a hand-over');
    if (h0.state === 'confirmed') return answer(first, handoverId);
    const signed = await checkSignature(
      actor,
      shipmentId,
      'handover.confirm',
      req.deviceId && req.signature ? { deviceId: req.deviceId, signature: req.signature } : undefined,
      { handoverId, handoverHash: h0.recordHash, at: req.at },
      'body.signature',
    );
    const written = await retrying(
      async (round) => {
        const s = round === 0 ? first : await find(shipmentId);
        if (s.pending) return RETRY;
        const h = (s.handovers ?? []).find((x) => x.id === handoverId)!;
        if (h.state === 'confirmed') return { s, done: true };
        if (h.state !== 'pending') {
          throw new ApiError(409, 'CONFLICT', `A hand-over that is ${h.state} cannot be confirmed`, [
            { path: 'params.handoverId', message: `is ${h.state}`, type: 'state' },
          ]);
        }
        assertOnTheRoad(s);
        const confirmed: HandoverRecord = {
          ...h,
          state: 'confirmed',
          confirmedAt: new Date(req.at),
          confirmedBy: actor.id,
          takerDeviceId: signed.deviceId ?? null,
          takerVerified: signed.verified === true,
        };
        const entry = stepEntry(actor, s, h, 'handover.confirm', new Date(req.at), receivedAt, null, signed);
        const after = await casUpdate(
          s,
          {
            handovers: (s.handovers ?? []).map((x) => (x.id === handoverId ? confirmed : x)),
            handoverPendingTo: null,
            // A driver who takes the goods drives the shipment from now on.
            ...(actor.role === 'driver' ? { driverId: actor.id } : {}),
            ...heard(s, entry),
          },
          entry,
        );
        return after ? { s: after, done: false } : RETRY;
      },
      { message: 'The shipment is busy with other updates; retry' },
    );
    if (!written.done) {
      publish(written.s, written.s.history.find((e) => e.id === entryId(handoverId, 'handover.confirm')) ?? null);
    }
    return answer(written.s, handoverId);
  }

  /**
   * Calls off a pending hand-over: the giver or staff withdraw it, or the taker declines it. The
   * goods stay with the giver (the driver does not change), and another hand-over may be made.
   * A record of the chain (`handover:<id>:cancel`). Called off already: answered as it is; a
   * confirmed or recorded one cannot be (409).
   */
  async function cancel(
    actor: Actor,
    shipmentId: string,
    handoverId: string,
    req: CancelHandoverRequest,
  ): Promise<{ handover: HandoverDto; shipment: ShipmentDto }> {
    const receivedAt = new Date();
    const first = await findReadable(actor, shipmentId);
    const h0 = (first.handovers ?? []).find((x) => x.id === handoverId);
    if (!h0) throw ApiError.notFound('Hand-over');
    if (!canManage(actor) && h0.fromUserId !== actor.id && h0.to.userId !== actor.id) {
      throw ApiError.forbidden('Only the giver, the taker or staff may call a hand-over off');
    }
    const written = await retrying(
      async (round) => {
        const s = round === 0 ? first : await find(shipmentId);
        if (s.pending) return RETRY;
        const h = (s.handovers ?? []).find((x) => x.id === handoverId)!;
        if (h.state === 'cancelled') return { s, done: true };
        if (h.state !== 'pending') {
          throw new ApiError(409, 'CONFLICT', `A hand-over that is ${h.state} cannot be called off`, [
            { path: 'params.handoverId', message: `is ${h.state}`, type: 'state' },
          ]);
        }
        const entry = stepEntry(actor, s, h, 'handover.cancel', new Date(req.at), receivedAt, req.note || null, {
          deviceId: null,
          signature: null,
          sent: null,
          verified: false,
        });
        const after = await casUpdate(
          s,
          {
            handovers: (s.handovers ?? []).map((x) =>
              x.id === handoverId ? { ...h, state: 'cancelled' as const } : x,
            ),
            handoverPendingTo: null,
            ...heard(s, entry),
          },
          entry,
        );
        return after ? { s: after, done: false } : RETRY;
      },
      { message: 'The shipment is busy with other updates; retry' },
    );
    if (!written.done) {
      publish(written.s, written.s.history.find((e) => e.id === entryId(handoverId, 'handover.cancel')) ?? null);
    }
    return answer(written.s, handoverId);
  }

  /** The hand-overs waiting for the caller's confirmation, with their shipments. */
  async function incoming(actor: Actor): Promise<IncomingHandoversDto> {
    const found = await shipments()
      .find({ handoverPendingTo: actor.id, status: { $in: [...HANDOVER_STATUSES] } })
      .limit(50)
      .toArray();
    return {
      items: found.flatMap((s) =>
        (s.handovers ?? [])
          .filter((h) => h.state === 'pending' && h.to.userId === actor.id)
          .map((h) => ({ handover: presentHandover(s._id.toHexString(), h), shipment: presentShipmentSummary(s) })),
      ),
    };
  }

  /** Who may take a hand-over (for the giver's list): active drivers and staff but the caller. */
  async function takers(actor: Actor, q?: string): Promise<{ items: HandoverTakerDto[] }> {
    if (!canManage(actor) && actor.role !== 'driver') throw ApiError.forbidden();
    return { items: await listHandoverTakers(q, actor.id) };
  }

  return { create, confirm, cancel, incoming, takers };
}
