import {
  PACK_SIZE_MAX,
  SHELF_LIFE_HOURS_MAX,
  TEXT_MAX,
  WEEKDAYS,
  formatDayHours,
  isLatitude,
  isLongitude,
  isWhole,
  textProblem,
  parseDayHours,
  type BaseUnit,
  type CreateItemRequest,
  type CreateLocationRequest,
  type LocationDto,
  type LocationKind,
  type Weekday,
  type WeeklyHours,
} from '@karavan/shared';
import type { Problems } from '../../ui/forms';

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

/** The name of each language: required ones filled in, none too long (the field rules of shared/). */
function nameProblems<L extends 'ru' | 'en' | 'ky' | 'kk'>(names: NameValues, required: readonly L[]): Problems<L> {
  const found: Problems<'ru' | 'en' | 'ky' | 'kk'> = {};
  for (const language of ['ru', 'en', 'ky', 'kk'] as const) {
    const problem = textProblem(names[language], TEXT_MAX.name, (required as readonly string[]).includes(language));
    if (problem) found[language] = `wb.fieldErrors.${problem}`;
  }
  return found as Problems<L>;
}

/** Russian and English names are required; every pack needs a unit and a whole size; perishables a shelf life. */
export function validateItem(values: ItemValues): Problems<ItemField> {
  const found: Problems<ItemField> = nameProblems(values.names, ['ru', 'en']);
  if (
    values.packs.some(
      (pack) =>
        textProblem(pack.unit, TEXT_MAX.unit, true) !== undefined || !isWhole(pack.size, { max: PACK_SIZE_MAX }),
    )
  )
    found.packs = 'catalogue.errors.pack';
  if (values.perishable && !isWhole(values.shelfLife, { max: SHELF_LIFE_HOURS_MAX }))
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

/** A name in the four languages as a form holds it (Russian required, the others optional). */
export type NameValues = { ru: string; en: string; ky: string; kk: string };

/** The name of a request: only the languages given, trimmed. */
export function nameRequest(names: NameValues): { ru: string; en?: string; ky?: string; kk?: string } {
  const out: { ru: string; en?: string; ky?: string; kk?: string } = { ru: names.ru.trim() };
  for (const language of ['en', 'ky', 'kk'] as const) {
    const value = names[language].trim();
    if (value) out[language] = value;
  }
  return out;
}

/** A place as its form holds it; the coordinates are both given or both empty. */
export interface LocationValues {
  names: NameValues;
  kind: LocationKind;
  address: string;
  /** A note beside the week ("closed on public holidays"). */
  hours: string;
  /** Per weekday, `09:00–18:00` (several: comma-separated; empty: closed). */
  week: Record<Weekday, string>;
  lat: number | string;
  lng: number | string;
  active: boolean;
}

export type LocationField = 'ru' | 'en' | 'ky' | 'kk' | 'kind' | 'address' | 'hours' | 'lat' | 'lng' | Weekday;

export const LOCATION_SERVER_FIELDS: Record<string, LocationField> = {
  'body.name.ru': 'ru',
  'body.name.en': 'en',
  'body.name.ky': 'ky',
  'body.name.kk': 'kk',
  'body.name': 'ru',
  ...Object.fromEntries(WEEKDAYS.map((day) => [`body.weeklyHours.${day}`, day])),
  'body.kind': 'kind',
  'body.address': 'address',
  'body.openingHours': 'hours',
  'body.position.lat': 'lat',
  'body.position.lng': 'lng',
  'body.position': 'lat',
};

/** The form's values for a place, or for a new collection point. */
export function locationValues(location: LocationDto | null): LocationValues {
  return {
    names: {
      ru: location?.name.ru ?? '',
      en: location?.name.en ?? '',
      ky: location?.name.ky ?? '',
      kk: location?.name.kk ?? '',
    },
    kind: location?.kind ?? 'collection_point',
    address: location?.address ?? '',
    hours: location?.openingHours ?? '',
    week: Object.fromEntries(
      WEEKDAYS.map((day) => [day, location?.weeklyHours ? formatDayHours(location.weeklyHours[day]) : '']),
    ) as Record<Weekday, string>,
    lat: location?.position?.lat ?? '',
    lng: location?.position?.lng ?? '',
    active: location?.active ?? true,
  };
}

export function validateLocation({ names, address, hours, week, lat, lng }: LocationValues): Problems<LocationField> {
  const found: Problems<LocationField> = nameProblems(names, ['ru']);
  if (textProblem(address, TEXT_MAX.address)) found.address = 'wb.fieldErrors.tooLong';
  if (textProblem(hours, TEXT_MAX.openingHours)) found.hours = 'wb.fieldErrors.tooLong';
  for (const day of WEEKDAYS) if (parseDayHours(week[day]) === undefined) found[day] = 'catalogue.errors.hours';
  if ((lat === '') !== (lng === '')) found[lat === '' ? 'lat' : 'lng'] = 'catalogue.errors.bothCoordinates';
  if (lat !== '' && !isLatitude(lat)) found.lat = 'wb.fieldErrors.invalid';
  if (lng !== '' && !isLongitude(lng)) found.lng = 'wb.fieldErrors.invalid';
  return found;
}

/** The request for a valid place form: empty texts are null, no coordinates no position. */
export function locationRequest(values: LocationValues): CreateLocationRequest {
  const days = WEEKDAYS.map((day) => [day, parseDayHours(values.week[day]) ?? []] as const);
  // No day filled in: the hours are not known (rather than "closed all week").
  const weeklyHours = days.some(([, intervals]) => intervals.length > 0)
    ? (Object.fromEntries(days) as WeeklyHours)
    : null;
  return {
    name: nameRequest(values.names),
    kind: values.kind,
    address: values.address.trim() || null,
    openingHours: values.hours.trim() || null,
    weeklyHours,
    position: values.lat === '' ? null : { lat: Number(values.lat), lng: Number(values.lng) },
    active: values.active,
  };
}
