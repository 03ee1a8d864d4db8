import {
  QUANTITY_MAX,
  type BaseUnit,
  type Locale,
  type PackUnit,
  type ShortfallReason,
  type TranslatedName,
} from '@karavan/shared';
import {
  BASE_WORDS,
  CANCEL_WORDS,
  CONFIRM_WORDS,
  FILLER,
  PACK_WORDS,
  QUESTION_FILLER,
  QUESTION_WORDS,
  SHORTFALL_WORDS,
  STATUS_WORDS,
  type DriverStatus,
  type Phrases,
} from './vocabulary';
import { fold, matchWord, scriptLanguage, tokens } from './words';

/*
 * The one command language of the channels (SMS now; the Telegram bot later): what volunteers
 * send, in Russian, Kyrgyz, Kazakh and English. Pure: the catalogue comes in, an understanding
 * goes out, and the caller decides what to do with it (channels.service.ts).
 *   "+500 хлеб", "+20 ящ молоко", "+20 ящиков молока"  a donation at the sender's point
 *   "КПП", "выехал", "прибыл", "сдал 480 хлеб, 20 испорчено"  a driver's status (DOMAIN.md:
 *     at_checkpoint, departed, arrived, delivered with received lines and shortfalls)
 *   "нужно?", "что нужно", "what is needed"  a question
 *   "да" / "нет"  the answer to "is this what you meant?"
 * `certain` is true only when every word was recognised as written (a typo guessed, a word left
 * over, a donation without its "+" or a pack unit the item lacks make it uncertain).
 */

export type { DriverStatus } from './vocabulary';

/** What the grammar needs of an item of the catalogue. */
export interface CatalogueItem {
  id: string;
  name: TranslatedName;
  baseUnit: BaseUnit;
  packs: PackUnit[];
}

/** A quantity of an item, in base units, and how it was written. */
export interface Line {
  itemId: string;
  quantity: number;
  /** The number, the pack unit it was in, and the word the sender wrote for it ('ящ'). */
  typed: { quantity: number; unit: string | null; word: string | null };
}

/** Goods of a delivery that did not arrive, and why ("20 испорчено"); the item when named. */
export interface Shortfall {
  itemId: string | null;
  quantity: number;
  reason: ShortfallReason;
}

export type Command =
  | { kind: 'donation'; lines: Line[] }
  | { kind: 'status'; status: DriverStatus; lines: Line[]; shortfalls: Shortfall[]; note: string | null }
  | { kind: 'question' }
  | { kind: 'confirm' }
  | { kind: 'cancel' }
  | { kind: 'unknown' };

export interface Understanding {
  command: Command;
  certain: boolean;
  /** The language the words were in, when they tell (null: the caller uses the sender's). */
  language: Locale | null;
  /** Words read as a known word they were close to: `typed` -> `as`. */
  guesses: { typed: string; as: string }[];
  /** Words that meant nothing. */
  unknown: string[];
}

interface Found {
  start: number;
  length: number;
  languages: Locale[];
  exact: boolean;
  phrase: string;
}

const phraseWords = (phrase: string) => fold(phrase).split(' ');

/** The best place `phrases` occur in `toks` (longest, then exact, then first); null if nowhere. */
function findPhrase(toks: string[], phrases: Phrases, used: boolean[]): Found | null {
  let best: Found | null = null;
  for (const [language, list] of Object.entries(phrases) as [Locale, string[]][]) {
    for (const phrase of list) {
      const words = phraseWords(phrase);
      for (let start = 0; start + words.length <= toks.length; start++) {
        let exact = true;
        let ok = true;
        for (let k = 0; k < words.length && ok; k++) {
          const m = used[start + k] ? null : matchWord(toks[start + k]!, words[k]!);
          if (!m) ok = false;
          else if (m === 'typo') exact = false;
        }
        if (!ok) continue;
        const better =
          !best ||
          words.length > best.length ||
          (words.length === best.length && exact && !best.exact) ||
          (words.length === best.length && exact === best.exact && start < best.start);
        if (better) best = { start, length: words.length, languages: [language], exact, phrase };
        else if (best && best.start === start && best.length === words.length && fold(best.phrase) === fold(phrase)) {
          if (!best.languages.includes(language)) best.languages.push(language);
        }
      }
    }
  }
  return best;
}

/** Which of a set of phrase tables matches best (statuses, shortfall reasons). */
function findAny<K extends string>(toks: string[], table: Record<K, Phrases>, used: boolean[]) {
  let best: { key: K; found: Found } | null = null;
  for (const key of Object.keys(table) as K[]) {
    const found = findPhrase(toks, table[key], used);
    if (found && (!best || found.length > best.found.length || (found.exact && !best.found.exact))) {
      best = { key, found };
    }
  }
  return best;
}

/** Whether the whole message (but filler) is one of the phrases. */
function wholeMessage(toks: string[], phrases: Phrases): Found | null {
  const none = toks.map(() => false);
  const found = findPhrase(toks, phrases, none);
  return found && found.length === toks.length ? found : null;
}

interface Reading {
  used: boolean[];
  guesses: { typed: string; as: string }[];
  languages: Locale[][];
  certain: boolean;
}

function take(r: Reading, found: Found, toks: string[]): void {
  for (let k = found.start; k < found.start + found.length; k++) r.used[k] = true;
  r.languages.push(found.languages);
  if (!found.exact) {
    r.certain = false;
    r.guesses.push({ typed: toks.slice(found.start, found.start + found.length).join(' '), as: found.phrase });
  }
}

interface ItemMatch {
  item: CatalogueItem;
  score: number;
  exact: boolean;
  /** Every word of the name was given. */
  full: boolean;
  /** Which of the typed words named it (the others mean nothing). */
  used: boolean[];
  languages: Locale[];
  name: string;
  /** Another item matched as well. */
  tie: boolean;
}

/** How the typed words (folded) match one name: each word that matches a word of the name counts. */
function matchName(words: string[], name: string) {
  const nameWords = tokens(name).filter((w) => !/^\d+$/.test(w) && w !== '+');
  if (nameWords.length === 0) return null;
  let score = 0;
  let exact = true;
  const used = words.map(() => false);
  const found = new Set<number>();
  words.forEach((typed, i) => {
    const k = nameWords.findIndex((n, j) => !found.has(j) && matchWord(typed, n) !== null);
    if (k < 0) return;
    const m = matchWord(typed, nameWords[k]!);
    found.add(k);
    used[i] = true;
    score += m === 'exact' ? 2 : 1;
    if (m === 'typo') exact = false;
  });
  if (found.size === 0) return null;
  // A word of the name not given counts against it; a typed word not in the name, half as much.
  score -= nameWords.length - found.size + used.filter((u) => !u).length / 2;
  return { score, exact, full: found.size === nameWords.length, used };
}

/** The item named by `words` (folded), with how well; null when none is close. */
function matchItem(words: string[], items: CatalogueItem[]): ItemMatch | null {
  let best: ItemMatch | null = null;
  for (const item of items) {
    for (const [language, name] of Object.entries(item.name) as [Locale, string | undefined][]) {
      const m = name ? matchName(words, name) : null;
      if (!m || m.score <= 0) continue;
      if (best && best.item.id === item.id) {
        if (m.score === best.score && !best.languages.includes(language)) best.languages.push(language);
        if (m.score <= best.score) continue;
      } else if (best && m.score === best.score) {
        best.tie = true;
        continue;
      } else if (best && m.score < best.score) continue;
      best = { item, ...m, languages: [language], name: name!, tie: false };
    }
  }
  return best;
}

type UnitWord = { kind: 'base'; unit: BaseUnit; exact: boolean } | { kind: 'pack'; unit: string; exact: boolean };

/** Whether a word names a unit: a base unit, a pack by its usual words, or a pack unit of the catalogue. */
function unitWord(word: string, items: CatalogueItem[]): UnitWord | null {
  for (const [unit, words] of Object.entries(BASE_WORDS) as [BaseUnit, string[]][]) {
    const m = words.map((w) => matchWord(word, fold(w))).find((x) => x === 'exact');
    if (m) return { kind: 'base', unit, exact: true };
  }
  for (const [unit, words] of Object.entries(PACK_WORDS)) {
    const m = words.map((w) => matchWord(word, fold(w))).find((x) => x === 'exact');
    if (m) return { kind: 'pack', unit, exact: true };
  }
  for (const item of items) {
    for (const pack of item.packs) {
      const m = matchWord(word, fold(pack.unit));
      if (m === 'exact') return { kind: 'pack', unit: pack.unit, exact: true };
    }
  }
  return null;
}

/** The base quantity of `n` of `unit` of the item; null when the item has no such pack. */
function inBase(item: CatalogueItem, n: number, unit: UnitWord | null): number | null {
  if (!unit || unit.kind === 'base') return n;
  const aliases = PACK_WORDS[unit.unit] ?? [];
  const pack = item.packs.find(
    (p) => p.unit === unit.unit || aliases.some((a) => matchWord(fold(p.unit), fold(a)) === 'exact'),
  );
  return pack ? n * pack.size : null;
}

/** Reads "N [unit] name" groups (a number starts each) into lines and, in a delivery, shortfalls. */
function readQuantities(toks: string[], r: Reading, items: CatalogueItem[], delivery: boolean) {
  const lines: Line[] = [];
  const shortfalls: Shortfall[] = [];
  const numbers = toks.map((t, i) => (/^\d+$/.test(t) && !r.used[i] ? i : -1)).filter((i) => i >= 0);
  numbers.forEach((at, n) => {
    const end = numbers[n + 1] ?? toks.length;
    let words = toks.map((_, i) => i).filter((i) => i > at && i < end && !r.used[i] && toks[i] !== '+');
    // "хлеб 500": the name before the first number.
    if (n === 0 && words.filter((i) => !FILLER.has(toks[i]!)).length === 0) {
      words = toks.map((_, i) => i).filter((i) => i < at && !r.used[i] && toks[i] !== '+');
    }
    const quantity = Number(toks[at]);
    r.used[at] = true;
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > QUANTITY_MAX) {
      r.certain = false;
      return;
    }
    if (delivery) {
      const reason = findAny(toks, SHORTFALL_WORDS, r.used);
      if (reason && words.includes(reason.found.start)) {
        take(r, reason.found, toks);
        words = words.filter((i) => !r.used[i]);
        const named = words.filter((i) => !FILLER.has(toks[i]!));
        const item = named.length
          ? matchItem(
              named.map((i) => toks[i]!),
              items,
            )
          : null;
        if (item) named.forEach((i, k) => (r.used[i] = r.used[i] || item.used[k]!));
        shortfalls.push({ itemId: item?.item.id ?? null, quantity, reason: reason.key });
        return;
      }
    }
    let unit: UnitWord | null = null;
    let unitAt = -1;
    const content = words.filter((i) => !FILLER.has(toks[i]!));
    // The unit before the name ("20 ящ молока") or after it ("500 нан бөлке").
    for (const at of content.length >= 2 ? [content[0]!, content[content.length - 1]!] : []) {
      unit = unitWord(toks[at]!, items);
      if (unit) {
        r.used[at] = true;
        unitAt = at;
        break;
      }
    }
    const named = content.filter((i) => !r.used[i]);
    const match = named.length
      ? matchItem(
          named.map((i) => toks[i]!),
          items,
        )
      : null;
    if (!match) {
      r.certain = false;
      return;
    }
    const naming = named.filter((_, k) => match.used[k]);
    for (const i of naming) r.used[i] = true;
    r.languages.push(match.languages);
    if (!match.exact || !match.full || match.tie) {
      r.certain = false;
      r.guesses.push({ typed: naming.map((i) => toks[i]).join(' '), as: match.name });
    }
    const base = inBase(match.item, quantity, unit);
    if (base === null || (unit?.kind === 'base' && unit.unit !== match.item.baseUnit)) r.certain = false;
    lines.push({
      itemId: match.item.id,
      quantity: base ?? quantity,
      typed: {
        quantity,
        unit: unit && base !== null && unit.kind === 'pack' ? unit.unit : null,
        word: unit && base !== null && unit.kind === 'pack' ? toks[unitAt]! : null,
      },
    });
  });
  return { lines, shortfalls };
}

/** The language the message is in: its letters, else the words recognised (when they agree on one). */
function languageOf(text: string, r: Reading): Locale | null {
  const script = scriptLanguage(text);
  if (script) return script;
  for (const set of r.languages) if (set.length === 1) return set[0]!;
  return null;
}

/** What a message says (see the top of the file). */
export function parseCommand(text: string, items: CatalogueItem[]): Understanding {
  const toks = tokens(text);
  const r: Reading = { used: toks.map(() => false), guesses: [], languages: [], certain: true };
  const done = (command: Command): Understanding => {
    const unknown = toks.filter((t, i) => !r.used[i] && !FILLER.has(t) && t !== '+');
    const note = command.kind === 'status' && command.status !== 'delivered';
    return {
      command,
      certain: command.kind !== 'unknown' && r.certain && (note || unknown.length === 0),
      language: languageOf(text, r),
      guesses: r.guesses,
      unknown,
    };
  };
  if (toks.length === 0) return done({ kind: 'unknown' });
  for (const [kind, phrases] of [
    ['confirm', CONFIRM_WORDS],
    ['cancel', CANCEL_WORDS],
  ] as const) {
    const found = wholeMessage(toks, phrases);
    if (found) {
      take(r, found, toks);
      return done({ kind });
    }
  }
  const hasNumber = toks.some((t) => /^\d+$/.test(t));
  // "+N ..." is a donation, whatever its item's name resembles ("+6 drinking water" is no "driving").
  if (toks.includes('+') && hasNumber) {
    const before = { used: [...r.used], guesses: [...r.guesses], languages: [...r.languages], certain: r.certain };
    const { lines } = readQuantities(toks, r, items, false);
    if (lines.length > 0) return done({ kind: 'donation', lines });
    Object.assign(r, before);
  }
  const status = findAny(toks, STATUS_WORDS, r.used);
  if (status) {
    take(r, status.found, toks);
    if (status.key === 'delivered') {
      const { lines, shortfalls } = readQuantities(toks, r, items, true);
      return done({ kind: 'status', status: 'delivered', lines, shortfalls, note: null });
    }
    const rest = text.trim();
    return done({ kind: 'status', status: status.key, lines: [], shortfalls: [], note: rest || null });
  }
  const question = findPhrase(toks, QUESTION_WORDS, r.used);
  if (question && !hasNumber) {
    take(r, question, toks);
    toks.forEach((t, i) => {
      if (QUESTION_FILLER.map(fold).includes(t)) r.used[i] = true;
    });
    return done({ kind: 'question' });
  }
  if (hasNumber) {
    const plus = toks.includes('+');
    const { lines } = readQuantities(toks, r, items, false);
    if (lines.length === 0) return done({ kind: 'unknown' });
    if (!plus) r.certain = false;
    return done({ kind: 'donation', lines });
  }
  return done({ kind: 'unknown' });
}
