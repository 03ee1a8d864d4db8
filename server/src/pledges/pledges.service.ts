import { Types } from 'mongoose';
import {
  PLEDGE_DAYS_AHEAD,
  startOfDayIn,
  toBaseQuantity,
  wallClock,
  type CampaignDto,
  type CreatePledgeRequest,
  type ErrorDetail,
  type ListPledgesQuery,
  type Page,
  type PledgeDto,
  type PledgeTotalsDto,
} from '@karavan/shared';
import { closedCampaignIds, getCampaign } from '../campaigns';
import type { DonationsService } from '../donations';
import { findItems } from '../items';
import { activeCollectionPoints } from '../locations';
import { userLocationIds } from '../users';
import { madeBefore } from '../db/operations';
import { RETRY, retrying } from '../db/retry';
import { ApiError, isDuplicateKey } from '../lib/errors';
import type { EventBus } from '../lib/events';
import type { Actor } from '../lib/route';
import type { StockService } from '../stock';
import { FulfilmentClaim, Pledge } from './pledges.model';
import { presentPledge, type PledgeLike } from './pledges.presenter';

const DAY_MS = 86_400_000;

/** `day` plus `n` calendar days (`YYYY-MM-DD`). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + n * DAY_MS).toISOString().slice(0, 10);
}

/** When a pledge for `day` stops counting: the end of the day after it, on the campaign's clock. */
export const lapseOf = (day: string, zone: string): Date => startOfDayIn(addDays(day, 2), zone);

/** A real calendar day (2026-02-30 is not). */
const isCalendarDay = (day: string) => addDays(day, 0) === day;

const unprocessable = (message: string, details: ErrorDetail[]) => new ApiError(422, 'UNPROCESSABLE', message, details);

/**
 * What pledges still promise per item of a campaign: quantity - fulfilled of every pledge that
 * has not lapsed (through the index {campaignId, lapsesAt}).
 */
export async function openPledgedByItem(campaignId: string, now = new Date()): Promise<Map<string, number>> {
  const rows = await Pledge.aggregate<{ _id: string; open: number }>([
    { $match: { campaignId, lapsesAt: { $gt: now } } },
    { $group: { _id: '$itemId', open: { $sum: { $subtract: ['$quantity', '$fulfilled'] } } } },
  ]);
  return new Map(rows.map((r) => [r._id, Math.max(0, r.open)]));
}

export interface PledgeLimits {
  /** New pledges a campaign takes per hour, from every address together. */
  perCampaignPerHour: number;
}

/**
 * A voided donation fulfils nothing any more: each pledge it fulfilled gets that quantity back
 * (open again, until it lapses) and the donation's claims are released, so the donation entered
 * again in its place can fulfil the pledge. Called by the void's hook in the persistence kernel
 * (wiring.ts), so a crash is finished by the repair pass; idempotent: a pledge's `donationIds`
 * guards its compare-and-set, and the claims go last.
 */
export async function releaseFulfilmentsOf(donationId: string, events: EventBus): Promise<void> {
  const campaigns = new Set<string>();
  for (const found of await Pledge.find({ donationIds: donationId }, { _id: 1 }).lean()) {
    await retrying(async () => {
      const pledge = await Pledge.findById(found._id).lean();
      if (!pledge || !pledge.donationIds.includes(donationId)) return null;
      const quantity = pledge.fulfilments
        .filter((f) => f.donationId === donationId)
        .reduce((n, f) => n + f.quantity, 0);
      const fulfilled = Math.max(0, pledge.fulfilled - quantity);
      const res = await Pledge.updateOne(
        { _id: pledge._id, donationIds: donationId, fulfilled: pledge.fulfilled },
        {
          $set: { fulfilled, settled: fulfilled >= pledge.quantity },
          $pull: { donationIds: donationId, fulfilments: { donationId } },
        },
      );
      if (res.modifiedCount !== 1) return RETRY;
      campaigns.add(pledge.campaignId);
      return null;
    });
  }
  const prefix = donationId.replace(/[^0-9A-Za-z_-]/g, '');
  if (prefix === donationId) await FulfilmentClaim.deleteMany({ _id: { $regex: `^${prefix}:` } });
  for (const campaignId of campaigns) events.publish('pledges.changed', { campaignId });
}

export function createPledgesService(
  events: EventBus,
  deps: { stock: StockService; donations: DonationsService },
  limits: PledgeLimits,
) {
  const changed = (campaignId: string) => events.publish('pledges.changed', { campaignId });

  /** Forgets the donors' names and phones of a closed campaign's pledges. */
  async function purgeContacts(campaignId: string): Promise<number> {
    const res = await Pledge.updateMany({ campaignId, contact: { $ne: null } }, { $set: { contact: null } });
    if (res.modifiedCount > 0) changed(campaignId);
    return res.modifiedCount;
  }
  events.subscribe('campaigns.updated', ({ campaign }) => {
    if (campaign.status === 'closed') void purgeContacts(campaign.id).catch(() => undefined);
  });

  async function publicCampaign(id: string): Promise<CampaignDto> {
    const campaign = await getCampaign(id).catch(() => null);
    if (!campaign || !campaign.public || campaign.status === 'draft') throw ApiError.notFound('Campaign');
    return campaign;
  }

  return {
    purgeContacts,

    /** Purges the contacts of every closed campaign's pledges (at start: a close whose purge was cut short). */
    async purgeClosed(): Promise<number> {
      let purged = 0;
      for (const id of await closedCampaignIds()) purged += await purgeContacts(id);
      return purged;
    },

    /**
     * A donor's pledge, without an account. Refused (422, with the field) for an item that is not
     * one of the campaign's targets or is marked enough, a place that is not one of its collection
     * points, a day before today or more than PLEDGE_DAYS_AHEAD ahead (campaign clock), more
     * than the need left (unless the campaign allows it), a phone without consent; 409 when the
     * campaign is closed; 429 past the campaign's hourly limit.
     */
    async create(input: CreatePledgeRequest, campaignId: string, options: { id?: string } = {}, now = new Date()) {
      const made = await madeBefore(options.id, (id) => Pledge.findById(id).lean());
      if (made) return { id: made._id.toHexString() };
      const campaign = await publicCampaign(campaignId);
      if (campaign.status !== 'active') {
        throw new ApiError(409, 'CONFLICT', 'The campaign is closed: it takes no more pledges');
      }
      const details: ErrorDetail[] = [];
      const target = campaign.targets.find((t) => t.itemId === input.itemId);
      const [items, points] = await Promise.all([
        findItems([input.itemId]),
        activeCollectionPoints(campaign.locationIds),
      ]);
      const item = items.get(input.itemId);
      let quantity: number | undefined;
      if (!target || !item) {
        details.push({ path: 'body.itemId', message: 'the campaign does not collect this item', type: 'reference' });
      } else if (campaign.enoughItemIds.includes(item.id)) {
        details.push({
          path: 'body.itemId',
          message: 'the organisers have enough of this item',
          type: 'pledge.enough',
        });
      } else {
        quantity = toBaseQuantity(item, input.quantity, input.unit);
        if (quantity === undefined) {
          const units = [item.baseUnit, ...item.packs.map((p) => p.unit)].join(', ');
          details.push({ path: 'body.unit', message: `must be one of the item's units: ${units}`, type: 'reference' });
        }
      }
      if (!points.some((p) => p.id === input.locationId)) {
        details.push({
          path: 'body.locationId',
          message: 'is not one of the campaign’s collection points',
          type: 'reference',
        });
      }
      const today = wallClock(now, campaign.timeZone).date;
      const last = addDays(today, PLEDGE_DAYS_AHEAD);
      if (!isCalendarDay(input.day) || input.day < today || input.day > last) {
        details.push({ path: 'body.day', message: `must be a day from ${today} to ${last}`, type: 'date.range' });
      } else if (campaign.endsAt && startOfDayIn(input.day, campaign.timeZone) > new Date(campaign.endsAt)) {
        details.push({ path: 'body.day', message: 'is after the campaign ends', type: 'date.range' });
      }
      if (input.phone && !input.consentToContact) {
        details.push({
          path: 'body.phone',
          message: 'is kept only with consentToContact: true',
          type: 'consent',
        });
      }
      if (details.length > 0) throw unprocessable('The pledge cannot be taken', details);

      if (!campaign.pledgesOverNeed && item && quantity !== undefined) {
        const [progress, open] = await Promise.all([
          deps.stock.progress(campaign),
          openPledgedByItem(campaign.id, now),
        ]);
        const needed = progress.items.find((row) => row.itemId === item.id)?.needed ?? 0;
        const left = Math.max(0, needed - (open.get(item.id) ?? 0));
        if (quantity > left) {
          throw unprocessable('The pledge is larger than what is still needed', [
            { path: 'body.quantity', message: `at most ${left} ${item.baseUnit} are still needed`, type: 'pledge.max' },
          ]);
        }
      }
      const recent = await Pledge.countDocuments({
        campaignId: campaign.id,
        createdAt: { $gte: new Date(now.getTime() - 3_600_000) },
      });
      if (recent >= limits.perCampaignPerHour) {
        throw new ApiError(429, 'RATE_LIMITED', 'The campaign takes no more pledges this hour; try again later');
      }
      const name = input.name?.trim() || null;
      const phone = input.consentToContact ? input.phone?.trim() || null : null;
      const doc = await Pledge.create({
        ...(options.id ? { _id: options.id } : {}),
        campaignId: campaign.id,
        itemId: input.itemId,
        locationId: input.locationId,
        day: input.day,
        quantity: quantity!,
        lapsesAt: lapseOf(input.day, campaign.timeZone),
        contact: name || phone ? { name, phone } : null,
      });
      changed(campaign.id);
      return { id: doc._id.toHexString() };
    },

    /**
     * The pledges of a campaign (by point, day, status), for coordinators and organisers. The
     * donors' contacts are shown only in a point's list (`locationId`), to the people who work at
     * that point (the user's `locationIds`, set by organisers).
     */
    async list(actor: Actor, query: ListPledgesQuery, now = new Date()): Promise<Page<PledgeDto>> {
      const filter: Record<string, unknown> = { campaignId: query.campaignId };
      if (query.locationId) filter.locationId = query.locationId;
      if (query.day) filter.day = query.day;
      if (query.status === 'lapsed') Object.assign(filter, { settled: false, lapsesAt: { $lte: now } });
      if (query.status === 'open') Object.assign(filter, { settled: false, lapsesAt: { $gt: now } });
      if (query.status === 'fulfilled') filter.settled = true;
      const [docs, total] = await Promise.all([
        Pledge.find(filter).sort({ day: 1, createdAt: 1, _id: 1 }).skip(query.offset).limit(query.limit).lean(),
        Pledge.countDocuments(filter),
      ]);
      const withContact = Boolean(query.locationId) && (await userLocationIds(actor.id)).includes(query.locationId!);
      return {
        items: docs.map((doc) => presentPledge(doc as PledgeLike, now, withContact)),
        total,
        limit: query.limit,
        offset: query.offset,
      };
    },

    /**
     * Turns a pledge into (part of) a donation: the donation's quantity of the pledged item, up
     * to what the pledge still promises, counts as fulfilled; the rest stays pledged. The
     * donation must be of the same campaign and point, not voided, and hold the item; a
     * donation's line fulfils one pledge only. Sending it again changes nothing.
     *
     * Two writes, each retry-safe: the claim `<donationId>:<itemId>` (unique `_id`), then the
     * pledge's guarded `$inc`. A retry after a cut between them finds its own claim and applies
     * the `$inc`, which the pledge's `donationIds` guard keeps to once.
     */
    async fulfil(actor: Actor, id: string, donationId: string, now = new Date()): Promise<PledgeDto> {
      const pledge = Types.ObjectId.isValid(id) ? await Pledge.findById(id).lean() : null;
      if (!pledge) throw ApiError.notFound('Pledge');
      // (the donor's contact only for the people of the pledge's point, as in the list)
      const withContact = (await userLocationIds(actor.id)).includes(pledge.locationId);
      if (pledge.donationIds.includes(donationId)) return presentPledge(pledge as PledgeLike, now, withContact);
      const donation = await deps.donations.get(actor, donationId).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      });
      const problem = !donation
        ? 'no donation has this id'
        : donation.voided
          ? 'the donation was voided'
          : donation.campaignId !== pledge.campaignId || donation.locationId !== pledge.locationId
            ? 'the donation is of another campaign or point'
            : !donation.lines.some((l) => l.itemId === pledge.itemId)
              ? 'the donation has none of the pledged item'
              : null;
      if (problem || !donation) {
        throw unprocessable('The donation cannot fulfil this pledge', [
          { path: 'body.donationId', message: problem ?? 'no donation', type: 'reference' },
        ]);
      }
      const brought = donation.lines.filter((l) => l.itemId === pledge.itemId).reduce((s, l) => s + l.quantity, 0);
      const quantity = Math.min(brought, pledge.quantity - pledge.fulfilled);
      if (quantity <= 0) throw new ApiError(409, 'CONFLICT', 'The pledge is already fulfilled');
      const claimId = `${donationId}:${pledge.itemId}`;
      try {
        await FulfilmentClaim.create({ _id: claimId, pledgeId: pledge._id.toHexString() });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const claim = await FulfilmentClaim.findById(claimId).lean();
        if (claim?.pledgeId !== pledge._id.toHexString()) {
          throw new ApiError(409, 'CONFLICT', 'This donation already fulfilled another pledge', [
            { path: 'body.donationId', message: 'already fulfilled another pledge', type: 'duplicate' },
          ]);
        }
      }
      const updated = await Pledge.findOneAndUpdate(
        // Compare-and-set on what was read: `settled` is then known to be right.
        { _id: pledge._id, donationIds: { $ne: donationId }, fulfilled: pledge.fulfilled },
        {
          $inc: { fulfilled: quantity },
          $set: { settled: pledge.fulfilled + quantity >= pledge.quantity },
          $push: { donationIds: donationId, fulfilments: { donationId, quantity, at: now, by: actor.id } },
        },
        { returnDocument: 'after' },
      ).lean();
      const result = updated ?? (await Pledge.findById(pledge._id).lean());
      if (!updated && !result?.donationIds.includes(donationId)) {
        // Another donation fulfilled it meanwhile: give the claim back so the donation stays free.
        await FulfilmentClaim.deleteOne({ _id: claimId, pledgeId: pledge._id.toHexString() });
        throw new ApiError(409, 'CONFLICT', 'The pledge changed meanwhile; reload it');
      }
      changed(pledge.campaignId);
      return presentPledge(result as PledgeLike, now, withContact);
    },

    /** Pledged against fulfilled per item and point of a campaign (the organisers' view). */
    async totals(_actor: Actor, campaignId: string, now = new Date()): Promise<PledgeTotalsDto> {
      await getCampaign(campaignId);
      const rows = await Pledge.aggregate<{
        _id: { itemId: string; locationId: string };
        pledges: number;
        pledged: number;
        fulfilled: number;
        open: number;
        lapsed: number;
      }>([
        { $match: { campaignId } },
        {
          $project: {
            itemId: 1,
            locationId: 1,
            quantity: 1,
            fulfilled: 1,
            open: { $cond: [{ $gt: ['$lapsesAt', now] }, { $subtract: ['$quantity', '$fulfilled'] }, 0] },
            lapsed: { $cond: [{ $gt: ['$lapsesAt', now] }, 0, { $subtract: ['$quantity', '$fulfilled'] }] },
          },
        },
        {
          $group: {
            _id: { itemId: '$itemId', locationId: '$locationId' },
            pledges: { $sum: 1 },
            pledged: { $sum: '$quantity' },
            fulfilled: { $sum: '$fulfilled' },
            open: { $sum: '$open' },
            lapsed: { $sum: '$lapsed' },
          },
        },
      ]);
      return {
        campaignId,
        rows: rows
          .map((r) => ({
            itemId: r._id.itemId,
            locationId: r._id.locationId,
            pledges: r.pledges,
            pledged: r.pledged,
            fulfilled: r.fulfilled,
            open: r.open,
            lapsed: r.lapsed,
          }))
          .sort((a, b) => a.itemId.localeCompare(b.itemId) || a.locationId.localeCompare(b.locationId)),
      };
    },
  };
}
export type PledgesService = ReturnType<typeof createPledgesService>;
