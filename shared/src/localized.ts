import { LOCALES, type Locale } from './terms';

/*
 * Names and descriptions people type once and read in their own language: campaigns, places,
 * volunteer skills. A request gives a plain string (the same in every language) or a translated
 * object `{ ru, en?, ky?, kk? }`; a response always gives the object. Russian is the one
 * language every object has: the fallback of every other.
 */

/** A text in the interface languages; `ru` is always there, the others when someone gave them. */
export interface LocalizedText {
  ru: string;
  en?: string;
  ky?: string;
  kk?: string;
}

/** As a request gives it: one string for every language, or a translated object. */
export type LocalizedInput = string | LocalizedText;

/**
 * The stored and answered form of a request's text: a string becomes the same text in every
 * language; an object keeps the languages it gives (blank ones dropped). Also reads what older
 * versions stored (a plain string), so old data keeps working.
 */
export function toLocalized(input: LocalizedInput | null | undefined): LocalizedText {
  if (typeof input === 'string') return { ru: input, en: input, ky: input, kk: input };
  const out: LocalizedText = { ru: '' };
  if (!input || typeof input !== 'object') return out;
  for (const locale of LOCALES) {
    const value = (input as Partial<Record<Locale, unknown>>)[locale];
    if (typeof value === 'string' && value.trim() !== '') out[locale] = value;
  }
  if (!out.ru) out.ru = out.en ?? out.ky ?? out.kk ?? '';
  return out;
}

/** The same, keeping null for "none" (descriptions). */
export function toLocalizedOrNull(input: LocalizedInput | null | undefined): LocalizedText | null {
  if (input === null || input === undefined) return null;
  const text = toLocalized(input);
  return text.ru === '' ? null : text;
}

/**
 * A localized text in one language, with the fallback every screen, PDF and export uses:
 * the language asked for, then Russian, then English, then any other. Takes a plain string (old
 * data) as it is.
 */
export function localize(
  text: { ru: string; en?: string | null; ky?: string | null; kk?: string | null } | string | null | undefined,
  locale: string,
): string {
  if (text === null || text === undefined) return '';
  if (typeof text === 'string') return text;
  const wanted = (text as Partial<Record<string, string | null>>)[locale];
  return wanted || text.ru || text.en || text.ky || text.kk || '';
}

/** Every language of a localized text, without repeats (for a search or a second line). */
export function allTranslations(text: LocalizedText | string | null | undefined): string[] {
  if (!text) return [];
  if (typeof text === 'string') return [text];
  return [...new Set(LOCALES.map((locale) => text[locale]).filter((v): v is string => Boolean(v)))];
}
