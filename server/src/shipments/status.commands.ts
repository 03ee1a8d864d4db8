import { createHash } from 'node:crypto';
import {
  DRIVER_STATUSES,
  formatLabelCode,
  parseLabelCode,
  signedUpdatePayload,
  type ErrorDetail,
  type ShipmentUpdateRequest,
  type ShipmentUpdateResult,
} from '@karavan/shared';
import { once, stableStringify } from '../db/idempotency';
import { retrying, RETRY } from '../db/retry';
import { deviceForSigning, verifySignature } from '../devices';
import { findItems } from '../items';
import { cratesForDelivery, manifestHash } from '../labels';
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { findLocations } from '../locations';
import { getLots, isExpired, StockConflict, type MovementInput } from '../stock';
import type { ShipmentsContext, StockChange } from './context';
import {
  arrivesLate,
  assertTransition,
  capacityWarnings,
  checkDelivery,
  expiryWarnings,
  heard,
  impliedCheckpoint,
  loadKg,
  orderTime,
  POSITION_ALWAYS,
  receivedByScanning,
  splitShortfall,
  stockEffect,
  transitionDates,
  unprocessable,
} from './domain';
import { DUPLICATE_WAIT_MS, RECORD_STALE_MS, updateRecordRules } from './intents';
import {
  updates,
  type HistoryEntry,
  type LotLine,
  type ShipmentLine,
  type ShipmentRecord,
  type UpdateRecord,
  type Warning,
} from './shipments.model';
import { estimatedArrival, presentShipment } from './shipments.presenter';

/*
 * The status updates (POST /api/shipments/:id/updates), the one way a shipment changes state:
 * the update kept once under its client-made id (the idempotency engine), the transition checked
 * (domain/transitions.ts), then one compare-and-set of the shipment, or one kernel operation when
 * it moves stock (see the top of shipments.service.ts).
 */

interface Attempt {
  actor: Actor;
  req: ShipmentUpdateRequest;
  entry: HistoryEntry;
  /** Device time, but never later than the server's receive time plus CLOCK_SKEW_ALLOWANCE_MS (a phone's clock may be ahead). */
  orderAt: Date;
}

/** The codes of a delivery's labels as the record keeps them: stored form, once each, sorted (a code that does not parse is refused later). */
const scannedCodes = (sent: string[]) =>
  [
    ...new Set(
      sent.map((input) => {
        const p = parseLabelCode(input);
        return p.ok ? p.code : input;
      }),
    ),
  ].sort();

export function createStatusCommands(ctx: ShipmentsContext) {
  const { stock, find, mayRead, lastWritten, publish, casUpdate, withIntent, canManage, isDriverOf } = ctx;

  /** The checkpoint of an at_checkpoint or departed update: given, else the route's next (or current) one. */
  async function checkpointOf(s: ShipmentRecord, a: Attempt): Promise<string | null> {
    if (!a.req.checkpointId) return impliedCheckpoint(s, a.req.status);
    // One of the route's own checkpoints (what drivers report nearly always): checked when planned.
    if ((s.route ?? []).includes(a.req.checkpointId)) return a.req.checkpointId;
    const loc = (await findLocations([a.req.checkpointId])).get(a.req.checkpointId);
    if (!loc || loc.kind !== 'checkpoint') {
      throw unprocessable('checkpointId must name a checkpoint', [
        { path: 'body.checkpointId', message: 'is not a checkpoint', type: 'reference' },
      ]);
    }
    return loc.id;
  }

  /**
   * One try at applying an update to the shipment as read: whether it was applied and the
   * shipment after it (null: read it again); null when the shipment changed meanwhile (retry).
   */
  async function attempt(
    s: ShipmentRecord,
    a: Attempt,
  ): Promise<{ applied: boolean; after: ShipmentRecord | null } | null> {
    const { req } = a;
    if (arrivesLate(s, a.orderAt)) {
      const entry = { ...a.entry, applied: false };
      const after = await casUpdate(s, heard(s, entry), entry, true);
      return after ? { applied: false, after } : null;
    }
    assertTransition(s, req.status, a.actor);
    const entry: HistoryEntry = { ...a.entry, applied: true };
    const base: Record<string, unknown> = {
      status: req.status,
      lastStatusAt: a.orderAt,
      ...heard(s, entry),
      ...transitionDates(s.status, req.status, a.orderAt),
    };
    if (req.status === 'at_checkpoint' || req.status === 'departed') {
      entry.checkpointId = await checkpointOf(s, a);
    }
    let change: StockChange | null = null;
    switch (stockEffect(s.status, req.status)) {
      case 'reserve':
        change = await loadingChange(s, a, base);
        break;
      case 'dispatch':
        change = { set: base, kind: 'shipment_dispatch', movements: await lotMovements(s, 'dispatched', s.originId) };
        break;
      case 'release':
        change = {
          set: { ...base, lines: s.lines.map((l) => ({ ...l, lots: [] })) },
          kind: 'shipment_release',
          movements: await lotMovements(s, 'released', s.originId),
        };
        break;
      case 'deliver':
        change = await deliveryChange(s, a, base);
        break;
      case null:
        break;
    }
    if (change) {
      const done = await withIntent(s, a.req.id, a.req.status, entry, change, a.actor.id);
      return done ? { applied: true, after: null } : null;
    }
    const after = await casUpdate(s, base, entry, true);
    return after ? { applied: true, after } : null;
  }

  /** Every lot the shipment carries, as movements of one kind (that take away) at a location. */
  async function lotMovements(
    s: ShipmentRecord,
    kind: MovementInput['kind'],
    locationId: string,
  ): Promise<MovementInput[]> {
    const lines = s.lines.flatMap((l) => l.lots.map((lot) => ({ lotId: lot.lotId, quantity: lot.quantity })));
    if (lines.length === 0) return [];
    return stock.lotMovements(kind, -1, { shipmentId: s._id.toHexString(), locationId, lines }, locationId);
  }

  /** Loading: the lots (picked or first-expired-first-out), warnings, and the reservation. */
  async function loadingChange(s: ShipmentRecord, a: Attempt, base: Record<string, unknown>): Promise<StockChange> {
    const now = new Date();
    const picked = a.req.lots ?? [];
    const lots = picked.length > 0 ? await getLots(picked.map((p) => p.lotId)) : new Map();
    const details: ErrorDetail[] = [];
    const byItem = new Map<string, LotLine[]>();
    picked.forEach((p, i) => {
      const lot = lots.get(p.lotId)!;
      const line = s.lines.find((l) => l.itemId === lot.itemId);
      if (lot.campaignId !== s.campaignId || !line) {
        details.push({
          path: `body.lots.${i}.lotId`,
          message: 'is not a lot of this shipment’s campaign and items',
          type: 'reference',
        });
        return;
      }
      const list = byItem.get(lot.itemId) ?? [];
      list.push({ lotId: lot.id, quantity: p.quantity, expiresAt: lot.expiresAt });
      byItem.set(lot.itemId, list);
    });
    for (const [itemId, list] of byItem) {
      const line = s.lines.find((l) => l.itemId === itemId)!;
      const sum = list.reduce((n, l) => n + l.quantity, 0);
      if (sum !== line.quantity) {
        details.push({
          path: 'body.lots',
          message: `the lots picked for item ${itemId} add up to ${sum}, the line needs ${line.quantity}`,
          type: 'sum',
        });
      }
    }
    if (details.length > 0) throw unprocessable('The lots picked do not match the shipment', details);
    const expired = [...byItem.values()].flat().filter((l) => isExpired(l.expiresAt, now));
    if (expired.length > 0) {
      throw new ApiError(
        409,
        'CONFLICT',
        'Expired lots cannot be loaded',
        expired.map((l) => ({
          path: `body.lots.${l.lotId}`,
          message: `lot ${l.lotId} expired at ${l.expiresAt!.toISOString()}`,
          type: 'expired',
        })),
      );
    }

    const missing: ErrorDetail[] = [];
    const lines: ShipmentLine[] = [];
    for (const line of s.lines) {
      let chosen = byItem.get(line.itemId);
      if (!chosen) {
        const pick = await stock.pickLotsFefo(s.originId, s.campaignId, line.itemId, line.quantity);
        if (pick.missing > 0) {
          missing.push({
            path: `lines.${line.itemId}`,
            message: `item ${line.itemId}: needs ${line.quantity}, available ${line.quantity - pick.missing}, missing ${pick.missing}`,
            type: 'insufficient',
          });
          continue;
        }
        chosen = pick.lines.map((l) => ({
          lotId: l.lotId,
          quantity: l.quantity,
          expiresAt: l.expiresAt ? new Date(l.expiresAt) : null,
        }));
      }
      lines.push({ ...line, lots: chosen });
    }
    if (missing.length > 0) throw new ApiError(409, 'CONFLICT', 'Not enough stock at the origin', missing);

    const items = await findItems(s.lines.map((l) => l.itemId));
    const arrival = estimatedArrival(s, now);
    const warnings: Warning[] = expiryWarnings(lines, arrival);
    warnings.push(...capacityWarnings(lines, items, s.vehicle));
    const shipmentId = s._id.toHexString();
    const movements = await stock.lotMovements(
      'reserved',
      1,
      {
        shipmentId,
        locationId: s.originId,
        lines: lines.flatMap((l) => l.lots.map(({ lotId, quantity }) => ({ lotId, quantity }))),
      },
      s.originId,
    );
    return { set: { ...base, lines, warnings, loadKg: loadKg(lines, items) }, kind: 'shipment_reserve', movements };
  }

  /**
   * Receive by scanning: the codes checked (each a current label of this shipment, else 422 with
   * its path) and, per item that has labels, what arrived (receivedByScanning).
   */
  async function scannedDelivery(
    s: ShipmentRecord,
    sent: string[],
  ): Promise<{ codes: string[]; received: Map<string, number> }> {
    const details: ErrorDetail[] = [];
    const parsed = sent.map((input, i) => {
      const p = parseLabelCode(input);
      if (!p.ok) details.push({ path: `body.labels.${i}`, message: 'is not a label code', type: 'label.format' });
      return p.ok ? p.code : null;
    });
    const codes = [...new Set(parsed.filter((c): c is string => c !== null))];
    const shipmentId = s._id.toHexString();
    const { found, ofShipment } = await cratesForDelivery(shipmentId, codes);
    const hash = manifestHash(s);
    const byCode = new Map(found.map((l) => [l.code, l]));
    parsed.forEach((code, i) => {
      if (code === null) return;
      const label = byCode.get(code);
      const path = `body.labels.${i}`;
      if (!label) details.push({ path, message: `${formatLabelCode(code)} is not a known label`, type: 'reference' });
      else if (label.shipmentId !== shipmentId)
        details.push({ path, message: `${formatLabelCode(code)} is a label of another shipment`, type: 'reference' });
      else if (label.manifestHash !== hash)
        details.push({
          path,
          message: `${formatLabelCode(code)} is outdated: the shipment's plan changed after it was printed`,
          type: 'outdated',
        });
    });
    if (details.length > 0) throw unprocessable('A label scanned is not a current label of this shipment', details);
    const current = ofShipment.filter((l) => l.manifestHash === hash);
    return { codes: codes.sort(), received: receivedByScanning(s.lines, current, new Set(codes)) };
  }

  /** Delivery: received per line; shortfalls (reason required) written off from the soonest-expiring lots. */
  async function deliveryChange(s: ShipmentRecord, a: Attempt, base: Record<string, unknown>): Promise<StockChange> {
    const { req } = a;
    const scan = req.labels ? await scannedDelivery(s, req.labels) : null;
    const outcome = checkDelivery(s.lines, { ...req, receivedBy: a.entry.receivedBy }, scan?.received);
    const toStock = s.destinationKind !== 'distribution_point';
    const shipmentId = s._id.toHexString();
    const movements: MovementInput[] = [];
    const lines: ShipmentLine[] = [];
    for (const line of s.lines) {
      const { received, reason } = outcome.get(line.itemId)!;
      for (const { lotId, arrived, lost } of splitShortfall(line.lots, line.quantity - received)) {
        if (arrived > 0) {
          movements.push(
            ...(await stock.lotMovements(
              toStock ? 'transferred_in' : 'delivered',
              1,
              { shipmentId, locationId: s.destinationId, lines: [{ lotId, quantity: arrived }] },
              s.destinationId,
            )),
          );
        }
        if (lost > 0) {
          movements.push(
            ...(await stock.lotMovements(
              'written_off_in_transit',
              -1,
              { shipmentId, locationId: '', lines: [{ lotId, quantity: lost }], note: req.note ?? null },
              null,
              { reason },
            )),
          );
        }
      }
      lines.push({ ...line, received, writtenOff: line.quantity - received, reason });
    }
    return {
      set: {
        ...base,
        lines,
        deliveredAt: a.orderAt,
        receivedBy: a.entry.receivedBy,
        receiver: a.entry.receiver ?? null,
        scannedLabels: scan?.codes ?? [],
      },
      kind: toStock ? 'shipment_transfer' : 'shipment_delivery',
      movements,
    };
  }

  /** Who may report this status on this shipment as it is: its planners, or its driver (their statuses only). */
  function mayReport(actor: Actor, s: ShipmentRecord, req: ShipmentUpdateRequest): void {
    if (!canManage(actor) && !(isDriverOf(actor, s) && DRIVER_STATUSES.includes(req.status))) {
      throw ApiError.forbidden(
        isDriverOf(actor, s)
          ? `A driver may report only ${DRIVER_STATUSES.join(', ')}`
          : 'This shipment is not assigned to you',
      );
    }
  }

  /** The position the update keeps: none while the shipment is private, except where it always is. */
  const positionKept = (s: ShipmentRecord, req: ShipmentUpdateRequest) =>
    req.position && (!s.privacyMode || POSITION_ALWAYS.includes(req.status)) ? req.position : null;

  /** Applies an update (retrying compare-and-set), FEFO re-picked after a concurrent reservation. */
  async function process(
    shipmentId: string,
    a: Attempt,
    read: ShipmentRecord,
  ): Promise<{ applied: boolean; after: ShipmentRecord; before: ShipmentRecord }> {
    return retrying(
      async (round) => {
        const s = round === 0 ? read : await find(shipmentId);
        if (s.pending) return RETRY;
        // Read again after a concurrent change: it may have changed hands (a driver taken off it
        // reports nothing more) or gone private (the position is not kept) meanwhile.
        if (s !== read) mayReport(a.actor, s, a.req);
        const entry = s === read ? a.entry : { ...a.entry, position: positionKept(s, a.req) };
        const result = await attempt(s, { ...a, entry });
        if (result === null) return RETRY;
        // `before`: the version the update was written over (its event carries what changed since).
        return { applied: result.applied, after: result.after ?? (await find(shipmentId)), before: s };
      },
      {
        message: 'The shipment is busy with other updates; retry',
        // Somebody reserved the same lots between the pick and the reservation: pick again.
        retryOn: (err) => err instanceof StockConflict && a.req.status === 'loading' && !a.req.lots?.length,
      },
    );
  }

  /**
   * Reports a status update (see the top of the file). The answer says whether it was applied;
   * a copy of an update already received gets the first copy's `applied` and changes nothing.
   */
  async function report(
    actor: Actor,
    shipmentId: string,
    req: ShipmentUpdateRequest,
    /** The update exactly as sent (the parsed JSON body, before validation converted it): what a device signed. */
    sent?: Record<string, unknown>,
  ): Promise<ShipmentUpdateResult & { replayed: boolean }> {
    const receivedAt = new Date();
    // The shipment as this instance last wrote it saves a read: what it does is written only if
    // the shipment is still that version (compare-and-set), else it is read and tried again. A
    // refusal decided on it stands only if the shipment is still that version; else it is
    // decided again on the shipment as read. (A refused update wrote nothing: its record is
    // forgotten, see `forgets` below.)
    const kept = lastWritten(shipmentId);
    if (kept) {
      try {
        return await reportOn(kept, actor, shipmentId, req, receivedAt, sent);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        const s = await find(shipmentId);
        if (s.version === kept.version) throw err;
        return reportOn(s, actor, shipmentId, req, receivedAt, sent);
      }
    }
    return reportOn(await find(shipmentId), actor, shipmentId, req, receivedAt, sent);
  }

  /** report() on the shipment as read or as last written here; who may read it is checked first. */
  async function reportOn(
    s: ShipmentRecord,
    actor: Actor,
    shipmentId: string,
    req: ShipmentUpdateRequest,
    receivedAt: Date,
    sent?: Record<string, unknown>,
  ): Promise<ShipmentUpdateResult & { replayed: boolean }> {
    mayRead(actor, s);
    mayReport(actor, s, req);
    // A signed update: the caller's own device, and its signature right, before anything is written.
    let signed: Pick<HistoryEntry, 'deviceId' | 'signature' | 'sent' | 'verified'> = {};
    if (req.deviceId && req.signature) {
      const device = await deviceForSigning(actor, req.deviceId);
      const { signature: _signature, ...asSent } = sent ?? (req as unknown as Record<string, unknown>);
      if (!verifySignature(device.publicKey, signedUpdatePayload(shipmentId, asSent), req.signature)) {
        throw unprocessable('The signature does not match the update and the device', [
          { path: 'body.signature', message: "is not the device's signature of this update", type: 'signature' },
        ]);
      }
      signed = { deviceId: device.id, signature: req.signature, sent: asSent, verified: true };
    }
    const fingerprint = createHash('sha256')
      .update(`${shipmentId}\n${stableStringify(req)}`)
      .digest('hex');
    const at = new Date(req.at);
    const entry: HistoryEntry = {
      id: req.id,
      status: req.status,
      at,
      receivedAt,
      position: positionKept(s, req),
      note: req.note ? req.note : null,
      checkpointId: req.status === 'at_checkpoint' || req.status === 'departed' ? (req.checkpointId ?? null) : null,
      actorId: actor.id,
      actorRole: actor.role,
      applied: false,
      ...(req.status === 'delivered'
        ? {
            receivedBy: req.receivedBy ?? req.receiver?.name ?? null,
            lines: req.lines ? req.lines.map((l) => ({ ...l })) : null,
            ...(req.labels ? { labels: scannedCodes(req.labels) } : {}),
            ...(req.receiver
              ? {
                  receiver: {
                    name: req.receiver.name,
                    signature: req.receiver.signature ?? null,
                    userId: req.receiver.userId ?? null,
                  },
                }
              : {}),
          }
        : {}),
      ...signed,
    };
    const record: Omit<UpdateRecord, 'state' | 'owner'> = {
      _id: req.id,
      shipmentId,
      fingerprint,
      applied: null,
      entry,
      request: {
        ...(req.lots ? { lots: req.lots } : {}),
        ...(req.lines ? { lines: req.lines } : {}),
        ...(req.receivedBy ? { receivedBy: req.receivedBy } : {}),
        ...(req.labels ? { labels: req.labels } : {}),
        ...(req.receiver ? { receiver: req.receiver } : {}),
      },
      createdAt: receivedAt,
    };
    const { answer, replayed } = await once<
      UpdateRecord,
      { applied: boolean; after: ShipmentRecord; before?: ShipmentRecord }
    >({
      records: updates,
      record,
      staleMs: RECORD_STALE_MS,
      waitMs: DUPLICATE_WAIT_MS,
      run: async () => {
        const result = await process(shipmentId, { actor, req, entry, orderAt: orderTime(at, receivedAt) }, s);
        return { answer: result, done: { applied: result.applied } };
      },
      answer: async (done) => ({ applied: Boolean(done.applied), after: await find(shipmentId) }),
      ...updateRecordRules,
      // The update is in the shipment's history once applied (finishedWork): answer without waiting.
      settleLater: true,
      reused: () =>
        new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'This update id was already used for another update', [
          { path: 'body.id', message: 'was already used for a different update', type: 'duplicate' },
        ]),
      inProgress: () =>
        new ApiError(409, 'IDEMPOTENCY_IN_PROGRESS', 'This update is still being processed; retry shortly'),
      // Refused: nothing changed; forget the update so that it may be sent again once fixed.
      forgets: (err) => err instanceof ApiError,
    });
    const { applied, after, before } = answer;
    // A copy is answered with the shipment as it is now: only to who may still read it.
    if (replayed) mayRead(actor, after);
    if (!replayed) {
      const stored = (after.history ?? []).find((e) => e.id === req.id) ?? { ...entry, applied };
      publish(after, stored, before);
    }
    return { applied, shipment: presentShipment(after), replayed };
  }

  return { report };
}
