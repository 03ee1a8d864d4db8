import {
  LOCALES,
  hoursOrderProblems,
  normaliseWeek,
  parseOpeningHours,
  toLocalized,
  type CreateLocationRequest,
  type ListLocationsQuery,
  type LocationDto,
  type Page,
  type UpdateLocationRequest,
} from '@karavan/shared';
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { containing, isObjectIdHex } from '../lib/text-search';
import { Location, type LocationDoc } from './locations.model';
import { presentLocation } from './locations.presenter';
import { madeBefore } from '../db/operations';

/** 422 when an opening interval closes before it opens (nothing is written). */
function checkHoursOrder(week: Parameters<typeof hoursOrderProblems>[0]): void {
  const problems = hoursOrderProblems(week);
  if (problems.length > 0) {
    throw new ApiError(422, 'UNPROCESSABLE', 'An opening interval closes before it opens', problems.slice(0, 20));
  }
}

async function findLocation(id: string): Promise<LocationDoc> {
  const location = isObjectIdHex(id) ? await Location.findById(id) : null;
  if (!location) throw ApiError.notFound('Location');
  return location;
}

/** The location as the API shows it; 404 "Location not found" when there is none. */
export async function getLocation(id: string): Promise<LocationDto> {
  return presentLocation(await findLocation(id));
}

/** The locations with these ids, by id (one query); ids that name no location are left out. */
export async function findLocations(ids: readonly string[]): Promise<Map<string, LocationDto>> {
  const wanted = [...new Set(ids.filter(isObjectIdHex))];
  const found = new Map<string, LocationDto>();
  if (wanted.length === 0) return found;
  for (const doc of await Location.find({ _id: { $in: wanted } }).lean()) {
    const dto = presentLocation(doc);
    found.set(dto.id, dto);
  }
  return found;
}

/** The active collection points (the public needs page says where to bring donations). */
/** Active collection points: those named (a campaign's own), or every one when none is named. */
export async function activeCollectionPoints(ids: readonly string[] = []): Promise<LocationDto[]> {
  const chosen = ids.length > 0 ? { _id: { $in: [...ids] } } : {};
  return (await Location.find({ kind: 'collection_point' as const, active: true, ...chosen }).lean()).map(
    presentLocation,
  );
}

/** The active collection points whose contact phone's digits end like `key` (a coordinator's point, by SMS). */
export async function collectionPointsByContactPhone(key: string): Promise<LocationDto[]> {
  const found = await Location.find({
    kind: 'collection_point' as const,
    active: true,
    'contact.phone': { $ne: null },
  }).lean();
  return found.filter((l) => (l.contact?.phone ?? '').replace(/\D/g, '').endsWith(key)).map(presentLocation);
}

/** Every place's id, name, kind and address (lookup tables of exports). */
export async function locationNames() {
  return (await Location.find({}, { name: 1, kind: 1, address: 1 }).lean()).map((l) => ({
    id: l._id.toHexString(),
    name: l.name,
    kind: l.kind,
    address: l.address ?? null,
  }));
}

export function createLocationsService() {
  return {
    /** Adds a collection point, warehouse, checkpoint or distribution point. */
    async create(_actor: Actor, input: CreateLocationRequest, options: { id?: string } = {}): Promise<LocationDto> {
      const made = await madeBefore(options.id, (id) => Location.findById(id));
      if (made) return presentLocation(made);
      checkHoursOrder(input.weeklyHours);
      const location = await Location.create({
        ...(options.id ? { _id: options.id } : {}),
        name: toLocalized(input.name),
        kind: input.kind,
        address: input.address ?? null,
        position: input.position ?? null,
        contact: input.contact ?? null,
        openingHours: input.openingHours ?? null,
        // Given, or read from the free text when it says it plainly ("Пн-Сб 9:00-18:00").
        weeklyHours:
          input.weeklyHours !== undefined
            ? normaliseWeek(input.weeklyHours)
            : (parseOpeningHours(input.openingHours) ?? null),
        active: input.active ?? true,
      });
      return presentLocation(location);
    },

    /** Lists locations sorted by Russian name; `q` searches the name in every language and the address. */
    async list(_actor: Actor, query: ListLocationsQuery): Promise<Page<LocationDto>> {
      const filter: Record<string, unknown> = {};
      if (query.kind) filter.kind = query.kind;
      if (query.active !== undefined) filter.active = query.active;
      if (query.q) {
        const pattern = containing(query.q);
        filter.$or = [
          { name: pattern },
          ...LOCALES.map((locale) => ({ [`name.${locale}`]: pattern })),
          { address: pattern },
        ];
      }
      const [items, total] = await Promise.all([
        Location.find(filter).sort({ 'name.ru': 1, _id: 1 }).skip(query.offset).limit(query.limit).lean(),
        Location.countDocuments(filter),
      ]);
      return { items: items.map(presentLocation), total, limit: query.limit, offset: query.offset };
    },

    async get(_actor: Actor, id: string): Promise<LocationDto> {
      return getLocation(id);
    },

    /** Changes a location; `position` and `contact` are replaced whole. Deactivate with `active: false`. */
    async update(_actor: Actor, id: string, patch: UpdateLocationRequest): Promise<LocationDto> {
      const location = await findLocation(id);
      checkHoursOrder(patch.weeklyHours);
      for (const key of ['kind', 'address', 'position', 'contact', 'openingHours', 'active'] as const) {
        if (patch[key] !== undefined) location.set(key, patch[key]);
      }
      if (patch.name !== undefined) location.set('name', toLocalized(patch.name));
      else if (typeof location.name === 'string') location.set('name', toLocalized(location.name));
      if (patch.weeklyHours !== undefined) location.set('weeklyHours', normaliseWeek(patch.weeklyHours));
      else if (patch.openingHours !== undefined && !location.weeklyHours) {
        location.set('weeklyHours', parseOpeningHours(patch.openingHours) ?? null);
      }
      await location.save();
      return presentLocation(location);
    },
  };
}

/**
 * Place names stored as plain strings by older versions become translated objects, and free-text
 * hours that say it plainly get their week. Run at start; reading old data works without it.
 */
export async function migrateLocations(): Promise<number> {
  let changed = 0;
  // A small collection, read whole: no `$type` query (not proven on the embedded database).
  const all = await Location.find({}, { name: 1, openingHours: 1, weeklyHours: 1 }).lean();
  for (const doc of all) {
    const set: Record<string, unknown> = {};
    if (typeof doc.name === 'string') set.name = toLocalized(doc.name);
    const week = doc.weeklyHours ? undefined : parseOpeningHours(doc.openingHours);
    if (week) set.weeklyHours = week;
    if (Object.keys(set).length === 0) continue;
    changed += (await Location.updateOne({ _id: doc._id }, { $set: set }, { timestamps: false })).modifiedCount;
  }
  return changed;
}

export type LocationsService = ReturnType<typeof createLocationsService>;
