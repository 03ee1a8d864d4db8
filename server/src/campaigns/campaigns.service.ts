import {
  CAMPAIGN_TRANSITIONS,
  LOCALES,
  toBaseQuantity,
  lineLimitDetail,
  TOTAL_MAX,
  toLocalized,
  toLocalizedOrNull,
  type CampaignDto,
  type CampaignTarget,
  type CampaignTargetInput,
  type CreateCampaignRequest,
  type ErrorDetail,
  type ListCampaignsQuery,
  type Page,
  type UpdateCampaignRequest,
} from '@karavan/shared';
import { findItems } from '../items';
import { findLocations } from '../locations';
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { containing, isObjectIdHex } from '../lib/text-search';
import { Campaign, type CampaignDoc } from './campaigns.model';
import { presentCampaign } from './campaigns.presenter';
import { defaultTimeZone } from './time-zone';
import { madeBefore } from '../db/operations';
import type { EventBus } from '../lib/events';
import { Types } from 'mongoose';

async function findCampaign(id: string): Promise<CampaignDoc> {
  const campaign = isObjectIdHex(id) ? await Campaign.findById(id) : null;
  if (!campaign) throw ApiError.notFound('Campaign');
  return campaign;
}

/** The campaign as the API shows it; 404 "Campaign not found" when there is none. */
export async function getCampaign(id: string): Promise<CampaignDto> {
  return presentCampaign(await findCampaign(id));
}

/**
 * Targets in base units. Every item must exist and the unit must be one of its own (422 with
 * the field path of each bad target otherwise).
 */
async function resolveTargets(targets: CampaignTargetInput[]): Promise<CampaignTarget[]> {
  const items = await findItems(targets.map((t) => t.itemId));
  const details: ErrorDetail[] = [];
  const resolved: CampaignTarget[] = [];
  targets.forEach((target, index) => {
    const item = items.get(target.itemId);
    if (!item) {
      details.push({ path: `body.targets.${index}.itemId`, message: 'no item has this id', type: 'reference' });
      return;
    }
    const quantity = toBaseQuantity(item, target.quantity, target.unit);
    if (quantity === undefined) {
      const units = [item.baseUnit, ...item.packs.map((p) => p.unit)].join(', ');
      details.push({
        path: `body.targets.${index}.unit`,
        message: `must be one of the item's units: ${units}`,
        type: 'reference',
      });
      return;
    }
    const overLimit = lineLimitDetail(`body.targets.${index}.quantity`, quantity, TOTAL_MAX);
    if (overLimit) {
      details.push(overLimit);
      return;
    }
    resolved.push({ itemId: item.id, quantity });
  });
  if (details.length > 0) throw new ApiError(422, 'UNPROCESSABLE', 'Some targets name no item or unit', details);
  return resolved;
}

/** The collection points taking part: each must exist and be a collection point (422 otherwise). */
async function resolveLocations(ids: string[]): Promise<string[]> {
  const places = await findLocations(ids);
  const details: ErrorDetail[] = [];
  ids.forEach((id, index) => {
    const place = places.get(id);
    if (!place) details.push({ path: `body.locationIds.${index}`, message: 'no place has this id', type: 'reference' });
    else if (place.kind !== 'collection_point') {
      details.push({ path: `body.locationIds.${index}`, message: 'is not a collection point', type: 'reference' });
    }
  });
  if (details.length > 0) throw new ApiError(422, 'UNPROCESSABLE', 'Some places are not collection points', details);
  return ids;
}

/** Every language of a name or description, for a search ("contains", ignoring case). */
export const localizedSearch = (field: string, pattern: RegExp) => [
  { [field]: pattern },
  ...LOCALES.map((locale) => ({ [`${field}.${locale}`]: pattern })),
];

/**
 * Campaign names and descriptions stored as plain strings by older versions become translated
 * objects (the same text in every language). Run at start; reading old data works without it.
 */
export async function migrateCampaignNames(): Promise<number> {
  let changed = 0;
  // A small collection, read whole: no `$type` query (not proven on the embedded database).
  const all = await Campaign.find({}, { name: 1, description: 1 }).lean();
  for (const doc of all.filter((d) => typeof d.name === 'string' || typeof d.description === 'string')) {
    const set: Record<string, unknown> = {};
    if (typeof doc.name === 'string') set.name = toLocalized(doc.name);
    if (typeof doc.description === 'string') set.description = toLocalizedOrNull(doc.description);
    // Not an edit: the record keeps its updatedAt.
    const res = await Campaign.updateOne({ _id: doc._id }, { $set: set }, { timestamps: false });
    changed += res.modifiedCount;
  }
  return changed;
}

function assertDates(startsAt: Date | null, endsAt: Date | null): void {
  if (startsAt && endsAt && endsAt < startsAt) {
    throw new ApiError(422, 'UNPROCESSABLE', 'The campaign cannot end before it starts', [
      { path: 'body.endsAt', message: '"endsAt" must not be before "startsAt"', type: 'date.min' },
    ]);
  }
}

const toDate = (value: string | null | undefined) => (value ? new Date(value) : null);

/** Every campaign's id and name (lookup tables of exports). */
export async function campaignNames() {
  return (await Campaign.find({}, { name: 1, timeZone: 1 }).lean()).map((c) => ({
    id: c._id.toHexString(),
    name: c.name,
    timeZone: c.timeZone,
  }));
}

/** The ids of closed campaigns (the pledge purge at start). */
export async function closedCampaignIds(): Promise<string[]> {
  return (await Campaign.find({ status: 'closed' }, { _id: 1 }).lean()).map((c) => c._id.toHexString());
}

/** Public campaigns taking donations now: the ones a drive's channel keeps a post about. */
export async function publicActiveCampaignIds(): Promise<string[]> {
  const found = await Campaign.find({ public: true, status: 'active' }, { _id: 1 }).sort({ _id: 1 }).lean();
  return found.map((c) => c._id.toHexString());
}

/** The active campaigns, newest first (the channels: where a donation by message goes, what is needed). */
export async function activeCampaigns(): Promise<CampaignDto[]> {
  return (await Campaign.find({ status: 'active' }).sort({ createdAt: -1 }).limit(50)).map(presentCampaign);
}

export function createCampaignsService(events?: EventBus) {
  const changed = (campaign: CampaignDto) => {
    events?.publish('campaigns.updated', { campaign });
    return campaign;
  };
  return {
    /** Sets up a campaign (a draft unless `status` says otherwise) with its targets in base units. */
    async create(_actor: Actor, input: CreateCampaignRequest, options: { id?: string } = {}): Promise<CampaignDto> {
      const made = await madeBefore(options.id, (id) => Campaign.findById(id));
      if (made) return presentCampaign(made);
      const startsAt = toDate(input.startsAt);
      const endsAt = toDate(input.endsAt);
      assertDates(startsAt, endsAt);
      const targets = await resolveTargets(input.targets ?? []);
      const locationIds = await resolveLocations(input.locationIds ?? []);
      const campaign = await Campaign.create({
        ...(options.id ? { _id: options.id } : {}),
        name: toLocalized(input.name),
        description: toLocalizedOrNull(input.description),
        startsAt,
        endsAt,
        status: input.status ?? 'draft',
        public: input.public ?? false,
        targets,
        timeZone: input.timeZone ?? defaultTimeZone(),
        locationIds,
        pledgesOverNeed: input.pledgesOverNeed ?? false,
      });
      return presentCampaign(campaign);
    },

    /** Lists campaigns sorted by Russian name; `q` searches name and description in every language. */
    async list(_actor: Actor, query: ListCampaignsQuery): Promise<Page<CampaignDto>> {
      const filter: Record<string, unknown> = {};
      if (query.status) filter.status = query.status;
      if (query.q) {
        const pattern = containing(query.q);
        filter.$or = [...localizedSearch('name', pattern), ...localizedSearch('description', pattern)];
      }
      const [items, total] = await Promise.all([
        Campaign.find(filter).sort({ 'name.ru': 1, _id: 1 }).skip(query.offset).limit(query.limit).lean(),
        Campaign.countDocuments(filter),
      ]);
      return { items: items.map(presentCampaign), total, limit: query.limit, offset: query.offset };
    },

    async get(_actor: Actor, id: string): Promise<CampaignDto> {
      return getCampaign(id);
    },

    /**
     * Changes a campaign. `targets` replaces the whole list. The status moves only as
     * CAMPAIGN_TRANSITIONS allows (409 with the allowed next states otherwise): a campaign is
     * never deleted, it is closed.
     */
    async update(_actor: Actor, id: string, patch: UpdateCampaignRequest): Promise<CampaignDto> {
      const campaign = await findCampaign(id);
      if (patch.status !== undefined && patch.status !== campaign.status) {
        const allowed = CAMPAIGN_TRANSITIONS[campaign.status];
        if (!allowed.includes(patch.status)) {
          throw new ApiError(
            409,
            'CONFLICT',
            `A ${campaign.status} campaign cannot become ${patch.status}`,
            allowed.map((status) => ({ path: 'body.status', message: `may become ${status}`, type: status })),
          );
        }
      }
      const startsAt = patch.startsAt !== undefined ? toDate(patch.startsAt) : (campaign.startsAt ?? null);
      const endsAt = patch.endsAt !== undefined ? toDate(patch.endsAt) : (campaign.endsAt ?? null);
      assertDates(startsAt, endsAt);
      const targets = patch.targets !== undefined ? await resolveTargets(patch.targets) : undefined;
      const locationIds = patch.locationIds !== undefined ? await resolveLocations(patch.locationIds) : undefined;
      if (patch.name !== undefined) campaign.set('name', toLocalized(patch.name));
      else if (typeof campaign.name === 'string') campaign.set('name', toLocalized(campaign.name));
      if (patch.description !== undefined) campaign.set('description', toLocalizedOrNull(patch.description));
      if (patch.timeZone !== undefined) campaign.timeZone = patch.timeZone;
      if (locationIds) campaign.set('locationIds', locationIds);
      campaign.startsAt = startsAt;
      campaign.endsAt = endsAt;
      if (patch.status !== undefined) campaign.status = patch.status;
      if (patch.public !== undefined) campaign.public = patch.public;
      if (targets) campaign.set('targets', targets);
      if (patch.pledgesOverNeed !== undefined) campaign.pledgesOverNeed = patch.pledgesOverNeed;
      await campaign.save();
      return changed(presentCampaign(campaign));
    },

    /**
     * The organisers' "enough, stop bringing X" switch for one item of the campaign's targets
     * (404 when the item is not one of them). One atomic update: two organisers switching at
     * once cannot lose each other's other items.
     */
    async setEnough(_actor: Actor, id: string, itemId: string, enough: boolean): Promise<CampaignDto> {
      const campaign = await findCampaign(id);
      if (!(campaign.targets ?? []).some((t) => t.itemId.toHexString() === itemId)) {
        throw new ApiError(404, 'NOT_FOUND', 'The campaign has no target for this item');
      }
      const oid = new Types.ObjectId(itemId);
      const updated = await Campaign.findByIdAndUpdate(
        id,
        enough ? { $addToSet: { enoughItemIds: oid } } : { $pull: { enoughItemIds: oid } },
        { returnDocument: 'after' },
      );
      if (!updated) throw ApiError.notFound('Campaign');
      return changed(presentCampaign(updated));
    },
  };
}

export type CampaignsService = ReturnType<typeof createCampaignsService>;
