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

  static unauthenticated(message = 'Authentication required') {
    return new ApiError(401, 'UNAUTHENTICATED', message);
  }
  static forbidden(message = 'You are not allowed to do this') {
    return new ApiError(403, 'FORBIDDEN', message);
  }
  static notFound(what = 'Resource') {
    return new ApiError(404, 'NOT_FOUND', `${what} not found`);
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
  // A socket to the database that broke mid-write (the database stopped): the driver wraps the
  // system error (EPIPE, ECONNRESET) in e.g. a MongoBulkWriteError.
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^(EPIPE|ECONNRESET|ECONNREFUSED|ENOENT|ETIMEDOUT)$/.test(code)) return true;
  if (err.cause instanceof Error && err.cause !== err && isDatabaseUnavailable(err.cause)) return true;
  return /buffering timed out|before initial connection is complete|connection .* closed/i.test(err.message);
}

export const isDuplicateKey = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;

/**
 * Runs a write whose only unique key is `field`, turning a duplicate into a 409 that names it.
 * FerretDB's duplicate-key error does not say which index was hit, so the caller says it.
 */
export async function uniqueOn<T>(field: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    throw new ApiError(409, 'DUPLICATE', `The ${field} is already taken`, [
      { path: `body.${field}`, message: 'is already taken', type: 'duplicate' },
    ]);
  }
}
