import type { CreateItemRequest, ItemDto, ListItemsQuery, Page, UpdateItemRequest } from '@karavan/shared';
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { containing, exactly, isObjectIdHex } from '../lib/text-search';
import { Item, type ItemDoc } from './items.model';
import { presentItem } from './items.presenter';
import { madeBefore } from '../db/operations';

async function findItem(id: string): Promise<ItemDoc> {
  const item = isObjectIdHex(id) ? await Item.findById(id) : null;
  if (!item) throw ApiError.notFound('Item');
  return item;
}

/** The item as the API shows it; 404 "Item not found" when there is none. */
export async function getItem(id: string): Promise<ItemDto> {
  return presentItem(await findItem(id));
}

/** The items with these ids, by id (one query); ids that name no item are left out. */
export async function findItems(ids: readonly string[]): Promise<Map<string, ItemDto>> {
  const wanted = [...new Set(ids.filter(isObjectIdHex))];
  const found = new Map<string, ItemDto>();
  if (wanted.length === 0) return found;
  for (const doc of await Item.find({ _id: { $in: wanted } }).lean()) {
    const dto = presentItem(doc);
    found.set(dto.id, dto);
  }
  return found;
}

/** 409 when another item already has this Russian or English name (ignoring case). */
async function assertNameFree(name: { ru: string; en: string }, exceptId?: string): Promise<void> {
  const details = [];
  for (const locale of ['ru', 'en'] as const) {
    const filter: Record<string, unknown> = { [`name.${locale}`]: exactly(name[locale]) };
    if (exceptId) filter._id = { $ne: exceptId };
    if (await Item.exists(filter)) {
      details.push({ path: `body.name.${locale}`, message: 'another item has this name', type: 'duplicate' });
    }
  }
  if (details.length > 0) throw new ApiError(409, 'DUPLICATE', 'An item with this name exists already', details);
}

function assertShelfLife(perishable: boolean, shelfLifeHours: number | null): void {
  if (!perishable && shelfLifeHours !== null) {
    throw new ApiError(422, 'UNPROCESSABLE', 'Only a perishable item has a shelf life', [
      { path: 'body.shelfLifeHours', message: '"shelfLifeHours" is only for perishable items', type: 'any.only' },
    ]);
  }
}

/** Every item's id, name and base unit (lookup tables of exports). */
export async function itemNames() {
  return (await Item.find({}, { name: 1, baseUnit: 1 }).lean()).map((i) => ({
    id: i._id.toHexString(),
    name: i.name,
    baseUnit: i.baseUnit,
  }));
}

/** Every active item (the channels read item names in messages against them). */
export async function activeItems(): Promise<ItemDto[]> {
  return (await Item.find({ active: true }).lean()).map(presentItem);
}

export function createItemsService() {
  return {
    /** Adds an item to the catalogue. */
    async create(_actor: Actor, input: CreateItemRequest, options: { id?: string } = {}): Promise<ItemDto> {
      const made = await madeBefore(options.id, (id) => Item.findById(id));
      if (made) return presentItem(made);
      const perishable = input.perishable ?? false;
      assertShelfLife(perishable, input.shelfLifeHours ?? null);
      await assertNameFree(input.name);
      const item = await Item.create({
        ...(options.id ? { _id: options.id } : {}),
        name: input.name,
        category: input.category ?? null,
        baseUnit: input.baseUnit,
        packs: input.packs ?? [],
        perishable,
        shelfLifeHours: input.shelfLifeHours ?? null,
        weightKgPerUnit: input.weightKgPerUnit ?? null,
        active: input.active ?? true,
      });
      return presentItem(item);
    },

    /** Lists items sorted by Russian name; `q` searches every translation and the category. */
    async list(_actor: Actor, query: ListItemsQuery): Promise<Page<ItemDto>> {
      const filter: Record<string, unknown> = {};
      if (query.active !== undefined) filter.active = query.active;
      if (query.category) filter.category = exactly(query.category);
      if (query.q) {
        const pattern = containing(query.q);
        filter.$or = ['name.ru', 'name.en', 'name.ky', 'name.kk', 'category'].map((path) => ({ [path]: pattern }));
      }
      const [items, total] = await Promise.all([
        Item.find(filter).sort({ 'name.ru': 1, _id: 1 }).skip(query.offset).limit(query.limit).lean(),
        Item.countDocuments(filter),
      ]);
      return { items: items.map(presentItem), total, limit: query.limit, offset: query.offset };
    },

    async get(_actor: Actor, id: string): Promise<ItemDto> {
      return getItem(id);
    },

    /**
     * Changes an item. Its base unit never changes (the ledger counts in it); turning
     * `perishable` off clears the shelf life.
     */
    async update(_actor: Actor, id: string, patch: UpdateItemRequest): Promise<ItemDto> {
      const item = await findItem(id);
      if (patch.name) {
        await assertNameFree(patch.name, id);
        item.name = patch.name;
      }
      if (patch.category !== undefined) item.category = patch.category;
      if (patch.packs !== undefined) item.set('packs', patch.packs);
      if (patch.perishable !== undefined) {
        item.perishable = patch.perishable;
        if (!patch.perishable && patch.shelfLifeHours === undefined) item.shelfLifeHours = null;
      }
      if (patch.shelfLifeHours !== undefined) item.shelfLifeHours = patch.shelfLifeHours;
      if (patch.weightKgPerUnit !== undefined) item.weightKgPerUnit = patch.weightKgPerUnit;
      if (patch.active !== undefined) item.active = patch.active;
      assertShelfLife(item.perishable, item.shelfLifeHours ?? null);
      await item.save();
      return presentItem(item);
    },
  };
}

export type ItemsService = ReturnType<typeof createItemsService>;
