import {
  CAMPAIGN_TRANSITIONS,
  toBaseQuantity,
  lineLimitDetail,
  TOTAL_MAX,
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
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { containing, isObjectIdHex } from '../lib/text-search';
import { Campaign, type CampaignDoc } from './campaigns.model';
import { presentCampaign } from './campaigns.presenter';

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

function assertDates(startsAt: Date | null, endsAt: Date | null): void {
  if (startsAt && endsAt && endsAt < startsAt) {
    throw new ApiError(422, 'UNPROCESSABLE', 'The campaign cannot end before it starts', [
      { path: 'body.endsAt', message: '"endsAt" must not be before "startsAt"', type: 'date.min' },
    ]);
  }
}

const toDate = (value: string | null | undefined) => (value ? new Date(value) : null);

export function createCampaignsService() {
  return {
    /** Sets up a campaign (a draft unless `status` says otherwise) with its targets in base units. */
    async create(_actor: Actor, input: CreateCampaignRequest, options: { id?: string } = {}): Promise<CampaignDto> {
      // A retry whose first attempt made it (its answer lost) gets it back: same key, same id.
      const made = options.id ? await Campaign.findById(options.id) : null;
      if (made) return presentCampaign(made);
      const startsAt = toDate(input.startsAt);
      const endsAt = toDate(input.endsAt);
      assertDates(startsAt, endsAt);
      const targets = await resolveTargets(input.targets ?? []);
      const campaign = await Campaign.create({
        ...(options.id ? { _id: options.id } : {}),
        name: input.name,
        description: input.description ?? null,
        startsAt,
        endsAt,
        status: input.status ?? 'draft',
        public: input.public ?? false,
        targets,
      });
      return presentCampaign(campaign);
    },

    /** Lists campaigns sorted by name; `q` searches name and description. */
    async list(_actor: Actor, query: ListCampaignsQuery): Promise<Page<CampaignDto>> {
      const filter: Record<string, unknown> = {};
      if (query.status) filter.status = query.status;
      if (query.q) {
        const pattern = containing(query.q);
        filter.$or = [{ name: pattern }, { description: pattern }];
      }
      const [items, total] = await Promise.all([
        Campaign.find(filter).sort({ name: 1, _id: 1 }).skip(query.offset).limit(query.limit).lean(),
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
      if (patch.name !== undefined) campaign.name = patch.name;
      if (patch.description !== undefined) campaign.description = patch.description;
      campaign.startsAt = startsAt;
      campaign.endsAt = endsAt;
      if (patch.status !== undefined) campaign.status = patch.status;
      if (patch.public !== undefined) campaign.public = patch.public;
      if (targets) campaign.set('targets', targets);
      await campaign.save();
      return presentCampaign(campaign);
    },
  };
}

export type CampaignsService = ReturnType<typeof createCampaignsService>;
