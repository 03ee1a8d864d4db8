import type { ErrorRequestHandler, RequestHandler } from 'express';
import mongoose from 'mongoose';
import type { ApiErrorBody, ErrorDetail } from '@karavan/shared';
import { ApiError, isDatabaseUnavailable } from './errors';
import type { Logger } from './logger';
import { releaseDeadline, sendJson } from './route';

/** Turns any error into the one error shape; never leaks a stack or internals. */
function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as {
    type?: string;
    status?: number;
    code?: unknown;
    keyValue?: Record<string, unknown>;
    name?: string;
  };
  // body-parser
  if (e.type === 'entity.parse.failed')
    return new ApiError(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
  if (e.type === 'entity.too.large') return new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') {
    return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding');
  }
  if (e.code === 11000) {
    const details: ErrorDetail[] = Object.keys(e.keyValue ?? {}).map((field) => ({
      path: `body.${field}`,
      message: 'is already taken',
      type: 'duplicate',
    }));
    return new ApiError(409, 'DUPLICATE', 'Something with the same unique value exists already', details);
  }
  if (err instanceof mongoose.Error.CastError) {
    return new ApiError(400, 'VALIDATION_FAILED', 'The request is not valid', [
      { path: err.path, message: `must be a valid ${err.kind}`, type: 'cast' },
    ]);
  }
  if (err instanceof mongoose.Error.ValidationError) {
    return new ApiError(
      400,
      'VALIDATION_FAILED',
      'The request is not valid',
      Object.values(err.errors).map((v) => ({ path: `body.${v.path}`, message: v.message, type: v.kind })),
    );
  }
  if (isDatabaseUnavailable(err))
    return new ApiError(503, 'DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly');
  // Other http-errors with a client status (e.g. from a library): keep the status, not the text.
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new ApiError(e.status, 'BAD_REQUEST', 'The request could not be handled');
  }
  return new ApiError(500, 'INTERNAL', 'Something went wrong on our side; it has been logged');
}

/** At most this many field details in an error; the rest are counted in one last detail. */
export const MAX_ERROR_DETAILS = 20;

/** Keeps an error response small whatever the request held (12,500 unknown keys are one line, not 1 MB). */
export function capDetails(details: ErrorDetail[]): ErrorDetail[] {
  if (details.length <= MAX_ERROR_DETAILS) return details;
  const rest = details.length - MAX_ERROR_DETAILS;
  return [
    ...details.slice(0, MAX_ERROR_DETAILS),
    {
      path: details[MAX_ERROR_DETAILS]!.path.split('.')[0]!,
      message: `and ${rest} more problem${rest === 1 ? '' : 's'} not listed`,
      type: 'details.truncated',
    },
  ];
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const apiError = toApiError(err);
    const log = (req as { log?: Logger }).log ?? logger;
    if (apiError.status >= 500) log.error({ err }, 'request failed');
    else log.debug({ code: apiError.code }, apiError.message);
    if (res.headersSent) {
      res.end();
      return;
    }
    releaseDeadline(res);
    const body: ApiErrorBody = {
      code: apiError.code,
      message: apiError.message,
      ...(apiError.details ? { details: capDetails(apiError.details) } : {}),
      requestId: String(req.id ?? ''),
    };
    if (apiError.status === 503) res.set('Retry-After', '5');
    res.status(apiError.status);
    sendJson(res, body);
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'NOT_FOUND', `No route for ${req.method} ${req.originalUrl.split('?')[0]}`));
};

/**
 * 415 for a body that is not JSON on a method that takes one, except on the paths of the upload
 * routes (`uploads`), which check their own types (another method there is the router's 405).
 */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const requireJsonBody =
  (uploads: RegExp[] = []): RequestHandler =>
  (req, _res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || !BODY_METHODS.has(req.method) || uploads.some((u) => u.test(req.path))) return next();
    if (!req.is('application/json')) {
      next(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json'));
      return;
    }
    next();
  };
