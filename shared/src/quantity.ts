import type { ItemDto } from './catalogue';
import { QUANTITY_MAX } from './rules';

/*
 * Quantities as people type them. Every quantity field of the client reads what was typed with
 * `parseQuantity`, so that nothing typed is ever changed silently: "1,5" litres is refused (never
 * 15), "-5" is refused (never 5), 99 999 999 999 is refused naming the limit; "1 500", "1 500"
 * (with a no-break space) and, in English, "1,500" are 1500.
 */

/** How a language writes numbers: its decimal mark and the marks it groups thousands with. */
export interface NumberMarks {
  decimal: string;
  /** Grouping marks besides spaces (which every language accepts). */
  group: string[];
}

/** Spaces people (and browsers formatting numbers) put between groups of digits. */
const SPACES = /[\s\u00a0\u2007\u2009\u202f]/g;
const SPACE = /[\s\u00a0\u2007\u2009\u202f]/;

/** The marks of our languages, fixed (browsers lack ky and kk data); others are asked of Intl. */
const KNOWN_MARKS: Record<string, NumberMarks> = {
  ru: { decimal: ',', group: [] },
  ky: { decimal: ',', group: [] },
  kk: { decimal: ',', group: [] },
  en: { decimal: '.', group: [','] },
};

/** The decimal and grouping marks of a language ("de": decimal ",", groups with "."). */
export function numberMarks(locale: string): NumberMarks {
  const language = locale.toLowerCase().split(/[-_]/)[0] ?? '';
  const known = KNOWN_MARKS[language];
  if (known) return known;
  try {
    const parts = new Intl.NumberFormat(locale).formatToParts(1234567.5);
    const decimal = parts.find((p) => p.type === 'decimal')?.value ?? '.';
    const group = parts.find((p) => p.type === 'group')?.value ?? '';
    return { decimal, group: group && !SPACE.test(group) ? [group] : [] };
  } catch {
    return { decimal: '.', group: [','] };
  }
}

/** Why a typed quantity is refused. */
export type QuantityProblem =
  /** Nothing typed (a required field). */
  | 'empty'
  /** Not a number at all, or digits grouped in a way the language does not write. */
  | 'format'
  /** A fraction: quantities are whole units. */
  | 'decimal'
  | 'negative'
  /** Below the field's smallest (zero where at least one is needed). */
  | 'tooSmall'
  /** Above the field's largest (QUANTITY_MAX unless the field says less). */
  | 'tooBig';

export type QuantityResult = { ok: true; value: number } | { ok: false; problem: QuantityProblem; limit?: number };

export interface QuantityRules {
  /** Smallest allowed (default 1; 0 for counts). */
  min?: number;
  /** Largest allowed (default QUANTITY_MAX). */
  max?: number;
}

/**
 * Any Unicode decimal digit (Arabic-Indic, Persian, Devanagari, full-width...) as its ASCII digit.
 * Each of those scripts has its ten digits consecutive, zero first.
 */
const DIGIT_ZEROS = [
  0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xe50, 0xed0, 0xf20, 0x1040,
  0x17e0, 0x1810, 0xff10,
];
function asciiDigits(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const zero = DIGIT_ZEROS.find((z) => code >= z && code <= z + 9);
    out += zero === undefined ? char : String(code - zero);
  }
  return out;
}

const escape = (mark: string) => mark.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A whole quantity from what was typed in `locale`: digits of any script, thousands grouped with
 * spaces (any kind) or the language's own grouping mark in groups of three. A decimal mark (the
 * language's, or "." and "," where they are not its grouping) is refused as `decimal` — even
 * "2,0" — so that "1,000" in Russian (one, to three places) is never read as a thousand.
 */
export function parseQuantity(typed: string, locale: string, rules: QuantityRules = {}): QuantityResult {
  const min = rules.min ?? 1;
  const max = rules.max ?? QUANTITY_MAX;
  let text = asciiDigits(typed.normalize('NFKC')).trim();
  if (text === '') return { ok: false, problem: 'empty' };
  let negative = false;
  if (/^[-\u2212\u2012\u2013]/.test(text)) {
    negative = true;
    text = text.slice(1).trim();
  } else if (text.startsWith('+')) {
    text = text.slice(1).trim();
  }
  const marks = numberMarks(locale);
  const groups = marks.group.map(escape).join('');
  // Digits with spaces and any of the marks between them, nothing else.
  if (!/^[0-9]/.test(text) || !/[0-9]$/.test(text) || !new RegExp(`^[0-9\\s.,'${groups}]+$`).test(text)) {
    return /^[0-9]*[.,][0-9]+$/.test(text)
      ? { ok: false, problem: negative ? 'negative' : 'decimal' }
      : { ok: false, problem: 'format' };
  }
  const spaced = text.replace(SPACES, ' ');
  let whole: string | null = null;
  if (/^[0-9]+$/.test(spaced)) whole = spaced;
  else {
    for (const mark of [' ', ...marks.group]) {
      const grouped = new RegExp(`^[0-9]{1,3}(${escape(mark)}[0-9]{3})+$`);
      if (grouped.test(spaced)) whole = spaced.split(mark).join('');
    }
  }
  if (whole === null) {
    // One decimal mark with digits on both sides is a fraction; anything else is no number we write.
    const fraction = new RegExp(`^[0-9 ]+[${escape(marks.decimal)}.,][0-9]+$`);
    if (fraction.test(spaced)) return { ok: false, problem: negative ? 'negative' : 'decimal' };
    return { ok: false, problem: 'format' };
  }
  const value = Number(whole);
  if (negative && value !== 0) return { ok: false, problem: 'negative' };
  if (!Number.isSafeInteger(value) || value > max) return { ok: false, problem: 'tooBig', limit: max };
  if (value < min) return { ok: false, problem: 'tooSmall', limit: min };
  return { ok: true, value };
}

/**
 * A quantity in base units: `quantity` of `unit` (a base unit when omitted or equal to the item's
 * base unit, or one of its pack units). Undefined when the item has no such unit or the result
 * would not be a safe integer.
 */
export function toBaseQuantity(
  item: Pick<ItemDto, 'baseUnit' | 'packs'>,
  quantity: number,
  unit?: string,
): number | undefined {
  if (!Number.isSafeInteger(quantity)) return undefined;
  const name = unit?.trim().toLowerCase();
  if (name === undefined || name === '' || name === item.baseUnit) return quantity;
  const pack = item.packs.find((p) => p.unit.toLowerCase() === name);
  if (!pack) return undefined;
  const result = quantity * pack.size;
  return Number.isSafeInteger(result) ? result : undefined;
}
