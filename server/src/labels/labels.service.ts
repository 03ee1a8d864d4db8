import { createHash, randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import {
  formatLabelCode,
  labelCodeFromBytes,
  LABEL_CODE_BYTES,
  localize,
  parseLabelCode,
  signedPayload,
  type CreateLabelsRequest,
  type ErrorDetail,
  type LabelDto,
  type LabelLookupDto,
  type PublicKeyDto,
  type ShipmentDto,
} from '@karavan/shared';
import { madeBefore } from '../db/operations';
import { RETRY, retrying } from '../db/retry';
import { findItems } from '../items';
import { ApiError, isDuplicateKey } from '../lib/errors';
import type { Actor } from '../lib/route';
import { findLocations } from '../locations';
import type { ShipmentsService } from '../shipments';
import { getLots } from '../stock';
import { labels, type LabelRecord } from './labels.model';
import type { LabelSigner } from './signing';

export interface LabelsDeps {
  shipments: ShipmentsService;
  signer: () => Promise<LabelSigner>;
}

/**
 * What a label says about its shipment: the destination, the planned items and quantities, and
 * whether it was cancelled. A label stays current while the truck moves on (loading, departed,
 * delivered: what it says still holds) and is outdated once any of these changes.
 */
export function manifestHash(s: {
  destinationId: string;
  status: ShipmentDto['status'];
  lines: { itemId: string; quantity: number }[];
}): string {
  const lines = s.lines.map((l) => [l.itemId, l.quantity]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return createHash('sha256')
    .update(JSON.stringify({ d: s.destinationId, x: s.status === 'cancelled', l: lines }))
    .digest('base64url')
    .slice(0, 22);
}

export function presentLabel(l: LabelRecord): LabelDto {
  return {
    code: formatLabelCode(l.code),
    shipmentId: l.shipmentId,
    itemId: l.itemId,
    quantity: l.quantity,
    unit: l.unit,
    lotId: l.lotId,
    expiresAt: l.expiresAt ? l.expiresAt.toISOString() : null,
    destinationId: l.destinationId,
    issuedAt: l.issuedAt.toISOString(),
    issuedBy: l.issuedBy,
    url: l.url,
    qr: l.qr,
  };
}

const unprocessable = (message: string, details: ErrorDetail[]) => new ApiError(422, 'UNPROCESSABLE', message, details);

/** A crate's lot and expiry, checked against the shipment; a 422 detail when it does not fit. */
type Resolved = { lotId: string | null; expiresAt: Date | null };

/** A label as a delivery by scanning counts it. */
export interface CrateLabel {
  code: string;
  shipmentId: string;
  itemId: string;
  quantity: number;
  manifestHash: string;
}

/**
 * For a delivery by scanning: the labels with these codes (stored form), and every label of the
 * shipment. Read by the shipments component, which decides what counts.
 */
export async function cratesForDelivery(
  shipmentId: string,
  codes: string[],
): Promise<{ found: CrateLabel[]; ofShipment: CrateLabel[] }> {
  const fields = { _id: 0, code: 1, shipmentId: 1, itemId: 1, quantity: 1, manifestHash: 1 } as const;
  const [found, ofShipment] = await Promise.all([
    codes.length > 0
      ? labels()
          .find({ code: { $in: codes } }, { projection: fields })
          .toArray()
      : [],
    labels().find({ shipmentId }, { projection: fields }).toArray(),
  ]);
  return { found: found as CrateLabel[], ofShipment: ofShipment as CrateLabel[] };
}

export function createLabelsService(deps: LabelsDeps) {
  /** The plan check: every crate's item is planned, its lot fits, and no item is labelled beyond its quantity. */
  async function check(shipment: ShipmentDto, crates: CreateLabelsRequest['crates']): Promise<Resolved[]> {
    const lots = await getLots(crates.flatMap((c) => (c.lotId ? [c.lotId] : [])));
    const hash = manifestHash(shipment);
    const current = await labels()
      .find({ shipmentId: shipment.id, manifestHash: hash }, { projection: { itemId: 1, quantity: 1 } })
      .toArray();
    const labelled = new Map<string, number>();
    for (const l of current) labelled.set(l.itemId, (labelled.get(l.itemId) ?? 0) + l.quantity);
    const details: ErrorDetail[] = [];
    const resolved = crates.map((crate, i): Resolved => {
      const path = `body.crates.${i}`;
      const line = shipment.lines.find((l) => l.itemId === crate.itemId);
      if (!line) {
        details.push({ path: `${path}.itemId`, message: 'is not in the shipment’s plan', type: 'label.item' });
        return { lotId: null, expiresAt: null };
      }
      const total = (labelled.get(crate.itemId) ?? 0) + crate.quantity;
      labelled.set(crate.itemId, total);
      if (total > line.quantity) {
        details.push({
          path: `${path}.quantity`,
          message: `brings the item's labelled total to ${total}, above the ${line.quantity} planned`,
          type: 'label.overPlan',
        });
      }
      if (crate.lotId) {
        const lot = lots.get(crate.lotId);
        const reserved = line.lots.length === 0 || line.lots.some((l) => l.lotId === crate.lotId);
        if (!lot || lot.itemId !== crate.itemId || lot.campaignId !== shipment.campaignId || !reserved) {
          details.push({
            path: `${path}.lotId`,
            message: 'is not a lot of this item and campaign that the shipment carries',
            type: 'label.lot',
          });
          return { lotId: null, expiresAt: null };
        }
        return { lotId: lot.id, expiresAt: lot.expiresAt };
      }
      // No lot named: the one lot loaded for the line, else the earliest expiry among its lots
      // (a label never shows goods fresher than they are).
      if (line.lots.length === 1) {
        const only = line.lots[0]!;
        return { lotId: only.lotId, expiresAt: only.expiresAt ? new Date(only.expiresAt) : null };
      }
      const dates = line.lots.flatMap((l) => (l.expiresAt ? [new Date(l.expiresAt).getTime()] : []));
      return { lotId: null, expiresAt: dates.length > 0 ? new Date(Math.min(...dates)) : null };
    });
    if (details.length > 0) throw unprocessable('The crates do not match the shipment’s plan', details);
    return resolved;
  }

  /**
   * Inserts a label under a fresh random code, drawing again on the rare collision (through the
   * kernel's one retry policy).
   */
  function insert(
    doc: Omit<LabelRecord, 'code' | 'url' | 'qr'>,
    make: (code: string) => Pick<LabelRecord, 'url' | 'qr'>,
  ) {
    return retrying<LabelRecord>(
      async () => {
        const code = labelCodeFromBytes(randomBytes(LABEL_CODE_BYTES));
        const record: LabelRecord = { ...doc, code, ...make(code) };
        try {
          await labels().insertOne(record);
          return record;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          // The same `_id`: an earlier attempt of this request made it; else the code was taken.
          return (await labels().findOne({ _id: doc._id })) ?? RETRY;
        }
      },
      { message: 'No free label code was drawn; try again' },
    );
  }

  return {
    /** The deployment's public key (JWK), for checking labels and waybills offline. */
    async publicKey(): Promise<PublicKeyDto> {
      return (await deps.signer()).publicJwk;
    },

    /**
     * Labels crates of a shipment (coordinators, organisers): each crate's item must be planned,
     * the labels of an item never total more than its planned quantity, a named lot must be one
     * the shipment carries; nothing is written unless every crate fits (422 naming the field).
     */
    async create(
      actor: Actor,
      shipmentId: string,
      input: CreateLabelsRequest,
      base: string,
      options: { id?: string } = {},
    ): Promise<{ items: LabelDto[] }> {
      const shipment = await deps.shipments.get(actor, shipmentId);
      const earlier = await madeBefore(options.id, (batch) => labels().find({ batch }).sort({ n: 1 }).toArray());
      if (earlier && earlier.length === input.crates.length) return { items: earlier.map(presentLabel) };
      if (shipment.status === 'cancelled' || shipment.status === 'delivered') {
        throw new ApiError(409, 'CONFLICT', `A ${shipment.status} shipment gets no new labels`);
      }
      if (earlier && earlier.length > 0) await labels().deleteMany({ batch: options.id! }); // a half-done attempt
      const resolved = await check(shipment, input.crates);
      const [signer, items, places] = await Promise.all([
        deps.signer(),
        findItems(input.crates.map((c) => c.itemId)),
        findLocations([shipment.destinationId]),
      ]);
      const destination = localize(places.get(shipment.destinationId)?.name ?? shipment.destinationId, 'ru');
      const batch = options.id ?? new Types.ObjectId().toHexString();
      const hash = manifestHash(shipment);
      const issuedAt = new Date();
      const out: LabelRecord[] = [];
      for (const [n, crate] of input.crates.entries()) {
        const item = items.get(crate.itemId);
        const line = shipment.lines.find((l) => l.itemId === crate.itemId)!;
        const unit = item?.baseUnit ?? line.item?.baseUnit ?? 'piece';
        const { lotId, expiresAt } = resolved[n]!;
        const doc = {
          _id: `${batch}:${n}`,
          batch,
          n,
          shipmentId: shipment.id,
          itemId: crate.itemId,
          quantity: crate.quantity,
          unit,
          lotId,
          expiresAt,
          destinationId: shipment.destinationId,
          manifestHash: hash,
          issuedAt,
          issuedBy: actor.id,
        };
        out.push(
          await insert(doc, (code) => {
            const url = `${base}/l/${formatLabelCode(code)}`;
            const summary = {
              k: 'label' as const,
              c: formatLabelCode(code),
              i: item ? localize(item.name, 'ru') : (line.item?.name.ru ?? crate.itemId),
              q: crate.quantity,
              u: unit,
              e: expiresAt ? expiresAt.toISOString().slice(0, 10) : null,
              s: shipment.id,
              d: destination,
              t: issuedAt.toISOString(),
            };
            return { url, qr: signedPayload(url, summary, signer.sign) };
          }),
        );
      }
      return { items: out.map(presentLabel) };
    },

    /**
     * A label by its code (dashes, case and Crockford's I/L/O aliases ignored; a wrong check
     * symbol is 400), with its shipment as it is now and whether the label is outdated. Whoever
     * may read the shipment (a driver: their own).
     */
    async lookup(actor: Actor, input: string): Promise<LabelLookupDto> {
      const parsed = parseLabelCode(input);
      if (!parsed.ok) {
        throw new ApiError(400, 'VALIDATION_FAILED', 'The label code is not valid', [
          {
            path: 'params.code',
            message:
              parsed.reason === 'check'
                ? 'the check symbol does not match: a symbol was misread or two were swapped'
                : 'must be 8 Crockford base-32 symbols and a check symbol, e.g. 7K3M-9QRT-5',
            type: parsed.reason === 'check' ? 'label.check' : 'label.format',
          },
        ]);
      }
      const label = await labels().findOne({ code: parsed.code });
      if (!label) throw ApiError.notFound('Label');
      const shipment = await deps.shipments.get(actor, label.shipmentId);
      return {
        ...presentLabel(label),
        shipment: {
          id: shipment.id,
          status: shipment.status,
          destinationId: shipment.destinationId,
          updatedAt: shipment.updatedAt,
        },
        outdated: manifestHash(shipment) !== label.manifestHash,
      };
    },

    /**
     * A shipment's current labels (not outdated) in print order, with the shipment (whoever may
     * read it); 409 when it has none.
     */
    async forPrint(actor: Actor, shipmentId: string): Promise<{ shipment: ShipmentDto; labels: LabelDto[] }> {
      const shipment = await deps.shipments.get(actor, shipmentId);
      const docs = await labels()
        .find({ shipmentId: shipment.id, manifestHash: manifestHash(shipment) })
        .sort({ issuedAt: 1, n: 1 })
        .toArray();
      if (docs.length === 0) {
        throw new ApiError(409, 'CONFLICT', 'This shipment has no current labels: issue them first');
      }
      return { shipment, labels: docs.map(presentLabel) };
    },

    /** A shipment's current labels in print order (whoever may read the shipment); empty when none. */
    async current(actor: Actor, shipmentId: string): Promise<{ items: LabelDto[] }> {
      const shipment = await deps.shipments.get(actor, shipmentId);
      const docs = await labels()
        .find({ shipmentId: shipment.id, manifestHash: manifestHash(shipment) })
        .sort({ issuedAt: 1, n: 1 })
        .toArray();
      return { items: docs.map(presentLabel) };
    },

    /** The signer (the waybill's QR carries the signed manifest). */
    signer: deps.signer,
  };
}

export type LabelsService = ReturnType<typeof createLabelsService>;
