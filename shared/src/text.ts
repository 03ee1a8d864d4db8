import Joi from 'joi';
import { codePoints, PHONE_PATTERN, TEXT_MAX } from './rules';

/**
 * Strings whose documented and validated lengths agree. JSON Schema (the OpenAPI document)
 * counts `minLength`/`maxLength` in Unicode code points, on the string as sent; Joi's
 * `min`/`max` count UTF-16 code units, after `trim()`. So an emoji counted twice, and padding
 * was forgiven: strings the document rejects were accepted and the other way round. These rules
 * count code points on the raw value; trimming, where wanted, happens after every check.
 */
export interface TextSchema extends Joi.StringSchema {
  /** At least `limit` code points. Documented as `minLength`. */
  minChars(limit: number): this;
  /** At most `limit` code points. Documented as `maxLength`. */
  maxChars(limit: number): this;
}

interface TextRoot {
  string(): TextSchema;
}

export { codePoints };

const limitArg = {
  name: 'limit',
  assert: (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0,
  message: 'must be a non-negative integer',
};

const TextJoi = Joi.extend((joi) => ({
  type: 'string',
  base: joi.string(),
  rules: {
    minChars: {
      method(limit: number) {
        return (this as Joi.Schema).$_addRule({ name: 'minChars', args: { limit } });
      },
      args: [limitArg],
      validate(value: string, helpers: Joi.CustomHelpers, { limit }: { limit: number }) {
        return codePoints(value) >= limit ? value : helpers.error('string.min', { limit, value });
      },
    },
    maxChars: {
      method(limit: number) {
        return (this as Joi.Schema).$_addRule({ name: 'maxChars', args: { limit } });
      },
      args: [limitArg],
      validate(value: string, helpers: Joi.CustomHelpers, { limit }: { limit: number }) {
        return codePoints(value) <= limit ? value : helpers.error('string.max', { limit, value });
      },
    },
  },
})) as unknown as TextRoot;

// What String.prototype.trim() removes; spelled out so that the pattern means the same in every
// regular-expression dialect that reads the document (\s differs between JS and Python).
const SPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/** Holds at least one character that is not white space. */
export const NOT_BLANK = new RegExp(`[^${SPACE}]`);

// Control characters (C0, DEL, C1) and lone UTF-16 surrogates have no place in text from a user
// and break queries (a NUL in a regular expression is a database error). Control characters are
// refused by a pattern, so that the OpenAPI document states the rule too (no `u` flag: the
// document carries only the source); a lone surrogate, which no JSON Schema pattern can name
// portably, by a custom rule. Multi-line text keeps line breaks and tabs.
// Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) make text show
// in another order than it is stored (a name that reads "Erlan" but sorts and matches as something
// else), and noncharacters (U+FDD0-U+FDEF, U+FFFE, U+FFFF) are not for interchange: both are
// refused like control characters, by the same pattern. The noncharacters above the BMP
// (U+1FFFE, U+1FFFF, ... U+10FFFF), which a pattern without the `u` flag cannot name, by the custom
// rule that refuses lone surrogates.
const INVISIBLE = '\\u202a-\\u202e\\u2066-\\u2069\\ufdd0-\\ufdef\\ufffe\\uffff';
const SINGLE_LINE = new RegExp(`^[^\\u0000-\\u001f\\u007f-\\u009f${INVISIBLE}]*$`);
const MULTI_LINE = new RegExp(`^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f${INVISIBLE}]*$`);

const LONE_SURROGATE = /\p{Cs}/u;
/** The noncharacters U+nFFFE and U+nFFFF of planes 1 to 16. */
const ASTRAL_NONCHARACTER =
  /[\u{1fffe}\u{1ffff}\u{2fffe}\u{2ffff}\u{3fffe}\u{3ffff}\u{4fffe}\u{4ffff}\u{5fffe}\u{5ffff}\u{6fffe}\u{6ffff}\u{7fffe}\u{7ffff}\u{8fffe}\u{8ffff}\u{9fffe}\u{9ffff}\u{afffe}\u{affff}\u{bfffe}\u{bffff}\u{cfffe}\u{cffff}\u{dfffe}\u{dffff}\u{efffe}\u{effff}\u{ffffe}\u{fffff}\u{10fffe}\u{10ffff}]/u;

export interface TextOptions {
  min?: number;
  max: number;
  /** Allows line breaks and tabs (notes, opening hours). */
  multiline?: boolean;
}

/** A string of `min`..`max` code points, taken as sent, without control characters, direction overrides or noncharacters. */
export const text = ({ min = 1, max, multiline = false }: TextOptions): TextSchema =>
  TextJoi.string()
    .minChars(min)
    .maxChars(max)
    .pattern(multiline ? MULTI_LINE : SINGLE_LINE, 'text without control characters')
    .custom((value: string, helpers) =>
      LONE_SURROGATE.test(value) || ASTRAL_NONCHARACTER.test(value) ? helpers.error('string.invalidText') : value,
    )
    .messages({
      'string.pattern.name':
        '{{#label}} must not contain control characters, direction overrides (U+202A-U+202E, U+2066-U+2069) or noncharacters',
      'string.invalidText': '{{#label}} must be valid Unicode text',
    });

/**
 * A name or note: `min`..`max` code points as sent, not blank (when `min` > 0), stored without
 * the white space around it.
 */
export const trimmedText = (options: TextOptions): TextSchema => {
  const schema = text(options);
  return ((options.min ?? 1) > 0 ? schema.pattern(NOT_BLANK, 'not blank') : schema).custom(
    (value: string) => value.trim(),
    'trim',
  );
};

/**
 * A string of `min`..`max` code points matching `pattern`, whose characters are all printable (a
 * closed list: letters of named scripts, digits, a few signs), so the control-character rule of
 * `text` could add nothing. The document then carries this one pattern: with two, a schema-driven
 * generator (schemathesis, `npm run fuzz`) builds strings from the loose one and throws away
 * nearly all of them for the strict one, and gives up ("too many examples filtered out").
 */
export const patternText = (
  { min = 1, max }: Omit<TextOptions, 'multiline'>,
  pattern: RegExp,
  name: string,
  message: string,
): TextSchema => TextJoi.string().minChars(min).maxChars(max).pattern(pattern, name).rule({ message }) as TextSchema;

/** A phone number (see PHONE_PATTERN in rules.ts), checked as sent and stored without the spaces around it. */
export const phoneNumber = (): TextSchema =>
  patternText(
    { max: TEXT_MAX.phone },
    PHONE_PATTERN,
    'phone number',
    '{{#label}} must be a phone number: 5 to 20 digits, with +, spaces, brackets or dashes',
  ).custom((value: string) => value.trim(), 'trim');
