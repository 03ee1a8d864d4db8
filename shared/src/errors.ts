import Joi from 'joi';

/** Machine-readable error codes of the API; clients translate them, the message is for humans. */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'TOKEN_EXPIRED',
  'ACCOUNT_DISABLED',
  'FORBIDDEN',
  'PASSWORD_CHANGE_REQUIRED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'DUPLICATE',
  'IDEMPOTENCY_IN_PROGRESS',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'IDEMPOTENCY_KEY_REUSED',
  'UNPROCESSABLE',
  'RATE_LIMITED',
  'DATABASE_UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `body.email` or `query.limit`. */
  path: string;
  message: string;
  type?: string;
}

/** The body of every error response. */
export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
  requestId: string;
}

export const apiErrorSchema = Joi.object<ApiErrorBody, true>({
  code: Joi.string()
    .valid(...ERROR_CODES)
    .required(),
  message: Joi.string().required(),
  details: Joi.array().items(
    Joi.object({ path: Joi.string().required(), message: Joi.string().required(), type: Joi.string() }),
  ),
  requestId: Joi.string().required(),
}).label('Error');
