import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import { ApiRequestError, errorCode } from '../lib/http';

export type MessageKey = ParseKeys;

/**
 * The key of the message for an error: the message of the first invalid field the form knows
 * about (`fields` maps API detail paths such as `body.currentPassword` to keys), else the one of
 * the error code.
 */
export function errorMessageKey(error: unknown, fields: Partial<Record<string, MessageKey>> = {}): MessageKey {
  const field = error instanceof ApiRequestError ? error.details.find((detail) => fields[detail.path]) : undefined;
  return (field && fields[field.path]) ?? `errors.${errorCode(error)}`;
}

/** A form's error, said in the user's language; nothing without one. */
export function FormError({ message, values }: { message?: MessageKey; values?: Record<string, unknown> }) {
  const { t } = useTranslation();
  if (!message) return null;
  return (
    <p className="form-error" role="alert" data-testid="form-error">
      {t(message, values)}
    </p>
  );
}
