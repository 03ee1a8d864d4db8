import { Types, type mongo } from 'mongoose';
import {
  toBaseQuantity,
  lineLimitDetail,
  type CreateDonationRequest,
  type DonationDto,
  type ErrorDetail,
  type ListDonationsQuery,
  type Page,
} from '@karavan/shared';
import { getCampaign } from '../campaigns';
import { findItems } from '../items';
import { getLocation } from '../locations';
import { ApiError, isDuplicateKey } from '../lib/errors';
import type { EventBus } from '../lib/events';
import type { Actor } from '../lib/route';
import { isObjectIdHex } from '../lib/text-search';
import {
  availableAt,
  ensureLot,
  lotExpiry,
  presentMovement,
  runStockOp,
  settleStockOp,
  StockConflict,
  type MovementInput,
  type MovementDoc,
} from '../stock';
import { ClaimLost, type OperationDoc, type OperationHooks } from '../db/operations';
import { donations, type DonationDoc } from './donations.model';
import { presentDonation } from './donations.presenter';

/** A device clock may run this far ahead of the server's. */
const CLOCK_SKEW_MS = 10 * 60 * 1000;
const DAY_MS = 24 * 3_600_000;

/** The donations list's filters (the export's too: one definition). */
export type DonationsQuery = Pick<ListDonationsQuery, 'campaignId' | 'locationId' | 'from' | 'to' | 'voided'>;

export function donationsFilter(query: DonationsQuery): mongo.Filter<DonationDoc> {
  const filter: mongo.Filter<DonationDoc> = {};
  if (query.campaignId) filter.campaignId = query.campaignId;
  if (query.locationId) filter.locationId = query.locationId;
  if (query.from || query.to) {
    filter.receivedAt = {
      ...(query.from ? { $gte: new Date(query.from) } : {}),
      ...(query.to ? { $lt: new Date(query.to) } : {}),
    };
  }
  if (query.voided !== undefined) filter.voided = query.voided ? { $ne: null } : null;
  return filter;
}

/** Every donation the list selects, in the order they were recorded, as a cursor (exports). */
export const streamDonations = (query: DonationsQuery): AsyncIterable<DonationDoc> =>
  donations().find(donationsFilter(query));

/** Per item of a campaign, its first and last donation (not voided): one aggregation (the summary). */
export const donationDatesByItem = (campaignId: string) =>
  donations()
    .aggregate<{ _id: string; first: Date; last: Date }>([
      { $match: { campaignId, voided: null } },
      { $unwind: '$lines' },
      { $group: { _id: '$lines.itemId', first: { $min: '$receivedAt' }, last: { $max: '$receivedAt' } } },
    ])
    .toArray();

async function findDonation(id: string): Promise<DonationDoc> {
  const doc = isObjectIdHex(id) ? await donations().findOne({ _id: id }) : null;
  if (!doc) throw ApiError.notFound('Donation');
  return doc;
}

/** A page whose `total` is a lower bound: exact on the last page. */
function lowerBoundPage<T>(rows: T[], limit: number, offset: number): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, total: offset + items.length + (more ? 1 : 0), limit, offset };
}

export interface DonationsWiring {
  /** What else a void undoes (the pledges the donation fulfilled): run by the void's hook, idempotent. */
  onVoided?(donationId: string): Promise<void>;
}

export function createDonationsService(events: EventBus, wiring: DonationsWiring = {}) {
  const movementsOf = (op: OperationDoc) => (op.movements as MovementDoc[]).map(presentMovement);

  /**
   * The hooks of the donations' stock operations (wired in app.ts). The donation document is
   * written by the stock operation that moves its goods (on completion, also when the repair pass
   * completes it after a crash), so a donation exists exactly when its stock does. What the repair
   * finishes is published like what a request finishes.
   */
  const opHooks: Pick<OperationHooks, 'donation.record' | 'donation.void'> = {
    'donation.record': {
      async onApplied(op, { byRepair }) {
        const doc = op.hook!.data.donation as DonationDoc;
        await donations()
          .insertOne(doc)
          .catch((err: unknown) => {
            if (!isDuplicateKey(err)) throw err;
          });
        if (byRepair) {
          events.publish('donations.recorded', { donation: presentDonation(doc), movements: movementsOf(op) });
        }
      },
    },
    'donation.void': {
      async onApplied(op, { byRepair }) {
        const { donationId, voided } = op.hook!.data as { donationId: string; voided: DonationDoc['voided'] };
        // (`voidOpId`: the claim of a void started by an earlier version, finished by the repair.)
        await donations().updateOne(
          { _id: donationId, voided: null },
          { $set: { voided }, $unset: { voidOpId: '', voidClaimedAt: '' } },
        );
        await wiring.onVoided?.(donationId);
        const doc = byRepair ? await donations().findOne({ _id: donationId }) : null;
        if (doc) events.publish('donations.voided', { donation: presentDonation(doc), movements: movementsOf(op) });
      },
      // The kernel releases the claim; an earlier version's own claim is released here.
      async onUndone(op) {
        const { donationId } = op.hook!.data as { donationId: string };
        await donations().updateOne({ _id: donationId, voidOpId: op._id } as mongo.Filter<DonationDoc>, {
          $unset: { voidOpId: '', voidClaimedAt: '' },
        });
      },
    },
  };

  return {
    opHooks,

    /**
     * Records goods received at a location for a campaign. Quantities are converted to base
     * units; a line without `expiresAt` expires the item's shelf life after `receivedAt`. Each
     * line goes to the lot of its item, campaign and (bucketed) expiry.
     */
    async record(
      actor: Actor,
      input: CreateDonationRequest,
      /** `id`: the donation's id, the same for every retry of one Idempotency-Key (see lib/idempotency). */
      options: { id?: string } = {},
    ): Promise<DonationDto> {
      if (options.id) {
        // An earlier attempt under this key got as far as recording it: that is the answer.
        const earlier = await donations().findOne({ _id: options.id });
        if (earlier) {
          // Stored, but the database may have gone away before its stock operation was tidied up
          // (markers pulled, intent deleted): finish that now rather than at the next repair pass.
          await settleStockOp(options.id);
          return presentDonation(earlier);
        }
      }
      const id = options.id ?? new Types.ObjectId().toHexString();
      const now = new Date();
      const receivedAt = input.receivedAt ? new Date(input.receivedAt) : now;
      // Rules the request schema cannot state are 422, with the field paths.
      const rules: ErrorDetail[] = [];
      if (receivedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
        rules.push({ path: 'body.receivedAt', message: '"receivedAt" is in the future', type: 'date.max' });
      }
      const donorIn = input.donor;
      if (donorIn?.kind === 'anonymous') {
        for (const field of ['name', 'phone'] as const) {
          if (donorIn[field] != null) {
            rules.push({
              path: `body.donor.${field}`,
              message: 'is not kept for an anonymous donor',
              type: 'anonymous',
            });
          }
        }
      } else if (donorIn?.phone != null && donorIn.consentToContact !== true) {
        rules.push({
          path: 'body.donor.phone',
          message: 'is kept only when the donor consents to be contacted (consentToContact: true)',
          type: 'consent',
        });
      }
      if (rules.length > 0) throw new ApiError(422, 'UNPROCESSABLE', 'The donation breaks a rule', rules);
      const [campaign, location, items] = await Promise.all([
        getCampaign(input.campaignId),
        getLocation(input.locationId),
        findItems(input.lines.map((l) => l.itemId)),
      ]);
      if (campaign.status === 'closed') {
        throw new ApiError(409, 'CONFLICT', 'The campaign is closed; it takes no more donations', [
          { path: 'body.campaignId', message: 'campaign is closed', type: 'state' },
        ]);
      }
      // Goods come in once a drive has started (a day's grace for the eve and for time zones).
      if (campaign.startsAt && receivedAt.getTime() < new Date(campaign.startsAt).getTime() - DAY_MS) {
        throw new ApiError(422, 'UNPROCESSABLE', 'The donation is dated before its campaign started', [
          {
            path: 'body.receivedAt',
            message: `is before the campaign started (${new Date(campaign.startsAt).toISOString()}, less one day of grace)`,
            type: 'date.min',
          },
        ]);
      }
      if (!location.active) {
        throw new ApiError(409, 'CONFLICT', 'The location is inactive; it takes no new stock', [
          { path: 'body.locationId', message: 'location is inactive', type: 'state' },
        ]);
      }

      const unprocessable: ErrorDetail[] = [];
      const lines: { itemId: string; quantity: number; expiresAt: Date | null; lotExpiresAt: Date | null }[] = [];
      input.lines.forEach((line, i) => {
        const item = items.get(line.itemId);
        if (!item) {
          unprocessable.push({ path: `body.lines.${i}.itemId`, message: 'no item has this id', type: 'reference' });
          return;
        }
        if (!item.active) {
          unprocessable.push({ path: `body.lines.${i}.itemId`, message: 'the item is inactive', type: 'state' });
          return;
        }
        const quantity = toBaseQuantity(item, line.quantity, line.unit);
        if (quantity === undefined) {
          const units = [item.baseUnit, ...item.packs.map((p) => p.unit)].join(', ');
          unprocessable.push({
            path: `body.lines.${i}.unit`,
            message: `must be one of the item's units: ${units}`,
            type: 'any.only',
          });
          return;
        }
        const overLimit = lineLimitDetail(`body.lines.${i}.quantity`, quantity);
        if (overLimit) {
          unprocessable.push(overLimit);
          return;
        }
        let expiresAt: Date | null = null;
        if (line.expiresAt !== undefined) expiresAt = line.expiresAt === null ? null : new Date(line.expiresAt);
        else if (item.perishable && item.shelfLifeHours) {
          expiresAt = new Date(receivedAt.getTime() + item.shelfLifeHours * 3_600_000);
        }
        if (item.perishable && expiresAt === null) {
          unprocessable.push({
            path: `body.lines.${i}.expiresAt`,
            message: 'a perishable item without a shelf life needs "expiresAt"',
            type: 'any.required',
          });
          return;
        }
        if (expiresAt && expiresAt.getTime() <= receivedAt.getTime()) {
          unprocessable.push({
            path: `body.lines.${i}.expiresAt`,
            message: 'the goods had expired when they were received',
            type: 'expired',
          });
          return;
        }
        lines.push({ itemId: item.id, quantity, expiresAt, lotExpiresAt: lotExpiry(expiresAt, item.shelfLifeHours) });
      });
      if (unprocessable.length > 0) {
        throw new ApiError(422, 'UNPROCESSABLE', 'Some lines cannot be received', unprocessable);
      }

      const lots = await Promise.all(lines.map((l) => ensureLot(campaign.id, l.itemId, l.lotExpiresAt)));
      const donor = input.donor ?? { kind: 'anonymous' as const };
      const doc: DonationDoc = {
        _id: id,
        campaignId: campaign.id,
        locationId: location.id,
        receivedAt,
        receivedBy: actor.id,
        donor: {
          kind: donor.kind,
          name: donor.name ?? null,
          phone: donor.consentToContact ? (donor.phone ?? null) : null,
          consentToContact: donor.consentToContact ?? false,
          locale: donor.locale ?? null,
        },
        lines: lines.map((l, i) => ({
          itemId: l.itemId,
          quantity: l.quantity,
          lotId: lots[i]!.id,
          expiresAt: lots[i]!.expiresAt,
        })),
        note: input.note ?? null,
        opId: id,
        voiding: null,
        voided: null,
        createdAt: now,
      };
      const movements: MovementInput[] = doc.lines.map((l) => ({
        kind: 'received',
        locationId: location.id,
        itemId: l.itemId,
        campaignId: campaign.id,
        lotId: l.lotId,
        expiresAt: l.expiresAt,
        quantity: l.quantity,
        donationId: id,
      }));
      let result: Awaited<ReturnType<typeof runStockOp>>;
      try {
        result = await runStockOp({
          kind: 'donation',
          opId: id,
          actorId: actor.id,
          movements,
          at: now,
          hook: { name: 'donation.record', data: { donation: doc } },
        });
      } catch (err) {
        if (!options.id || !isDuplicateKey(err)) throw err;
        // An earlier attempt under this key left its operation half-done (the database went
        // away): finish or undo it now if nobody runs it any more, then answer from what it left.
        if (await settleStockOp(id)) {
          const earlier = await donations().findOne({ _id: id });
          if (earlier) return presentDonation(earlier);
        }
        throw new ApiError(
          409,
          'IDEMPOTENCY_IN_PROGRESS',
          'An earlier attempt with this Idempotency-Key is still being finished; retry shortly',
        );
      }
      const dto = presentDonation(doc);
      events.publish('donations.recorded', { donation: dto, movements: result.movements.map(presentMovement) });
      return dto;
    },

    /** Donations, most recently received first. `total` is a lower bound (exact on the last page). */
    async list(_actor: Actor, query: ListDonationsQuery): Promise<Page<DonationDto>> {
      const docs = await donations()
        .find(donationsFilter(query))
        .sort({ receivedAt: -1, _id: -1 })
        .skip(query.offset)
        .limit(query.limit + 1)
        .toArray();
      return lowerBoundPage(docs.map(presentDonation), query.limit, query.offset);
    },

    async get(_actor: Actor, id: string): Promise<DonationDto> {
      return presentDonation(await findDonation(id));
    },

    /** The donation document (for the receipt). */
    findDonation,

    /**
     * Voids a donation: its goods leave the stock again as `voided` movements. Only while they
     * are all still available where they were received (409 naming each line that is not: it was
     * shipped, reserved or written off). A donation is voided once.
     */
    async void(actor: Actor, id: string, reason: string): Promise<DonationDto> {
      const doc = await findDonation(id);
      const alreadyVoided = () =>
        new ApiError(409, 'CONFLICT', 'The donation is already voided', [
          { path: 'params.id', message: 'already voided', type: 'state' },
        ]);
      if (doc.voided) throw alreadyVoided();
      const voided = { at: new Date(), by: actor.id, reason };
      const movements: MovementInput[] = doc.lines.map((l) => ({
        kind: 'voided',
        locationId: doc.locationId,
        itemId: l.itemId,
        campaignId: doc.campaignId,
        lotId: l.lotId,
        expiresAt: l.expiresAt,
        quantity: -l.quantity,
        donationId: id,
        reason,
      }));
      let result;
      try {
        // The donation is claimed by the operation (the kernel's compare-and-set on `voiding`,
        // while not voided), so two voids at once never reverse the stock twice.
        result = await runStockOp({
          kind: 'void',
          actorId: actor.id,
          movements,
          at: voided.at,
          claims: [{ coll: 'donations', id, field: 'voiding', value: { since: voided.at }, expect: { voided: null } }],
          hook: { name: 'donation.void', data: { donationId: id, voided } },
        });
      } catch (err) {
        if (err instanceof ClaimLost) {
          if ((await findDonation(id)).voided) throw alreadyVoided();
          throw new ApiError(409, 'CONFLICT', 'The donation is being voided right now', [
            { path: 'params.id', message: 'a void is in progress', type: 'state' },
          ]);
        }
        if (!(err instanceof StockConflict)) throw err;
        // Name each line whose goods are no longer all here.
        const need = new Map<string, number>();
        for (const l of doc.lines) need.set(l.lotId, (need.get(l.lotId) ?? 0) + l.quantity);
        const available = await availableAt(doc.locationId, [...need.keys()]);
        const details: ErrorDetail[] = [];
        doc.lines.forEach((l, i) => {
          const has = available.get(l.lotId) ?? 0;
          const needed = need.get(l.lotId)!;
          if (has < needed) {
            details.push({
              path: `lines.${i}`,
              message: `item ${l.itemId}, lot ${l.lotId}: ${needed} needed, ${has} still available here (missing ${needed - has}: shipped, reserved or written off)`,
              type: 'insufficient',
            });
          }
        });
        throw new StockConflict(err.shortages, details.length > 0 ? details : undefined);
      }
      const dto = presentDonation({ ...doc, voided, voiding: null });
      events.publish('donations.voided', { donation: dto, movements: result.movements.map(presentMovement) });
      return dto;
    },
  };
}

export type DonationsService = ReturnType<typeof createDonationsService>;
