import type { ParseKeys } from 'i18next';
import { ApiRequestError } from '../lib/http';

/** A message of the interface, by its key (`wb.fieldErrors.required`). */
export type MessageKey = ParseKeys;

/** What is wrong with a form's fields, by the form's own field names, as message keys. */
export type Problems<F extends string> = Partial<Record<F, MessageKey>>;

/** Comma-separated text as a list of its non-empty, trimmed parts. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** The detail types the API uses, said in the user's words (wb.fieldErrors.*). */
const BY_TYPE: Record<string, string> = {
  'any.required': 'required',
  'string.empty': 'required',
  'string.email': 'email',
  'string.min': 'tooShort',
  'string.max': 'tooLong',
  'string.pattern.base': 'format',
  'string.pattern.name': 'format',
  'string.hex': 'format',
  'string.length': 'format',
  'string.guid': 'format',
  'string.isoDate': 'date',
  'any.only': 'choice',
  'number.base': 'number',
  'number.integer': 'integer',
  'number.min': 'tooSmall',
  'number.max': 'tooBig',
  'array.min': 'atLeastOne',
  'array.unique': 'unique',
  'object.oxor': 'eitherOr',
  reference: 'reference',
  state: 'state',
  unit: 'unit',
  duplicate: 'duplicate',
  'password.common': 'passwordCommon',
  'password.email': 'passwordEmail',
};

/**
 * What the API found wrong with each field of a form (400 with `details[].path`, or 409/422 with
 * the same shape), by the form's field names, as message keys. `fields` maps detail paths
 * (`body.originId`, or a prefix such as `body.lines`) to field names; the first problem of each
 * field wins; other errors (401, 500, no answer) concern no field.
 */
export function apiFieldProblems<F extends string>(error: unknown, fields: Record<string, F>): Problems<F> {
  const found: Problems<F> = {};
  if (!(error instanceof ApiRequestError) || ![400, 409, 422].includes(error.status)) return found;
  for (const detail of error.details ?? []) {
    const path = detail.path ?? '';
    const key = Object.keys(fields).find(
      (prefix) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`),
    );
    if (!key) continue;
    const field: F = fields[key]!;
    if (found[field]) continue;
    found[field] = `wb.fieldErrors.${BY_TYPE[detail.type ?? ''] ?? 'invalid'}` as MessageKey;
  }
  return found;
}
