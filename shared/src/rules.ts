/*
 * The field rules: what the fields of a request may hold, as plain numbers, patterns and checks.
 * The server's Joi schemas (the other modules of shared/) and the web client's form checks both
 * read them here, so a form refuses exactly what the API would refuse. Joi-free: the client
 * bundles this module without the schema library (see client.ts).
 */

// ---------------------------------------------------------------------------------------------
// Quantities

/*
 * Limits that keep every count an exact integer: JavaScript numbers (and the doubles MongoDB
 * stores them as) are exact only up to 2^53 - 1 (about 9 x 10^15); past it `onHand - 1` is
 * `onHand` again and a difference of 1 goes unseen. So one line may hold at most QUANTITY_MAX base
 * units (after converting packs), a pack at most PACK_SIZE_MAX, and a running total (a balance's
 * onHand and reserved, a campaign total per item, a target) at most TOTAL_MAX: thousands of times
 * below 2^53. Going past one is a 422 naming the limit, before anything is written.
 */
/** Largest quantity of one line: in the request's unit, and in base units once packs are converted. */
export const QUANTITY_MAX = 1_000_000_000;
/** Largest pack size in base units. */
export const PACK_SIZE_MAX = 1_000_000;
/** Largest value of any running total (balances, campaign totals) and of a campaign target, in base units. */
export const TOTAL_MAX = 1_000_000_000_000;
/** Largest quantity of a stock change (write-off, count) and of a shipment line, in the unit it is given in. */
export const MOVE_QUANTITY_MAX = 10_000_000;
/** Most lines of one donation. */
export const DONATION_LINES_MAX = 50;
/** Most lines of one shipment. */
export const SHIPMENT_LINES_MAX = 100;

/** Longest shelf life: five years. */
export const SHELF_LIFE_HOURS_MAX = 5 * 366 * 24;
/** Heaviest base unit, in kg. */
export const WEIGHT_KG_PER_UNIT_MAX = 100_000;
/** Largest load of a volunteer's vehicle, in whole kg. */
export const VEHICLE_CAPACITY_KG_MAX = 100_000;
/** Largest load of a shipment's vehicle, in kg. */
export const SHIPMENT_CAPACITY_KG_MAX = 200_000;
/** Longest estimate of a shipment's time on the road: 30 days. */
export const ROUTE_HOURS_MAX = 24 * 30;

export interface WholeRange {
  /** Smallest allowed (default 1). */
  min?: number;
  /** Largest allowed (default QUANTITY_MAX). */
  max?: number;
}

/** A whole number within `min`..`max` (a form's number, or '' when its field is empty). */
export function isWhole(value: number | string, { min = 1, max = QUANTITY_MAX }: WholeRange = {}): boolean {
  if (value === '' || value === null || value === undefined) return false;
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max;
}

/** A number (not only whole) within `min`..`max`. */
export function isInRange(value: number | string, min: number, max: number): boolean {
  if (value === '' || value === null || value === undefined) return false;
  const n = Number(value);
  return Number.isFinite(n) && n >= min && n <= max;
}

// ---------------------------------------------------------------------------------------------
// Text

/**
 * The longest text of each kind, in code points (a JSON Schema `maxLength`; an emoji counts once).
 * A name: of an item (per language), a place, a campaign, a person, a donor, a document.
 */
export const TEXT_MAX = {
  name: 120,
  category: 60,
  skill: 60,
  address: 300,
  openingHours: 200,
  availabilityNote: 300,
  description: 2000,
  /** A volunteer's or a shipment's notes. */
  notes: 2000,
  /** The note of a donation, a stock change or a status update. */
  note: 1000,
  adjustmentReason: 200,
  voidReason: 500,
  receivedBy: 200,
  plate: 20,
  vehicleKind: 40,
  unit: 30,
  search: 100,
  email: 254,
  phone: 25,
} as const;

/** Longest planners' note, in code points. */
export const SHIPMENT_NOTES_MAX = TEXT_MAX.notes;

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/** The number of code points of a text (what JSON Schema's `maxLength` counts). */
export const codePoints = (value: string): number => {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
};

/**
 * What is wrong with a text a form sends trimmed: `required` when blank and needed, `tooLong`
 * past `max` code points; undefined when it fits.
 */
export function textProblem(value: string, max: number, required = false): 'required' | 'tooLong' | undefined {
  const trimmed = value.trim();
  if (!trimmed) return required ? 'required' : undefined;
  return codePoints(trimmed) > max ? 'tooLong' : undefined;
}

// ---------------------------------------------------------------------------------------------
// Patterns

/**
 * A phone number as people type it: an optional `+`, then 5 to 20 digits with spaces, brackets or
 * dashes between them. Spaces before it are forgiven (pasted numbers); nothing else may precede
 * the first digit but `+`, brackets and dashes, so the pattern cannot backtrack on long input.
 */
export const PHONE_PATTERN = /^ *(?:\+ *)?[()-]*(?:[0-9][ ()-]*){5,20}$/;

/** A phone number the API takes (as sent: the form sends it trimmed). */
export const isPhoneNumber = (value: string): boolean =>
  codePoints(value) <= TEXT_MAX.phone && PHONE_PATTERN.test(value);

/** A language code: two or three letters (ISO 639-1 or 639-3), stored in lower case. */
export const LANGUAGE_CODE = /^[a-z]{2,3}$/;

/** A language code the API takes (any case, spaces around it: it is stored trimmed, in lower case). */
export const isLanguageCode = (value: string): boolean => LANGUAGE_CODE.test(value.trim().toLowerCase());

/** The shape every email address has (one @, something on each side, no spaces): the API checks the rest. */
export const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

/** An opening time, `HH:MM` on a 24-hour clock. */
export const OPENING_TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
/** A closing time, `HH:MM`, or 24:00 for midnight at the end of the day. */
export const CLOSING_TIME = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

// ---------------------------------------------------------------------------------------------
// Positions and times

export const LATITUDE_MAX = 90;
export const LONGITUDE_MAX = 180;
/** The largest accuracy a device may report for a position, in metres. */
export const POSITION_ACCURACY_M_MAX = 100_000;

/** A latitude or longitude in degrees. */
export const isLatitude = (value: number | string): boolean => isInRange(value, -LATITUDE_MAX, LATITUDE_MAX);
export const isLongitude = (value: number | string): boolean => isInRange(value, -LONGITUDE_MAX, LONGITUDE_MAX);

/** True when `later` (a time a browser can read) is strictly after `earlier`. */
export const isAfter = (later: string | Date, earlier: string | Date): boolean =>
  new Date(later).getTime() > new Date(earlier).getTime();

/** A time a browser can read (a datetime-local value or an ISO string). */
export const isTime = (value: string): boolean => value !== '' && !Number.isNaN(new Date(value).getTime());
