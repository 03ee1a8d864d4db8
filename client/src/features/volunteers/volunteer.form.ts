import {
  TEXT_MAX,
  VEHICLE_CAPACITY_KG_MAX,
  isLanguageCode,
  isPhoneNumber,
  isWhole,
  localize,
  textProblem,
  type CreateVolunteerRequest,
  type LocalizedInput,
  type LocalizedText,
  type VolunteerDto,
} from '@karavan/shared';
import { commaList, type Problems } from '../../ui/forms';

/** A volunteer as the form holds it: lists as comma-separated text, numbers as typed. */
export interface VolunteerValues {
  name: string;
  phone: string;
  languages: string;
  licence: string[];
  vehicleKind: string;
  plate: string;
  capacityKg: number | string;
  /** The other skills in the interface language, comma-separated. */
  other: string;
  /** The skills as saved, with their translations: kept for every name the user left as it was. */
  otherSaved?: LocalizedText[];
  /** The language `other` is written in. */
  locale?: string;
  available: boolean;
  note: string;
  notes: string;
  userId: string | null;
}

export type VolunteerField =
  | 'name'
  | 'phone'
  | 'languages'
  | 'licence'
  | 'vehicleKind'
  | 'plate'
  | 'capacityKg'
  | 'other'
  | 'note'
  | 'notes'
  | 'userId';

export const VOLUNTEER_SERVER_FIELDS: Record<string, VolunteerField> = {
  'body.name': 'name',
  'body.phone': 'phone',
  'body.languages': 'languages',
  'body.skills.licenceCategories': 'licence',
  'body.skills.vehicle.kind': 'vehicleKind',
  'body.skills.vehicle.plate': 'plate',
  'body.skills.vehicle.capacityKg': 'capacityKg',
  'body.skills.other': 'other',
  'body.availability.note': 'note',
  'body.notes': 'notes',
  'body.userId': 'userId',
};

/** The form's values for a volunteer, or for a new one (speaking Russian, available). */
export function volunteerValues(volunteer: VolunteerDto | null, locale = 'ru'): VolunteerValues {
  return {
    name: volunteer?.name ?? '',
    phone: volunteer?.phone ?? '',
    languages: volunteer?.languages.join(', ') ?? 'ru',
    licence: volunteer?.skills.licenceCategories ?? [],
    vehicleKind: volunteer?.skills.vehicle?.kind ?? '',
    plate: volunteer?.skills.vehicle?.plate ?? '',
    capacityKg: volunteer?.skills.vehicle?.capacityKg ?? '',
    other: volunteer?.skills.other.map((skill) => localize(skill, locale)).join(', ') ?? '',
    otherSaved: volunteer?.skills.other ?? [],
    locale,
    available: volunteer?.availability.available ?? true,
    note: volunteer?.availability.note ?? '',
    notes: volunteer?.notes ?? '',
    userId: volunteer?.userId ?? null,
  };
}

/** A name; language codes of two or three letters; a vehicle's plate or capacity only with its kind. */
export function validateVolunteer(values: VolunteerValues): Problems<VolunteerField> {
  const found: Problems<VolunteerField> = {};
  const nameProblem = textProblem(values.name, TEXT_MAX.name, true);
  if (nameProblem) found.name = `wb.fieldErrors.${nameProblem}`;
  if (values.phone.trim() && !isPhoneNumber(values.phone.trim())) found.phone = 'wb.fieldErrors.format';
  if (commaList(values.languages).some((code) => !isLanguageCode(code))) found.languages = 'volunteers.errors.language';
  if (commaList(values.other).some((skill) => textProblem(skill, TEXT_MAX.skill)))
    found.other = 'wb.fieldErrors.tooLong';
  if (values.capacityKg !== '' && !isWhole(values.capacityKg, { max: VEHICLE_CAPACITY_KG_MAX }))
    found.capacityKg = 'wb.fieldErrors.invalid';
  if ((values.plate.trim() || values.capacityKg !== '') && !values.vehicleKind.trim())
    found.vehicleKind = 'wb.fieldErrors.required';
  return found;
}

/**
 * The request for a valid volunteer form: languages in lower case and skills without repeats, no
 * vehicle without its kind, empty texts as null; the account link only for those who may set it.
 */
export function volunteerRequest(values: VolunteerValues, mayLink: boolean): CreateVolunteerRequest {
  const vehicleKind = values.vehicleKind.trim();
  return {
    name: values.name.trim(),
    phone: values.phone.trim() || null,
    languages: [...new Set(commaList(values.languages).map((code) => code.toLowerCase()))],
    skills: {
      licenceCategories: values.licence,
      vehicle: vehicleKind
        ? {
            kind: vehicleKind,
            plate: values.plate.trim() || null,
            capacityKg: values.capacityKg === '' ? null : Number(values.capacityKg),
          }
        : null,
      other: otherSkills(values),
    },
    availability: { available: values.available, note: values.note.trim() || null },
    notes: values.notes.trim() || null,
    ...(mayLink ? { userId: values.userId } : {}),
  };
}

/**
 * The other skills to send: a name shown as it was saved keeps all its translations; a new or
 * changed one is sent as typed (the same in every language until someone translates it).
 */
function otherSkills(values: VolunteerValues): LocalizedInput[] {
  const saved = new Map(
    (values.otherSaved ?? []).map((skill) => [localize(skill, values.locale ?? 'ru').toLowerCase(), skill]),
  );
  const seen = new Set<string>();
  const out: LocalizedInput[] = [];
  for (const typed of commaList(values.other)) {
    const key = typed.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(saved.get(key) ?? typed);
  }
  return out;
}
