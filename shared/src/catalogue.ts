import Joi from 'joi';
import { objectId, pageQueryKeys, type PageQuery } from './common';
import { patternText, phoneNumber, trimmedText, type TextSchema } from './text';
import type { LocalizedInput, LocalizedText } from './localized';
import { localizedText, localizedTextDto } from './localized.schema';
import type { WeeklyHours } from './hours';
import { timeZone, weeklyHours, weeklyHoursDto } from './hours.schema';
import {
  BASE_UNITS,
  LICENCE_CATEGORIES,
  type BaseUnit,
  type CampaignStatus,
  type LocationKind,
  CAMPAIGN_STATUSES,
  LOCATION_KINDS,
} from './terms';
import {
  LANGUAGE_CODE,
  LATITUDE_MAX,
  LONGITUDE_MAX,
  PACK_SIZE_MAX,
  QUANTITY_MAX,
  SHELF_LIFE_HOURS_MAX,
  TEXT_MAX,
  VEHICLE_CAPACITY_KG_MAX,
  WEIGHT_KG_PER_UNIT_MAX,
} from './rules';

/*
 * The catalogue (items), places (locations), campaigns and volunteers: DTOs, request schemas
 * and the pack-unit conversion used wherever a request gives a quantity.
 */

// ---------------------------------------------------------------------------------------------
// Free text

/** Free text from a user, trimmed; see trimmedText (code points, no control characters). */
export const freeText = (max: number, options: { multiline?: boolean } = {}) =>
  trimmedText({ max, multiline: options.multiline });

/** The `q` of a list: free text searched case-insensitively as plain text (never a pattern). */
export const searchQuery = () => freeText(TEXT_MAX.search);

/** A contact's phone number; see phoneNumber. */
export const contactPhone = phoneNumber;

/** An ISO 8601 time; converted to UTC `toISOString()` form. */
const isoDate = () => Joi.string().isoDate();

// ---------------------------------------------------------------------------------------------
// Items and units

export interface TranslatedName {
  ru: string;
  en: string;
  ky?: string;
  kk?: string;
}

/** A unit goods come in, e.g. `{ unit: 'crate', size: 12 }`: one crate holds 12 base units. */
export interface PackUnit {
  /** Lower-case name, unique within the item and never one of the base units. */
  unit: string;
  /** How many base units one of it holds (an integer). */
  size: number;
}

export interface ItemDto {
  id: string;
  name: TranslatedName;
  category: string | null;
  baseUnit: BaseUnit;
  packs: PackUnit[];
  perishable: boolean;
  /** How long a perishable item keeps after receipt; the default expiry of a donation line. */
  shelfLifeHours: number | null;
  /** Weight of one base unit in kg (packaging included), for a shipment's load; null when unknown. */
  weightKgPerUnit: number | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Thousands separators for a limit in a message. */
const grouped = (n: number) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The 422 detail of a line over QUANTITY_MAX base units (null when within it). */
export function lineLimitDetail(
  path: string,
  baseQuantity: number,
  max = QUANTITY_MAX,
): { path: string; message: string; type: string } | null {
  if (baseQuantity <= max) return null;
  return {
    path,
    message: `is ${grouped(baseQuantity)} base units; the limit is ${grouped(max)} base units (${max === QUANTITY_MAX ? 'QUANTITY_MAX' : 'TOTAL_MAX'})`,
    type: 'limit',
  };
}

/** A limit in a message, e.g. `1,000,000,000,000`. */
export const formatLimit = grouped;

/** A positive integer quantity as requests give it (in base units or the named `unit`). */
export const itemQuantity = () => Joi.number().integer().min(1).max(QUANTITY_MAX);

// Letters of the scripts our languages are written in (Latin, Cyrillic with the Kyrgyz and Kazakh
// letters, Greek), spelled out as ranges so that the OpenAPI document's pattern means the same to
// every reader (`\p{L}` does not).
const UNIT_CHAR = '0-9A-Za-z\\u00c0-\\u024f\\u0370-\\u03ff\\u0400-\\u04ff';
const UNIT_NAME = new RegExp(`^[${UNIT_CHAR}][${UNIT_CHAR} _-]*$`);

/**
 * The name of a pack unit: a letter or digit, then letters, digits, spaces, `-` or `_`; checked as
 * sent, stored trimmed and in lower case.
 */
export const packUnitName = (): TextSchema =>
  patternText(
    { max: TEXT_MAX.unit },
    UNIT_NAME,
    'unit name',
    '{{#label}} must start with a letter or digit and hold only letters, digits, spaces, - or _',
  ).custom((value: string) => value.trim().toLowerCase(), 'trim and lower case');

const translatedName = () =>
  Joi.object<TranslatedName, true>({
    ru: freeText(TEXT_MAX.name).required(),
    en: freeText(TEXT_MAX.name).required(),
    ky: freeText(TEXT_MAX.name),
    kk: freeText(TEXT_MAX.name),
  });

const packUnits = () =>
  Joi.array()
    .items(
      Joi.object<PackUnit, true>({
        // "loaf" is refused as the document says (400); "Loaf " only once lower-cased and
        // trimmed, a rule the document cannot state (422).
        unit: packUnitName()
          .invalid(...BASE_UNITS)
          .custom((value: string, helpers) => {
            const base = BASE_UNITS as readonly string[];
            // The name exactly as a base unit is spelled was refused above, once is enough.
            return base.includes(value) && !base.includes(helpers.original as string)
              ? helpers.error('unit.base')
              : value;
          })
          .required()
          .messages({
            'any.invalid': '{{#label}} must not be a base unit',
            'unit.base': '{{#label}} must not be a base unit',
          }),
        size: Joi.number().integer().min(1).max(PACK_SIZE_MAX).required(),
      }),
    )
    .max(20)
    .unique('unit');

const shelfLifeHours = () => Joi.number().integer().min(1).max(SHELF_LIFE_HOURS_MAX).allow(null);
const weightKgPerUnit = () => Joi.number().min(0).max(WEIGHT_KG_PER_UNIT_MAX).allow(null);

export interface CreateItemRequest {
  name: TranslatedName;
  category?: string | null;
  baseUnit: BaseUnit;
  packs?: PackUnit[];
  perishable?: boolean;
  shelfLifeHours?: number | null;
  weightKgPerUnit?: number | null;
  active?: boolean;
}
export const createItemBody = Joi.object<CreateItemRequest, true>({
  name: translatedName().required(),
  category: freeText(TEXT_MAX.category).allow(null),
  baseUnit: Joi.string()
    .valid(...BASE_UNITS)
    .required(),
  packs: packUnits(),
  perishable: Joi.boolean().default(false),
  /** Only for perishable items (400 otherwise). */
  shelfLifeHours: shelfLifeHours(),
  /** Weight of one base unit in kg, used to warn when a shipment's load exceeds its vehicle. */
  weightKgPerUnit: weightKgPerUnit(),
  active: Joi.boolean(),
});

/**
 * The base unit cannot change: every quantity in the ledger is counted in it. `name` replaces
 * the whole translated name; `packs` replaces the list.
 */
export interface UpdateItemRequest {
  name?: TranslatedName;
  category?: string | null;
  packs?: PackUnit[];
  perishable?: boolean;
  shelfLifeHours?: number | null;
  weightKgPerUnit?: number | null;
  active?: boolean;
}
export const updateItemBody = Joi.object<UpdateItemRequest, true>({
  name: translatedName(),
  category: freeText(TEXT_MAX.category).allow(null),
  packs: packUnits(),
  perishable: Joi.boolean(),
  shelfLifeHours: shelfLifeHours(),
  weightKgPerUnit: weightKgPerUnit(),
  active: Joi.boolean(),
}).min(1);

export interface ListItemsQuery extends PageQuery {
  /** Case-insensitive search in every translation of the name and in the category. */
  q?: string;
  category?: string;
  active?: boolean;
}
export const listItemsQuery = Joi.object<ListItemsQuery, true>({
  q: searchQuery(),
  category: freeText(TEXT_MAX.category),
  active: Joi.boolean(),
  ...pageQueryKeys,
});

const timestamps = {
  createdAt: Joi.string().isoDate().required(),
  updatedAt: Joi.string().isoDate().required(),
};
const id = () => Joi.string().hex().length(24);

export const itemDtoSchema = Joi.object<ItemDto, true>({
  id: id().required(),
  name: Joi.object({
    ru: Joi.string().required(),
    en: Joi.string().required(),
    ky: Joi.string(),
    kk: Joi.string(),
  }).required(),
  category: Joi.string().allow(null).required(),
  baseUnit: Joi.string()
    .valid(...BASE_UNITS)
    .required(),
  packs: Joi.array()
    .items(Joi.object({ unit: Joi.string().required(), size: Joi.number().integer().min(1).required() }))
    .required(),
  perishable: Joi.boolean().required(),
  shelfLifeHours: Joi.number().integer().allow(null).required(),
  weightKgPerUnit: Joi.number().allow(null).required(),
  active: Joi.boolean().required(),
  ...timestamps,
}).label('Item');

// ---------------------------------------------------------------------------------------------
// Locations

export interface GeoPosition {
  lat: number;
  lng: number;
}

export interface LocationContact {
  name: string | null;
  phone: string | null;
}

export interface LocationDto {
  id: string;
  /** In each language given; a name given as one string is the same in all four. */
  name: LocalizedText;
  kind: LocationKind;
  address: string | null;
  position: GeoPosition | null;
  contact: LocationContact | null;
  /** Free text beside the week, e.g. "closed on public holidays" (older versions: the only hours). */
  openingHours: string | null;
  /**
   * When it is open, per weekday, in local time (the time zone of the campaign it serves); null:
   * not known. Read from `openingHours` when only that was given and it says it plainly.
   */
  weeklyHours: WeeklyHours | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export const geoPosition = () =>
  Joi.object<GeoPosition, true>({
    lat: Joi.number().min(-LATITUDE_MAX).max(LATITUDE_MAX).required(),
    lng: Joi.number().min(-LONGITUDE_MAX).max(LONGITUDE_MAX).required(),
  });

const locationContact = () =>
  Joi.object<LocationContact, true>({
    name: freeText(TEXT_MAX.name).allow(null).default(null),
    phone: contactPhone().allow(null).default(null),
  });

export interface CreateLocationRequest {
  name: LocalizedInput;
  kind: LocationKind;
  address?: string | null;
  position?: GeoPosition | null;
  contact?: LocationContact | null;
  openingHours?: string | null;
  weeklyHours?: Partial<WeeklyHours> | null;
  active?: boolean;
}
export const createLocationBody = Joi.object<CreateLocationRequest, true>({
  name: localizedText(TEXT_MAX.name).required(),
  kind: Joi.string()
    .valid(...LOCATION_KINDS)
    .required(),
  address: freeText(TEXT_MAX.address).allow(null),
  position: geoPosition().allow(null),
  contact: locationContact().allow(null),
  openingHours: freeText(TEXT_MAX.openingHours, { multiline: true }).allow(null),
  weeklyHours: weeklyHours().allow(null),
  active: Joi.boolean(),
});

export type UpdateLocationRequest = Partial<CreateLocationRequest>;
export const updateLocationBody = Joi.object<UpdateLocationRequest, true>({
  name: localizedText(TEXT_MAX.name),
  kind: Joi.string().valid(...LOCATION_KINDS),
  address: freeText(TEXT_MAX.address).allow(null),
  position: geoPosition().allow(null),
  contact: locationContact().allow(null),
  openingHours: freeText(TEXT_MAX.openingHours, { multiline: true }).allow(null),
  weeklyHours: weeklyHours().allow(null),
  active: Joi.boolean(),
}).min(1);

export interface ListLocationsQuery extends PageQuery {
  kind?: LocationKind;
  /** Case-insensitive search in name and address. */
  q?: string;
  active?: boolean;
}
export const listLocationsQuery = Joi.object<ListLocationsQuery, true>({
  kind: Joi.string().valid(...LOCATION_KINDS),
  q: searchQuery(),
  active: Joi.boolean(),
  ...pageQueryKeys,
});

export const locationDtoSchema = Joi.object<LocationDto, true>({
  id: id().required(),
  name: localizedTextDto().required(),
  kind: Joi.string()
    .valid(...LOCATION_KINDS)
    .required(),
  address: Joi.string().allow(null).required(),
  position: Joi.object({ lat: Joi.number().required(), lng: Joi.number().required() }).allow(null).required(),
  contact: Joi.object({ name: Joi.string().allow(null).required(), phone: Joi.string().allow(null).required() })
    .allow(null)
    .required(),
  openingHours: Joi.string().allow(null).required(),
  weeklyHours: weeklyHoursDto().allow(null).required(),
  active: Joi.boolean().required(),
  ...timestamps,
}).label('Location');

// ---------------------------------------------------------------------------------------------
// Campaigns

/** Which status may follow which: a campaign is prepared, runs, ends; a closed one may reopen. */
export const CAMPAIGN_TRANSITIONS: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = {
  draft: ['active', 'closed'],
  active: ['closed'],
  closed: ['active'],
};

/** A target of a campaign, in base units. */
export interface CampaignTarget {
  itemId: string;
  quantity: number;
}

export interface CampaignDto {
  id: string;
  name: LocalizedText;
  description: LocalizedText | null;
  startsAt: string | null;
  endsAt: string | null;
  status: CampaignStatus;
  /** Shown on the public needs page (/needs/<id>) without sign-in. */
  public: boolean;
  targets: CampaignTarget[];
  /**
   * IANA time zone of the drive: receipts, waybills, the summary, day and hour buckets and the
   * human columns of exports read times in it (the API itself stays UTC).
   */
  timeZone: string;
  /** The collection points taking part (empty: every active collection point). */
  locationIds: string[];
  /** Items the organisers said there is enough of: the public board says "stop bringing" first. */
  enoughItemIds: string[];
  /** Donors may pledge more than is still needed (default false: a pledge is at most the need left). */
  pledgesOverNeed: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A target as a request gives it: the quantity may be in one of the item's pack units. */
export interface CampaignTargetInput {
  itemId: string;
  quantity: number;
  unit?: string;
}

const campaignTargets = () =>
  Joi.array()
    .items(
      Joi.object<CampaignTargetInput, true>({
        itemId: objectId().required(),
        quantity: itemQuantity().required(),
        unit: packUnitName(),
      }),
    )
    .max(200)
    .unique('itemId')
    .messages({ 'array.unique': '{{#label}} names an item that is already in the targets' });

const campaignLocations = () =>
  Joi.array()
    .items(objectId())
    .max(200)
    .unique()
    .messages({ 'array.unique': '{{#label}} names a place that is already taking part' });

export interface CreateCampaignRequest {
  name: LocalizedInput;
  description?: LocalizedInput | null;
  startsAt?: string | null;
  endsAt?: string | null;
  status?: CampaignStatus;
  public?: boolean;
  targets?: CampaignTargetInput[];
  timeZone?: string;
  locationIds?: string[];
  pledgesOverNeed?: boolean;
}
export const createCampaignBody = Joi.object<CreateCampaignRequest, true>({
  name: localizedText(TEXT_MAX.name).required(),
  description: localizedText(TEXT_MAX.description, { multiline: true, nullable: true }),
  startsAt: isoDate().allow(null),
  endsAt: isoDate().allow(null),
  status: Joi.string().valid(...CAMPAIGN_STATUSES),
  public: Joi.boolean(),
  targets: campaignTargets(),
  timeZone: timeZone(),
  locationIds: campaignLocations(),
  pledgesOverNeed: Joi.boolean(),
});

/** `targets` replaces the whole list. */
export type UpdateCampaignRequest = Partial<CreateCampaignRequest>;
export const updateCampaignBody = Joi.object<UpdateCampaignRequest, true>({
  name: localizedText(TEXT_MAX.name),
  description: localizedText(TEXT_MAX.description, { multiline: true, nullable: true }),
  startsAt: isoDate().allow(null),
  endsAt: isoDate().allow(null),
  status: Joi.string().valid(...CAMPAIGN_STATUSES),
  public: Joi.boolean(),
  targets: campaignTargets(),
  timeZone: timeZone(),
  locationIds: campaignLocations(),
  pledgesOverNeed: Joi.boolean(),
}).min(1);

/** What a new campaign starts with: the deployment's time zone (KARAVAN_TIME_ZONE). */
export interface CampaignDefaultsDto {
  timeZone: string;
}
export const campaignDefaultsSchema = Joi.object<CampaignDefaultsDto, true>({
  timeZone: Joi.string().required(),
}).label('CampaignDefaults');

export interface ListCampaignsQuery extends PageQuery {
  status?: CampaignStatus;
  /** Case-insensitive search in name and description. */
  q?: string;
}
export const listCampaignsQuery = Joi.object<ListCampaignsQuery, true>({
  status: Joi.string().valid(...CAMPAIGN_STATUSES),
  q: searchQuery(),
  ...pageQueryKeys,
});

export const campaignDtoSchema = Joi.object<CampaignDto, true>({
  id: id().required(),
  name: localizedTextDto().required(),
  description: localizedTextDto().allow(null).required(),
  startsAt: Joi.string().isoDate().allow(null).required(),
  endsAt: Joi.string().isoDate().allow(null).required(),
  status: Joi.string()
    .valid(...CAMPAIGN_STATUSES)
    .required(),
  public: Joi.boolean().required(),
  targets: Joi.array()
    .items(Joi.object({ itemId: id().required(), quantity: Joi.number().integer().min(1).required() }))
    .required(),
  timeZone: Joi.string().required(),
  locationIds: Joi.array().items(id()).required(),
  enoughItemIds: Joi.array().items(id()).required(),
  pledgesOverNeed: Joi.boolean().required(),
  ...timestamps,
}).label('Campaign');

// ---------------------------------------------------------------------------------------------
// Volunteers

export interface VolunteerVehicle {
  /** e.g. "van", "truck", "car". */
  kind: string;
  plate: string | null;
  capacityKg: number | null;
}

export interface VolunteerSkills {
  licenceCategories: string[];
  vehicle: VolunteerVehicle | null;
  /** Free-form skills, e.g. "loading", "translation", "first aid", each in the languages given. */
  other: LocalizedText[];
}

export interface VolunteerAvailability {
  available: boolean;
  note: string | null;
}

export interface VolunteerDto {
  id: string;
  name: string;
  phone: string | null;
  /** ISO 639 codes, e.g. ru, en, ky, kk. */
  languages: string[];
  skills: VolunteerSkills;
  availability: VolunteerAvailability;
  notes: string | null;
  /** The user account of this volunteer, if any (one volunteer per user). */
  userId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A skill's identity: its Russian name (or its one string), case-insensitive. */
const skillKey = (skill: unknown): string =>
  (typeof skill === 'string' ? skill : String((skill as { ru?: unknown } | null)?.ru ?? '')).trim().toLowerCase();

const languageCode = () => Joi.string().trim().lowercase().pattern(LANGUAGE_CODE, 'ISO 639 language code');

const licenceCategory = () =>
  Joi.string()
    .trim()
    .uppercase()
    .valid(...LICENCE_CATEGORIES);

const vehicle = () =>
  Joi.object<VolunteerVehicle, true>({
    kind: freeText(TEXT_MAX.vehicleKind).required(),
    plate: freeText(TEXT_MAX.plate).allow(null).default(null),
    capacityKg: Joi.number().integer().min(1).max(VEHICLE_CAPACITY_KG_MAX).allow(null).default(null),
  });

export interface VolunteerSkillsInput {
  licenceCategories?: string[];
  vehicle?: VolunteerVehicle | null;
  /** Each a plain string (every language) or `{ ru, en?, ky?, kk? }`. */
  other?: LocalizedInput[];
}
const skills = () =>
  Joi.object<VolunteerSkillsInput, true>({
    licenceCategories: Joi.array().items(licenceCategory()).max(LICENCE_CATEGORIES.length).unique(),
    vehicle: vehicle().allow(null),
    other: Joi.array()
      .items(localizedText(TEXT_MAX.skill))
      .max(30)
      .unique((a: unknown, b: unknown) => skillKey(a) === skillKey(b)),
  });

export interface VolunteerAvailabilityInput {
  available: boolean;
  note?: string | null;
}
const availability = () =>
  Joi.object<VolunteerAvailabilityInput, true>({
    available: Joi.boolean().required(),
    note: freeText(TEXT_MAX.availabilityNote).allow(null),
  });

export interface CreateVolunteerRequest {
  name: string;
  phone?: string | null;
  languages?: string[];
  skills?: VolunteerSkillsInput;
  availability?: VolunteerAvailabilityInput;
  notes?: string | null;
  userId?: string | null;
}
const volunteerKeys = {
  phone: contactPhone().allow(null),
  languages: Joi.array().items(languageCode()).max(20).unique(),
  skills: skills(),
  availability: availability(),
  notes: freeText(TEXT_MAX.notes, { multiline: true }).allow(null),
  userId: objectId().allow(null),
};
export const createVolunteerBody = Joi.object<CreateVolunteerRequest, true>({
  name: freeText(TEXT_MAX.name).required(),
  ...volunteerKeys,
});

/** `skills` and `availability` replace only the sub-fields they give. */
export type UpdateVolunteerRequest = Partial<CreateVolunteerRequest>;
export const updateVolunteerBody = Joi.object<UpdateVolunteerRequest, true>({
  name: freeText(TEXT_MAX.name),
  ...volunteerKeys,
}).min(1);

export interface ListVolunteersQuery extends PageQuery {
  /** A driving licence category (e.g. `C`) or another skill (case-insensitive). */
  skill?: string;
  /** An ISO 639 code: volunteers who speak it. */
  language?: string;
  available?: boolean;
  /** Case-insensitive search in name, phone, skills and notes. */
  q?: string;
}
export const listVolunteersQuery = Joi.object<ListVolunteersQuery, true>({
  skill: freeText(TEXT_MAX.skill),
  language: languageCode(),
  available: Joi.boolean(),
  q: searchQuery(),
  ...pageQueryKeys,
});

export const volunteerDtoSchema = Joi.object<VolunteerDto, true>({
  id: id().required(),
  name: Joi.string().required(),
  phone: Joi.string().allow(null).required(),
  languages: Joi.array().items(Joi.string()).required(),
  skills: Joi.object({
    licenceCategories: Joi.array().items(Joi.string()).required(),
    vehicle: Joi.object({
      kind: Joi.string().required(),
      plate: Joi.string().allow(null).required(),
      capacityKg: Joi.number().integer().allow(null).required(),
    })
      .allow(null)
      .required(),
    other: Joi.array().items(localizedTextDto()).required(),
  }).required(),
  availability: Joi.object({
    available: Joi.boolean().required(),
    note: Joi.string().allow(null).required(),
  }).required(),
  notes: Joi.string().allow(null).required(),
  userId: id().allow(null).required(),
  ...timestamps,
}).label('Volunteer');
