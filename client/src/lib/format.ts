import { useTranslation } from 'react-i18next';
import i18n from 'i18next';
import type * as Bundled from './intl/ky';

/**
 * Numbers, dates, relative times and durations in the interface language, times in the device's
 * time zone. Every Intl use of the client goes through here. Browsers often lack Kyrgyz and
 * Kazakh data (Chromium writes kk dates as "2026 M12 1", ky relative times in Russian): for
 * those two the CLDR data is bundled (lib/intl, FormatJS) and loaded when the language is
 * chosen; until it has arrived, Russian formats stand in.
 */
type Pack = typeof Bundled;
const PACKS: Record<string, () => Promise<Pack>> = {
  ky: () => import('./intl/ky'),
  kk: () => import('./intl/kk'),
};
const packs = new Map<string, Pack>();
const loading = new Map<string, Promise<void>>();

/** Loads what `language` needs beyond the browser's own data; resolves at once for ru and en. */
export function ensureLocaleData(language: string): Promise<void> {
  const load = PACKS[language];
  if (!load || packs.has(language)) return Promise.resolve();
  let pending = loading.get(language);
  if (!pending) {
    pending = load().then((pack) => {
      packs.set(language, pack);
      formatters.clear();
    });
    pending.catch(() => loading.delete(language)); // offline: tried again at the next change
    loading.set(language, pending);
  }
  return pending;
}

/**
 * When the interface turns to ky or kk, their data is fetched and the screen formatted again
 * (the language "changes" once more, to itself, when the data is there).
 */
function followLanguage(language: string | undefined): void {
  if (!language || !PACKS[language] || packs.has(language)) return;
  void ensureLocaleData(language).then(
    () => {
      if (i18n.language === language) void i18n.changeLanguage(language);
    },
    () => undefined,
  );
}
i18n.on('languageChanged', followLanguage);
followLanguage(i18n.language);

interface Formatter<V> {
  format(value: V): string;
}

/**
 * Intl formatters are costly to make (a big screen formats hundreds of values per update):
 * one per language, kind and options, made once.
 */
const formatters = new Map<string, Formatter<never>>();
function cached<V>(
  kind: string,
  options: object | undefined,
  make: (language: string, pack: Pack | undefined) => Formatter<V>,
): Formatter<V> {
  const language = i18n.language || 'ru';
  const pack = packs.get(language);
  const key = `${kind}|${language}|${pack ? 'bundled' : 'native'}|${options ? JSON.stringify(options) : ''}`;
  let formatter = formatters.get(key) as Formatter<V> | undefined;
  if (!formatter) {
    formatter = make(language, pack);
    formatters.set(key, formatter as Formatter<never>);
  }
  return formatter;
}

/** A bundled formatter, used (and made) with the ponyfills standing in for the browser's Intl. */
function bundled<V>(pack: Pack, make: () => Formatter<V>): Formatter<V> {
  const formatter = pack.withPonyfills(make);
  return { format: (value) => pack.withPonyfills(() => formatter.format(value)) };
}

/**
 * The wall-clock time of `date` in `timeZone` (the device's when unset) as a UTC instant: the
 * bundled formatters then need no time zone data of their own, they format it in UTC.
 */
function wallClock(date: Date, timeZone: string | undefined): Date {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(date)
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  return new Date(
    Date.UTC(
      parts.year!,
      parts.month! - 1,
      parts.day!,
      parts.hour!,
      parts.minute!,
      parts.second!,
      date.getUTCMilliseconds(),
    ),
  );
}

export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return cached<number>('number', options, (language, pack) =>
    pack
      ? bundled(pack, () => new pack.ponyfills.NumberFormat(language, options as object))
      : new Intl.NumberFormat([language, 'ru'], options),
  ).format(value);
}

export function formatDateTime(iso: string | number | Date, options?: Intl.DateTimeFormatOptions): string {
  const date = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const chosen = options ?? { dateStyle: 'short', timeStyle: 'short' };
  return cached<Date>('date', chosen, (language, pack) => {
    if (!pack) return new Intl.DateTimeFormat([language, 'ru'], chosen);
    const utc = bundled<Date>(pack, () => new pack.ponyfills.DateTimeFormat(language, { ...chosen, timeZone: 'UTC' }));
    return { format: (at) => utc.format(wallClock(at, chosen.timeZone)) };
  }).format(date);
}

export function formatTime(iso: string | number | Date): string {
  return formatDateTime(iso, { hour: '2-digit', minute: '2-digit' });
}

export function formatDate(iso: string | number | Date): string {
  return formatDateTime(iso, { dateStyle: 'medium' });
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "5 minutes ago", "in 2 hours"; "now" under a minute. */
export function formatRelative(iso: string | number | Date, now = Date.now()): string {
  const time = iso instanceof Date ? iso.getTime() : new Date(iso).getTime();
  const diff = time - now;
  const format = cached<[number, Intl.RelativeTimeFormatUnit]>('relative', undefined, (language, pack) => {
    const options: Intl.RelativeTimeFormatOptions = { numeric: 'auto' };
    const made = pack
      ? pack.withPonyfills(() => new pack.ponyfills.RelativeTimeFormat(language, options))
      : new Intl.RelativeTimeFormat([language, 'ru'], options);
    return {
      format: ([value, unit]) => (pack ? pack.withPonyfills(() => made.format(value, unit)) : made.format(value, unit)),
    };
  });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return format.format([Math.round(diff / ms), unit]);
  }
  return format.format([0, 'minute']);
}

/** "1 ч 25 мин", "45 min": a duration in minutes, in the interface language. */
export function formatMinutes(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = Math.round(minutes % 60);
  const part = (value: number, unit: 'hour' | 'minute') =>
    formatNumber(value, { style: 'unit', unit, unitDisplay: 'short' });
  return hours > 0 ? `${part(hours, 'hour')} ${part(rest, 'minute')}` : part(rest, 'minute');
}

/** The value of an `<input type="datetime-local">` for a time, in the device's time zone. */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The value of an `<input type="date">` for a time, in the device's time zone. */
export function toLocalDateInput(date: Date): string {
  return toLocalInput(date).slice(0, 10);
}

/**
 * Compares texts in the order of `language` (for sort()). One collator per language, made once:
 * `a.localeCompare(b, language)` looks one up on every comparison (sorting the item list was
 * the longest part of the intake form's first render on a phone).
 */
export function textOrder(language: string): (a: string, b: string) => number {
  let collator = collators.get(language);
  if (!collator) {
    collator = new Intl.Collator(language);
    collators.set(language, collator);
  }
  return collator.compare;
}
const collators = new Map<string, Intl.Collator>();

/** Re-renders the caller when the language changes, so that formatted values follow it. */
export function useFormatLanguage(): string {
  return useTranslation().i18n.language;
}
