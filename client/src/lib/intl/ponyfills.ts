import { NumberFormat } from '@formatjs/intl-numberformat';
import { DateTimeFormat } from '@formatjs/intl-datetimeformat';
import RelativeTimeFormat from '@formatjs/intl-relativetimeformat';
import { PluralRules } from '@formatjs/intl-pluralrules';

/**
 * FormatJS's implementations of Intl (ponyfills: nothing global is replaced for good), with the
 * CLDR data of Kyrgyz and Kazakh, which browsers often lack (Chromium formats kk dates as
 * "2026 M12 1" and ky relative times in Russian). Loaded only when the interface is in ky or kk.
 */
export const ponyfills = { NumberFormat, DateTimeFormat, RelativeTimeFormat, PluralRules };

type Constructors = Record<keyof typeof ponyfills, unknown>;
const intl = Intl as unknown as Constructors;
const natives: Constructors = {
  NumberFormat: intl.NumberFormat,
  DateTimeFormat: intl.DateTimeFormat,
  RelativeTimeFormat: intl.RelativeTimeFormat,
  PluralRules: intl.PluralRules,
};

/**
 * FormatJS's locale data files register themselves on the global `Intl.*` classes, and its
 * classes make their helpers (a relative time's number and plural form) from the global ones:
 * for that short, synchronous while only, the globals are the ponyfills.
 */
export function withPonyfills<T>(run: () => T): T {
  Object.assign(intl, ponyfills);
  try {
    return run();
  } finally {
    Object.assign(intl, natives);
  }
}

/** Starts the window in which the locale data files (imported next, in order) find the ponyfills. */
export function beginLocaleData(): void {
  Object.assign(intl, ponyfills);
}

/**
 * Ends it. When the browser has no plural rules for Kyrgyz or Kazakh (i18next picks `_one` or
 * `_other` with the global Intl.PluralRules), the ponyfill stays as the global one: it carries
 * the rules of all four interface languages.
 */
export function endLocaleData(): void {
  const pluralsMissing =
    natives.PluralRules === undefined ||
    (natives.PluralRules as typeof Intl.PluralRules).supportedLocalesOf(['ky', 'kk']).length < 2;
  Object.assign(intl, natives);
  if (pluralsMissing) intl.PluralRules = ponyfills.PluralRules;
}
