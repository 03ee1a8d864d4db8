import { randomBytes } from 'node:crypto';
import type Joi from 'joi';
import {
  createCampaignBody,
  createItemBody,
  createLocationBody,
  createVolunteerBody,
  type CampaignDto,
  type CreateCampaignRequest,
  type CreateItemRequest,
  type CreateLocationRequest,
  type CreateVolunteerRequest,
  type ItemDto,
  type LocationDto,
  type VolunteerDto,
} from '@karavan/shared';
import { createCampaignsService } from '../../server/src/campaigns';
import { createItemsService } from '../../server/src/items';
import { createEventBus, type EventBus } from '../../server/src/lib/events';
import type { Actor } from '../../server/src/lib/route';
import { createLocationsService } from '../../server/src/locations';
import { createVolunteersService } from '../../server/src/volunteers';

/*
 * Factories for catalogue data. They write through the same request schemas and services as
 * the API (so defaults, unit conversion and checks apply), with made-up unique names.
 */

const unique = () => randomBytes(4).toString('hex');

/** The caller factories act as; services use it only for authorship. */
const factoryActor: Actor = {
  id: '000000000000000000000000',
  role: 'organiser',
  email: 'factory@test.karavan',
  mustChangePassword: false,
};

function validated<T>(schema: Joi.ObjectSchema<T>, input: unknown): T {
  const { error, value } = schema.validate(input, { abortEarly: false, convert: true });
  if (error) throw new Error(`factory input is not valid: ${error.message}`);
  return value;
}

/** An item; by default kefir-like: litre, pack of 1, crate of 12, perishable for 10 days. */
export async function buildItem(overrides: Partial<CreateItemRequest> = {}): Promise<ItemDto> {
  const id = unique();
  const input = validated(createItemBody, {
    name: { ru: `Кефир ${id}`, en: `Kefir ${id}` },
    category: 'dairy',
    baseUnit: 'litre',
    packs: [
      { unit: 'pack', size: 1 },
      { unit: 'crate', size: 12 },
    ],
    perishable: true,
    shelfLifeHours: 240,
    ...overrides,
  });
  return createItemsService().create(factoryActor, input);
}

/** A collection point in Bishkek unless overridden. */
export async function buildLocation(overrides: Partial<CreateLocationRequest> = {}): Promise<LocationDto> {
  const input = validated(createLocationBody, {
    name: `Пункт сбора ${unique()}`,
    kind: 'collection_point',
    address: 'Бишкек, ул. Киевская 96',
    position: { lat: 42.8746, lng: 74.6122 },
    ...overrides,
  });
  return createLocationsService().create(factoryActor, input);
}

/** An active campaign; give `targets` (they may use pack units) to set targets. */
export async function buildCampaign(overrides: Partial<CreateCampaignRequest> = {}): Promise<CampaignDto> {
  const input = validated(createCampaignBody, {
    name: `Январь 2022 ${unique()}`,
    status: 'active',
    startsAt: '2022-01-06T00:00:00.000Z',
    endsAt: '2022-01-31T00:00:00.000Z',
    targets: [],
    ...overrides,
  });
  return createCampaignsService().create(factoryActor, input);
}

/** An available volunteer who drives (licence B and C, own van). Pass `events` to see volunteer.changed. */
export async function buildVolunteer(
  overrides: Partial<CreateVolunteerRequest> = {},
  events: EventBus = createEventBus(),
): Promise<VolunteerDto> {
  const input = validated(createVolunteerBody, {
    name: `Волонтёр ${unique()}`,
    phone: '+996 555 000 111',
    languages: ['ru', 'ky'],
    skills: {
      licenceCategories: ['B', 'C'],
      vehicle: { kind: 'van', plate: '01KG123ABC', capacityKg: 1500 },
      other: [],
    },
    availability: { available: true },
    ...overrides,
  });
  return createVolunteersService(events).create(factoryActor, input);
}
