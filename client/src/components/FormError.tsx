import type { ParseKeys } from 'i18next';
import { ApiRequestError, errorCode } from '../lib/http';

export type MessageKey = ParseKeys;

/** What is wrong with one field: the message key and its values. */
export interface FieldProblem {
  key: MessageKey;
  values?: Record<string, unknown>;
}

/** Problems by the form's own field names, e.g. `{ newPassword: { key: 'fieldErrors.required' } }`. */
export type FieldProblems<F extends string> = Partial<Record<F, FieldProblem>>;

// The API's validation types (Joi's, plus a few of Karavan's) said in the user's words.
const BY_TYPE: Record<string, MessageKey> = {
  'any.required': 'fieldErrors.required',
  'string.empty': 'fieldErrors.required',
  'string.email': 'fieldErrors.email',
  'string.min': 'fieldErrors.tooShort',
  'string.max': 'fieldErrors.tooLong',
  'string.pattern.base': 'fieldErrors.format',
  'string.pattern.name': 'fieldErrors.format',
  'any.only': 'fieldErrors.choice',
};

/**
 * The form's fields the API found wrong. `fields` maps API detail paths (`body.newPassword`) to
 * the form's field names; `specific` overrides the message of a field's problem by detail type
 * (`'password.wrong'`) or for any type (`'*'`).
 */
export function fieldProblems<F extends string>(
  error: unknown,
  fields: Record<string, F>,
  specific: Partial<Record<F, Record<string, FieldProblem>>> = {},
): FieldProblems<F> {
  const problems: FieldProblems<F> = {};
  if (!(error instanceof ApiRequestError) || error.code !== 'VALIDATION_FAILED') return problems;
  for (const detail of error.details) {
    const field = fields[detail.path];
    if (!field || problems[field]) continue;
    const type = detail.type ?? '';
    problems[field] = specific[field]?.[type] ??
      specific[field]?.['*'] ?? { key: BY_TYPE[type] ?? 'fieldErrors.invalid' };
  }
  return problems;
}

/**
 * The form-wide message for an error, or nothing when the error is fully told next to the
 * fields it concerns.
 */
export function formMessageKey(error: unknown, fieldProblemsFound: object): MessageKey | undefined {
  if (error === undefined) return undefined;
  if (Object.keys(fieldProblemsFound).length > 0) return undefined;
  return `errors.${errorCode(error)}`;
}
