import Joi from 'joi';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;
export const password = () => Joi.string().min(PASSWORD_MIN).max(PASSWORD_MAX);

// Control characters (C0, DEL, C1) have no place in free text and break queries (a NUL in a
// regular expression is a database error): they are refused with a 400 naming the field.
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;

const TEXT_MESSAGES = {
  'string.pattern.name': '{{#label}} must not contain control characters',
  'string.invalidText': '{{#label}} must be valid Unicode text',
};

/**
 * Free text from a user (names, search terms, notes): trimmed, at most `max` characters, no
 * control characters and no lone UTF-16 surrogates. Every free-text field uses it, so that no
 * text that a query or a regular expression cannot take gets past validation.
 */
export const text = (max: number) =>
  Joi.string()
    .trim()
    .max(max)
    .pattern(NO_CONTROL_CHARACTERS, 'text without control characters')
    .custom((value: string, helpers) => (/\p{Cs}/u.test(value) ? helpers.error('string.invalidText') : value))
    .messages(TEXT_MESSAGES);

/** An email address, lower-cased; like text(), no control characters or lone surrogates. */
export const email = () =>
  Joi.string()
    .trim()
    .lowercase()
    .email({ tlds: false })
    .max(254)
    .pattern(NO_CONTROL_CHARACTERS, 'text without control characters')
    .custom((value: string, helpers) => (/\p{Cs}/u.test(value) ? helpers.error('string.invalidText') : value))
    .messages(TEXT_MESSAGES);

export const LOCALES = ['ru', 'en', 'ky', 'kk'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'ru';

/**
 * A MongoDB ObjectId as 24 hex characters, in its one canonical form: lower case. Upper-case
 * input is accepted and lower-cased, so that every id the server compares is canonical.
 */
export const objectId = () =>
  Joi.string()
    .length(24)
    .lowercase()
    .pattern(/^[0-9a-fA-F]{24}$/, 'id');

/** True when two ids name the same object, whatever the case of their hex digits. */
export const sameId = (a: string | { toString(): string }, b: string | { toString(): string }): boolean =>
  String(a).toLowerCase() === String(b).toLowerCase();

export const idParams = Joi.object<{ id: string }, true>({ id: objectId().required() });

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface PageQuery {
  limit: number;
  offset: number;
}

export const pageQueryKeys = {
  limit: Joi.number().integer().min(1).max(200).default(50),
  offset: Joi.number().integer().min(0).max(1_000_000).default(0),
};

/** Response schema of a page of items. */
export const pageSchema = (item: Joi.Schema, label: string) =>
  Joi.object({
    items: Joi.array().items(item).required(),
    total: Joi.number().integer().min(0).required(),
    limit: Joi.number().integer().required(),
    offset: Joi.number().integer().required(),
  }).label(label);
