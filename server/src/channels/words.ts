import type { Locale } from '@karavan/shared';

/*
 * Words as people type them on a phone: case, ё/е, the Kyrgyz and Kazakh letters typed without
 * their marks on a phone that lacks them (ү as у, қ as к), Russian endings, and typos within reason.
 * Pure functions; the grammar (grammar.ts) builds on them.
 */

/** Letters a phone without a Kyrgyz or Kazakh keyboard types in their place. */
const FOLD: Record<string, string> = {
  ё: 'е',
  ү: 'у',
  ұ: 'у',
  ө: 'о',
  ң: 'н',
  ә: 'а',
  ғ: 'г',
  қ: 'к',
  һ: 'х',
  і: 'и',
};

/** Lower case, NFKC, ё as е and the Kyrgyz/Kazakh letters folded (see FOLD). */
export function fold(word: string): string {
  let out = '';
  for (const char of word.normalize('NFKC').toLowerCase()) out += FOLD[char] ?? char;
  return out;
}

/** The words and numbers of a text, folded: "+20 ящ. молока!" -> ["+", "20", "ящ", "молока"]. */
export function tokens(text: string): string[] {
  return fold(text).match(/\+|\d+|[\p{L}]+/gu) ?? [];
}

/**
 * The language a text's own letters show: Kazakh has ә ғ қ ұ һ і, Kyrgyz (and Kazakh) ң ө ү,
 * Latin letters alone are English; null when the letters do not tell (plain Cyrillic).
 */
export function scriptLanguage(text: string): Locale | null {
  const lower = text.toLowerCase();
  if (/[әғқұһі]/u.test(lower)) return 'kk';
  if (/[ңөү]/u.test(lower)) return 'ky';
  if (/[a-z]/.test(lower) && !/[\u0400-\u04ff]/u.test(lower)) return 'en';
  return null;
}

/** Russian (and English plural) endings, longest first: "молока" and "молоко" share "молок". */
const ENDINGS = [
  'ами',
  'ями',
  'ого',
  'его',
  'ов',
  'ев',
  'ей',
  'ах',
  'ях',
  'ом',
  'ем',
  'ой',
  'ый',
  'ий',
  'ая',
  'яя',
  'ое',
  'ее',
  'ые',
  'ие',
  'ую',
  'ии',
  'es',
  'а',
  'я',
  'о',
  'е',
  'у',
  'ю',
  'ы',
  'и',
  'ь',
  's',
];

/** A folded word without its inflection ending (words of 4 letters or more keep at least 3). */
export function stem(word: string): string {
  if (word.length < 4) return word;
  for (const ending of ENDINGS) {
    if (word.endsWith(ending) && word.length - ending.length >= 3) return word.slice(0, -ending.length);
  }
  return word;
}

/** Optimal string alignment (Damerau-Levenshtein with adjacent transpositions), stopping past `max`. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let best = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
  }
  return rows[a.length]![b.length]!;
}

/** The typos a word of this length may carry: none up to 3 letters, 1 up to 6, 2 beyond. */
export const typosAllowed = (length: number) => (length <= 3 ? 0 : length <= 6 ? 1 : 2);

/**
 * How a typed word matches a known one (both folded): 'exact' (also as the same word with another
 * Russian ending), 'typo' (within typosAllowed), or null. A known word ending in `*` matches any
 * word it begins (Kyrgyz and Kazakh endings: "шекара*" matches "шекарада").
 */
export function matchWord(typed: string, known: string): 'exact' | 'typo' | null {
  if (known.endsWith('*')) {
    const prefix = known.slice(0, -1);
    if (typed.startsWith(prefix)) return 'exact';
    // A typo in a short beginning would match too much ("сал..." for "сдал*"): from 5 letters only.
    const allowed = prefix.length < 5 ? 0 : typosAllowed(prefix.length);
    if (allowed === 0 || typed.length < prefix.length - allowed) return null;
    // The typed word's beginning, one letter shorter or longer than the prefix (a letter missed or doubled).
    const heads = [-1, 0, 1].map((d) => typed.slice(0, prefix.length + d));
    return heads.some((head) => editDistance(head, prefix, allowed) <= allowed) ? 'typo' : null;
  }
  if (typed === known || stem(typed) === stem(known)) return 'exact';
  const allowed = typosAllowed(Math.max(known.length, 1));
  if (allowed === 0) return null;
  if (editDistance(typed, known, allowed) <= allowed) return 'typo';
  return editDistance(stem(typed), stem(known), allowed) <= allowed ? 'typo' : null;
}
