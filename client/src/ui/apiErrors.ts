import { useTranslation } from 'react-i18next';
import { ApiRequestError, errorCode } from '../lib/http';

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
};

/**
 * What the API found wrong with each field of a form (400 with `details[].path`, or 422 with the
 * same shape), by the form's field names. `fields` maps detail paths (`body.originId`, or a prefix
 * such as `body.lines`) to field names; the first problem of each field wins.
 */
export function useApiFieldErrors() {
  const { t } = useTranslation();
  return function fieldErrors<F extends string>(error: unknown, fields: Record<string, F>): Partial<Record<F, string>> {
    const found: Partial<Record<F, string>> = {};
    if (!(error instanceof ApiRequestError) || ![400, 409, 422].includes(error.status)) return found;
    for (const detail of error.details ?? []) {
      const path = detail.path ?? '';
      const key = Object.keys(fields).find(
        (prefix) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`),
      );
      if (!key) continue;
      const field: F = fields[key]!;
      if (found[field]) continue;
      const type = BY_TYPE[detail.type ?? ''] ?? 'invalid';
      found[field] = t(`wb.fieldErrors.${type}` as 'wb.fieldErrors.invalid');
    }
    return found;
  };
}

/** The form-wide message of an error, in words; nothing when the fields already tell it. */
export function useErrorMessage() {
  const { t } = useTranslation();
  return (error: unknown, toldByFields = false): string | undefined => {
    if (error === undefined || error === null || toldByFields) return undefined;
    return t(`errors.${errorCode(error)}` as 'errors.INTERNAL', { defaultValue: t('errors.INTERNAL') });
  };
}
