import type { BaseUnit, ItemDto, TranslatedName } from '@karavan/shared';
import type { Types } from 'mongoose';
import type { ItemFields } from './items.model';

type ItemLike = ItemFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export function presentItem(item: ItemLike): ItemDto {
  const name: TranslatedName = { ru: item.name.ru, en: item.name.en };
  if (item.name.ky) name.ky = item.name.ky;
  if (item.name.kk) name.kk = item.name.kk;
  return {
    id: item._id.toHexString(),
    name,
    category: item.category ?? null,
    baseUnit: item.baseUnit as BaseUnit,
    packs: (item.packs ?? []).map((p) => ({ unit: p.unit, size: p.size })),
    perishable: item.perishable,
    shelfLifeHours: item.shelfLifeHours ?? null,
    weightKgPerUnit: item.weightKgPerUnit ?? null,
    active: item.active,
    createdAt: item.createdAt.toISOString(),
    updatedAt: item.updatedAt.toISOString(),
  };
}
