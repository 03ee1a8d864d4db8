import type { ErrorCode, ErrorDetail } from '@karavan/shared';

/** The one error type of the API: a status, a stable code, a message and optional field details. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }

  static badRequest(message: string, details?: ErrorDetail[]) {
    return new ApiError(400, 'BAD_REQUEST', message, details);
  }
  static unauthenticated(message = 'Authentication required') {
    return new ApiError(401, 'UNAUTHENTICATED', message);
  }
  static forbidden(message = 'You are not allowed to do this') {
    return new ApiError(403, 'FORBIDDEN', message);
  }
  static notFound(what = 'Resource') {
    return new ApiError(404, 'NOT_FOUND', `${what} not found`);
  }
  static conflict(message: string) {
    return new ApiError(409, 'CONFLICT', message);
  }
}

const DB_UNAVAILABLE_ERRORS = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** True for errors that mean "the database cannot be reached right now" (mapped to 503). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (DB_UNAVAILABLE_ERRORS.has(err.name)) return true;
  return /buffering timed out|before initial connection is complete|connection .* closed/i.test(err.message);
}
