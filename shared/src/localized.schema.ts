import Joi from 'joi';
import type { LocalizedText } from './localized';
import { trimmedText } from './text';

/**
 * A localized text as a request gives it. The object form needs `ru`; a string of one language
 * stands for all four. `max` counts code points per language.
 */
export const localizedText = (max: number, options: { multiline?: boolean; nullable?: boolean } = {}) => {
  const one = () => trimmedText({ max, multiline: options.multiline });
  const forms = [one(), Joi.object<LocalizedText, true>({ ru: one().required(), en: one(), ky: one(), kk: one() })];
  // null ("none", e.g. clearing a description) as a third form, so that the API document says so too.
  return Joi.alternatives().try(...forms, ...(options.nullable ? [Joi.valid(null)] : []));
};

/** The response form of a localized text. */
export const localizedTextDto = () =>
  Joi.object({ ru: Joi.string().allow('').required(), en: Joi.string(), ky: Joi.string(), kk: Joi.string() });
