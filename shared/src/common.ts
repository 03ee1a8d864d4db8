import Joi from 'joi';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;
export const password = () => Joi.string().min(PASSWORD_MIN).max(PASSWORD_MAX);
export const email = () => Joi.string().trim().lowercase().email({ tlds: false }).max(254);

export const LOCALES = ['ru', 'en', 'ky', 'kk'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'ru';

/** A MongoDB ObjectId as 24 hex characters. */
export const objectId = () => Joi.string().hex().length(24);

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
