import { useTranslation } from 'react-i18next';
import { errorCode } from '../lib/http';
import { apiFieldProblems } from './forms';

/**
 * What the API found wrong with each field of a form, in the user's words, by the form's field
 * names (see `apiFieldProblems`).
 */
export function useApiFieldErrors() {
  const { t } = useTranslation();
  return function fieldErrors<F extends string>(error: unknown, fields: Record<string, F>): Partial<Record<F, string>> {
    const found: Partial<Record<F, string>> = {};
    for (const [field, key] of Object.entries(apiFieldProblems(error, fields)) as [F, 'wb.fieldErrors.invalid'][])
      found[field] = t(key);
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
