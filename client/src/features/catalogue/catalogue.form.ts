import type { BaseUnit, CreateItemRequest, CreateLocationRequest, LocationKind } from '@karavan/shared';
import { isWholeAtLeast, type Problems } from '../../ui/forms';

/** An item as its form holds it: names in the four languages, pack lines, shelf life when it spoils. */
export interface ItemValues {
  names: { ru: string; en: string; ky: string; kk: string };
  baseUnit: BaseUnit;
  packs: { unit: string; size: number | string }[];
  perishable: boolean;
  shelfLife: number | string;
}

export type ItemField = 'ru' | 'en' | 'ky' | 'kk' | 'packs' | 'shelfLife' | 'baseUnit';

export const ITEM_SERVER_FIELDS: Record<string, ItemField> = {
  'body.name.ru': 'ru',
  'body.name.en': 'en',
  'body.name.ky': 'ky',
  'body.name.kk': 'kk',
  'body.packs': 'packs',
  'body.shelfLifeHours': 'shelfLife',
  'body.baseUnit': 'baseUnit',
};

/** Russian and English names are required; every pack needs a unit and a whole size; perishables a shelf life. */
export function validateItem(values: ItemValues): Problems<ItemField> {
  const found: Problems<ItemField> = {};
  if (!values.names.ru.trim()) found.ru = 'wb.fieldErrors.required';
  if (!values.names.en.trim()) found.en = 'wb.fieldErrors.required';
  if (values.packs.some((pack) => !pack.unit.trim() || !isWholeAtLeast(pack.size, 1)))
    found.packs = 'catalogue.errors.pack';
  if (values.perishable && (values.shelfLife === '' || Number(values.shelfLife) < 1))
    found.shelfLife = 'catalogue.errors.shelfLife';
  return found;
}

/** The request for a valid item form: trimmed names (Kyrgyz and Kazakh only when given), pack units in lower case. */
export function itemRequest(values: ItemValues): CreateItemRequest {
  const { names } = values;
  return {
    name: {
      ru: names.ru.trim(),
      en: names.en.trim(),
      ...(names.ky.trim() ? { ky: names.ky.trim() } : {}),
      ...(names.kk.trim() ? { kk: names.kk.trim() } : {}),
    },
    baseUnit: values.baseUnit,
    packs: values.packs.map((pack) => ({ unit: pack.unit.trim().toLowerCase(), size: Number(pack.size) })),
    perishable: values.perishable,
    shelfLifeHours: values.perishable ? Number(values.shelfLife) : null,
  };
}

/** A place as its form holds it; the coordinates are both given or both empty. */
export interface LocationValues {
  name: string;
  kind: LocationKind;
  address: string;
  hours: string;
  lat: number | string;
  lng: number | string;
  active: boolean;
}

export type LocationField = 'name' | 'kind' | 'address' | 'hours' | 'lat' | 'lng';

export const LOCATION_SERVER_FIELDS: Record<string, LocationField> = {
  'body.name': 'name',
  'body.kind': 'kind',
  'body.address': 'address',
  'body.openingHours': 'hours',
  'body.position.lat': 'lat',
  'body.position.lng': 'lng',
  'body.position': 'lat',
};

export function validateLocation({ name, lat, lng }: LocationValues): Problems<LocationField> {
  const found: Problems<LocationField> = {};
  if (!name.trim()) found.name = 'wb.fieldErrors.required';
  if ((lat === '') !== (lng === '')) found[lat === '' ? 'lat' : 'lng'] = 'catalogue.errors.bothCoordinates';
  if (lat !== '' && (Number(lat) < -90 || Number(lat) > 90)) found.lat = 'wb.fieldErrors.invalid';
  if (lng !== '' && (Number(lng) < -180 || Number(lng) > 180)) found.lng = 'wb.fieldErrors.invalid';
  return found;
}

/** The request for a valid place form: empty texts are null, no coordinates no position. */
export function locationRequest(values: LocationValues): CreateLocationRequest {
  return {
    name: values.name.trim(),
    kind: values.kind,
    address: values.address.trim() || null,
    openingHours: values.hours.trim() || null,
    position: values.lat === '' ? null : { lat: Number(values.lat), lng: Number(values.lng) },
    active: values.active,
  };
}
