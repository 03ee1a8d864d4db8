import Joi from 'joi';
import {
  createCampaignBody,
  createItemBody,
  createLocationBody,
  createVolunteerBody,
  email,
  freeText,
  localize,
  type CreateCampaignRequest,
  type CreateItemRequest,
  type CreateLocationRequest,
  type CreateVolunteerRequest,
} from '@karavan/shared';
import { Campaign, createCampaignsService } from '../campaigns';
import { createItemsService, Item } from '../items';
import type { EventBus } from '../lib/events';
import type { Actor } from '../lib/route';
import { byRussianName } from '../lib/text-search';
import { createLocationsService, Location } from '../locations';
import { User } from '../users';
import { createVolunteersService, Volunteer } from '../volunteers';

/** Campaign targets name their item by its Russian name; volunteers their user by email. */
export interface CatalogueSeed {
  items?: CreateItemRequest[];
  locations?: CreateLocationRequest[];
  campaigns?: (Omit<CreateCampaignRequest, 'targets'> & {
    targets?: { item: string; quantity: number; unit?: string }[];
  })[];
  volunteers?: (Omit<CreateVolunteerRequest, 'userId'> & { userEmail?: string })[];
}

export const catalogueSeedKeys = {
  items: Joi.array().items(createItemBody),
  locations: Joi.array().items(createLocationBody),
  campaigns: Joi.array().items(
    createCampaignBody.keys({
      targets: Joi.array().items(
        Joi.object({
          item: freeText(120).required(),
          quantity: Joi.number().integer().min(1).required(),
          unit: Joi.string(),
        }),
      ),
    }),
  ),
  volunteers: Joi.array().items(
    createVolunteerBody.keys({ userId: Joi.forbidden() }).append<{ userEmail?: string }>({ userEmail: email() }),
  ),
};

export interface CatalogueSeedResult {
  created: number;
  existing: number;
}

/**
 * Loads demo items, locations, campaigns and volunteers through the services. A record whose
 * name is already there is left alone, so seeding twice changes nothing.
 */
export async function seedCatalogue(seed: CatalogueSeed, actor: Actor, events: EventBus): Promise<CatalogueSeedResult> {
  const result: CatalogueSeedResult = { created: 0, existing: 0 };
  const items = createItemsService();
  const locations = createLocationsService();
  const campaigns = createCampaignsService();
  const volunteers = createVolunteersService(events);

  for (const input of seed.items ?? []) {
    if (await Item.exists({ 'name.ru': input.name.ru })) {
      result.existing += 1;
      continue;
    }
    await items.create(actor, input);
    result.created += 1;
  }
  for (const input of seed.locations ?? []) {
    if (await Location.exists(byRussianName(input.name))) {
      result.existing += 1;
      continue;
    }
    await locations.create(actor, input);
    result.created += 1;
  }
  for (const { targets, ...input } of seed.campaigns ?? []) {
    if (await Campaign.exists(byRussianName(input.name))) {
      result.existing += 1;
      continue;
    }
    const resolved = [];
    for (const target of targets ?? []) {
      const item = await Item.findOne({ 'name.ru': target.item }).lean();
      if (!item) throw new Error(`campaign "${localize(input.name, 'ru')}": no item named "${target.item}"`);
      resolved.push({ itemId: item._id.toHexString(), quantity: target.quantity, unit: target.unit });
    }
    await campaigns.create(actor, { ...input, targets: resolved });
    result.created += 1;
  }
  for (const { userEmail, ...input } of seed.volunteers ?? []) {
    if (await Volunteer.exists({ name: input.name })) {
      result.existing += 1;
      continue;
    }
    const user = userEmail ? await User.findOne({ email: userEmail }).lean() : null;
    if (userEmail && !user) throw new Error(`volunteer "${input.name}": no user with the email ${userEmail}`);
    await volunteers.create(actor, { ...input, userId: user ? user._id.toHexString() : null });
    result.created += 1;
  }
  return result;
}
