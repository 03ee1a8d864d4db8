import type {
  CreateLocationRequest,
  ListLocationsQuery,
  LocationDto,
  Page,
  UpdateLocationRequest,
} from '@karavan/shared';
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { containing, isObjectIdHex } from '../lib/text-search';
import { Location, type LocationDoc } from './locations.model';
import { presentLocation } from './locations.presenter';
import { madeBefore } from '../db/operations';

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
export async function activeCollectionPoints(): Promise<LocationDto[]> {
  return (await Location.find({ kind: 'collection_point', active: true }).lean()).map(presentLocation);
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
      const location = await Location.create({
        ...(options.id ? { _id: options.id } : {}),
        name: input.name,
        kind: input.kind,
        address: input.address ?? null,
        position: input.position ?? null,
        contact: input.contact ?? null,
        openingHours: input.openingHours ?? null,
        active: input.active ?? true,
      });
      return presentLocation(location);
    },

    /** Lists locations sorted by name; `q` searches name and address. */
    async list(_actor: Actor, query: ListLocationsQuery): Promise<Page<LocationDto>> {
      const filter: Record<string, unknown> = {};
      if (query.kind) filter.kind = query.kind;
      if (query.active !== undefined) filter.active = query.active;
      if (query.q) {
        const pattern = containing(query.q);
        filter.$or = [{ name: pattern }, { address: pattern }];
      }
      const [items, total] = await Promise.all([
        Location.find(filter).sort({ name: 1, _id: 1 }).skip(query.offset).limit(query.limit).lean(),
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
      for (const key of ['name', 'kind', 'address', 'position', 'contact', 'openingHours', 'active'] as const) {
        if (patch[key] !== undefined) location.set(key, patch[key]);
      }
      await location.save();
      return presentLocation(location);
    },
  };
}

export type LocationsService = ReturnType<typeof createLocationsService>;
