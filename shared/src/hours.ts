/*
 * Time zones and opening hours. The API speaks UTC; what people read (receipts, waybills, the
 * summary, day and hour buckets, the human columns of exports, "open now") is in the campaign's
 * time zone, an IANA name such as Asia/Bishkek. Everything here runs on the Intl data of Node
 * and of every browser: no time-zone table of our own.
 */

/** The time zone of a campaign that names none, unless KARAVAN_TIME_ZONE says otherwise. */
export const DEFAULT_TIME_ZONE = 'Asia/Bishkek';

/** The zone's canonical IANA name (e.g. `asia/bishkek` -> `Asia/Bishkek`), or undefined when it is none. */
export function canonicalTimeZone(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** True when the name is an IANA time zone the runtime knows. */
export const isTimeZone = (name: string): boolean => canonicalTimeZone(name) !== undefined;

/** The canonical IANA zones this runtime knows (Intl), UTC included. */
export function knownTimeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const all = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [DEFAULT_TIME_ZONE];
  return all.includes('UTC') ? all : [...all, 'UTC'];
}

/** The IANA zones of this runtime, for a picker (the common ones of our region first). */
export function timeZoneChoices(): string[] {
  const first = ['Asia/Bishkek', 'Asia/Almaty', 'Asia/Tashkent', 'Asia/Dushanbe', 'Europe/Moscow', 'UTC'];
  return [...first, ...knownTimeZones().filter((zone) => !first.includes(zone))];
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One opening of a day, local time `HH:MM`; `closes` is later than `opens` (24:00 is the end of the day). */
export interface OpeningInterval {
  opens: string;
  closes: string;
}

/** A place's week: per weekday the times it is open (an empty list: closed that day). */
export type WeeklyHours = Record<Weekday, OpeningInterval[]>;

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The intervals of a week that close before they open, as error details (`path` under `body`).
 * A rule between two fields that a schema cannot state: the server answers it with 422.
 */
export function hoursOrderProblems(
  week: Partial<WeeklyHours> | null | undefined,
): { path: string; message: string; type: string }[] {
  if (!week) return [];
  return WEEKDAYS.flatMap((day) =>
    (week[day] ?? []).flatMap((value, i) =>
      minutesOf(value.closes) > minutesOf(value.opens)
        ? []
        : [
            {
              path: `body.weeklyHours.${day}.${i}`,
              message: `"weeklyHours.${day}[${i}]" must close after it opens (24:00 for midnight)`,
              type: 'hours.order',
            },
          ],
    ),
  );
}

/** Every day present (left out: closed), each day's openings in time order. */
export function normaliseWeek(week: Partial<WeeklyHours> | null | undefined): WeeklyHours | null {
  if (!week) return null;
  return Object.fromEntries(
    WEEKDAYS.map((day) => [
      day,
      [...(week[day] ?? [])]
        .map((i) => ({ opens: i.opens, closes: i.closes }))
        .sort((a, b) => minutesOf(a.opens) - minutesOf(b.opens)),
    ]),
  ) as WeeklyHours;
}

/** One formatter per zone, made once (making one loads the zone's rules: the costly part). */
const clockFormats = new Map<string, Intl.DateTimeFormat>();
function clockFormat(zone: string): Intl.DateTimeFormat {
  let format = clockFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    clockFormats.set(zone, format);
  }
  return format;
}

/** The wall clock in a zone: the date (`YYYY-MM-DD`), weekday and minutes since midnight. */
export function wallClock(at: Date, zone: string): { date: string; weekday: Weekday; minutes: number; time: string } {
  const parts = clockFormat(zone).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const hour = Number(part('hour')) % 24;
  const minute = Number(part('minute'));
  return {
    date: `${part('year')}-${part('month')}-${part('day')}`,
    weekday: part('weekday').slice(0, 3).toLowerCase() as Weekday,
    minutes: hour * 60 + minute,
    time: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
  };
}

/** A place's hours on the day `at` falls on in `zone`, and whether it is open at that moment. */
export interface HoursToday {
  weekday: Weekday;
  /** Today's openings, local time. */
  intervals: OpeningInterval[];
  openNow: boolean;
  /** Open now: when it closes (local `HH:MM`). */
  closesAt: string | null;
  /** Closed now: when it opens next today, if it does. */
  opensAt: string | null;
}

/** Today's hours of a place in a campaign's zone; null when its hours are not known. */
export function hoursToday(
  week: WeeklyHours | null | undefined,
  zone: string,
  at: Date = new Date(),
): HoursToday | null {
  if (!week) return null;
  const clock = wallClock(at, zone);
  const intervals = week[clock.weekday] ?? [];
  const current = intervals.find((i) => minutesOf(i.opens) <= clock.minutes && clock.minutes < minutesOf(i.closes));
  const next = intervals.find((i) => minutesOf(i.opens) > clock.minutes);
  return {
    weekday: clock.weekday,
    intervals,
    openNow: current !== undefined,
    closesAt: current ? current.closes : null,
    opensAt: current ? null : (next?.opens ?? null),
  };
}

/** Open at this moment in the zone; null when the hours are not known. */
export function isOpenNow(week: WeeklyHours | null | undefined, zone: string, at: Date = new Date()): boolean | null {
  return hoursToday(week, zone, at)?.openNow ?? null;
}

// ---------------------------------------------------------------------------------------------
// Reading free-text hours ("Пн-Сб 9:00-18:00", "Ежедневно 8:00–22:00", "Круглосуточно")

const DAY_NAMES: Record<string, number> = {
  пн: 0, вт: 1, ср: 2, чт: 3, пт: 4, сб: 5, вс: 6,
  mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6,
  mo: 0, tu: 1, we: 2, th: 3, fr: 4, sa: 5, su: 6,
}; // prettier-ignore
const EVERY_DAY = /(ежедневно|каждый день|без выходных|daily|every ?day|күн сайын|күнүгө)/;
const ROUND_THE_CLOCK = /(круглосуточно|24\s*\/\s*7|24 ?h(ours)?|24 часа|тәулік бойы|күнү-түнү)/;
const CLOSED = /(выходной|закрыт|closed|off)/;
const TIME_RANGE = /(\d{1,2})(?:[:.](\d{2}))?\s*[-–—]\s*(\d{1,2})(?:[:.](\d{2}))?/;
const DAY_TOKEN = /([a-zа-я]{2,3})[a-zа-я]*\.?/g;

function hhmm(hours: string, minutes: string | undefined): string | undefined {
  const h = Number(hours);
  const m = Number(minutes ?? '0');
  if (h > 24 || m > 59 || (h === 24 && m > 0)) return undefined;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/**
 * A week read from the free text older versions stored ("Пн-Сб 9:00-18:00\nВс выходной",
 * "Ежедневно 8:00–22:00", "Круглосуточно", "9–18"); undefined when the text says something it
 * cannot read for sure (then the text stays a note and the week unknown).
 */
export function parseOpeningHours(text: string | null | undefined): WeeklyHours | undefined {
  if (!text) return undefined;
  const week = normaliseWeek({})!;
  let understood = false;
  for (const raw of text.toLowerCase().split(/[\n;,]+/)) {
    const line = raw.trim();
    if (!line) continue;
    let days: number[] = [];
    const range = TIME_RANGE.exec(line);
    const dayPart = range ? line.slice(0, range.index) : line;
    const tokens = [...dayPart.matchAll(DAY_TOKEN)].map((m) => DAY_NAMES[m[1]!]).filter((d) => d !== undefined);
    if (EVERY_DAY.test(line) || ROUND_THE_CLOCK.test(line)) days = [0, 1, 2, 3, 4, 5, 6];
    else if (tokens.length === 2 && /[-–—]/.test(dayPart)) {
      for (let d = tokens[0]!; ; d = (d + 1) % 7) {
        days.push(d);
        if (d === tokens[1]) break;
      }
    } else if (tokens.length > 0) days = tokens;
    else if (range && dayPart.trim() === '') days = [0, 1, 2, 3, 4, 5, 6];
    else return undefined;
    let opening: OpeningInterval | null;
    if (ROUND_THE_CLOCK.test(line)) opening = { opens: '00:00', closes: '24:00' };
    else if (range) {
      const opens = hhmm(range[1]!, range[2]);
      const closes = hhmm(range[3]!, range[4]);
      if (!opens || !closes || minutesOf(closes) <= minutesOf(opens) || opens === '24:00') return undefined;
      opening = { opens, closes };
    } else if (CLOSED.test(line)) opening = null;
    else return undefined;
    for (const day of days) week[WEEKDAYS[day]!] = opening ? [opening] : [];
    understood = true;
  }
  return understood ? week : undefined;
}

/** A day's openings as people write them: `09:00–13:00, 14:00–18:00` (empty: closed). */
export function formatDayHours(intervals: readonly OpeningInterval[]): string {
  return intervals.map((i) => `${i.opens}–${i.closes}`).join(', ');
}

/**
 * A day's openings read from `9–13, 14:00-18:00` (what formatDayHours writes, or typed by hand);
 * empty text: closed. Undefined when a part is not a time range that closes after it opens.
 */
export function parseDayHours(text: string): OpeningInterval[] | undefined {
  const out: OpeningInterval[] = [];
  for (const part of text.split(',')) {
    if (!part.trim()) continue;
    const range = /^\s*(\d{1,2})(?:[:.](\d{2}))?\s*[-–—]\s*(\d{1,2})(?:[:.](\d{2}))?\s*$/.exec(part);
    if (!range) return undefined;
    const opens = hhmm(range[1]!, range[2]);
    const closes = hhmm(range[3]!, range[4]);
    if (!opens || !closes || opens === '24:00' || minutesOf(closes) <= minutesOf(opens)) return undefined;
    out.push({ opens, closes });
  }
  return out.sort((a, b) => minutesOf(a.opens) - minutesOf(b.opens));
}

/** The moment a day (`YYYY-MM-DD`) starts on the clock of `zone` (midnight there), in UTC. */
export function startOfDayIn(day: string, zone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  // The zone's offset at that moment, read from its wall clock; twice, in case the first guess
  // fell on the other side of a change of offset.
  let at = guess;
  for (let i = 0; i < 2; i += 1) {
    const clock = wallClock(new Date(at), zone);
    const [cy, cm, cd] = clock.date.split('-').map(Number) as [number, number, number];
    const shown = Date.UTC(cy, cm - 1, cd) + clock.minutes * 60_000;
    at = guess - (shown - at);
  }
  return new Date(at);
}
