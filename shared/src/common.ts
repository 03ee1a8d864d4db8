import Joi from 'joi';
import { text } from './text';
import { PASSWORD_MAX, PASSWORD_MIN, TEXT_MAX } from './rules';

export const password = () => text({ min: PASSWORD_MIN, max: PASSWORD_MAX });
/** As sent, without white space around it (the client trims); stored in lower case. */
export const email = () => text({ max: TEXT_MAX.email }).email({ tlds: false }).lowercase();

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
