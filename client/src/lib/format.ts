import { useTranslation } from 'react-i18next';
import i18n from 'i18next';

/**
 * Numbers, dates and durations in the interface language, times in the device's time zone.
 * Kyrgyz and Kazakh fall back to Russian where the browser has no data for them.
 */
function locale(): string[] {
  return [i18n.language || 'ru', 'ru'];
}

/**
 * Intl formatters are costly to make (a big screen formats hundreds of values per update):
 * one per language, kind and options, made once.
 */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<F extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(
  kind: string,
  options: object | undefined,
  make: (locales: string[]) => F,
): F {
  const locales = locale();
  const key = `${kind}|${locales.join(',')}|${options ? JSON.stringify(options) : ''}`;
  let formatter = formatters.get(key) as F | undefined;
  if (!formatter) {
    formatter = make(locales);
    formatters.set(key, formatter);
  }
  return formatter;
}

export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return cached('number', options, (locales) => new Intl.NumberFormat(locales, options)).format(value);
}

export function formatDateTime(iso: string | number | Date, options?: Intl.DateTimeFormatOptions): string {
  const date = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const chosen = options ?? { dateStyle: 'short', timeStyle: 'short' };
  return cached('date', chosen, (locales) => new Intl.DateTimeFormat(locales, chosen)).format(date);
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
  const format = cached('relative', undefined, (locales) => new Intl.RelativeTimeFormat(locales, { numeric: 'auto' }));
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return format.format(Math.round(diff / ms), unit);
  }
  return format.format(0, 'minute');
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

/** Re-renders the caller when the language changes, so that formatted values follow it. */
export function useFormatLanguage(): string {
  return useTranslation().i18n.language;
}
