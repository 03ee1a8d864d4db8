import type { ApiErrorBody, ErrorCode, ErrorDetail } from '@karavan/shared';

/** The API's error codes, plus NETWORK when no answer came from the server. */
export type ClientErrorCode = ErrorCode | 'NETWORK';

export class ApiRequestError extends Error {
  constructor(
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    readonly code: ClientErrorCode,
    readonly details: ErrorDetail[] = [],
  ) {
    super(code);
    this.name = 'ApiRequestError';
  }

  /** True when trying again later may work: the request did not reach the server or the server failed. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

/** The code to tell the user about, whatever was thrown. */
export function errorCode(error: unknown): ClientErrorCode {
  return error instanceof ApiRequestError ? error.code : 'INTERNAL';
}

const TIMEOUT_MS = 20_000;

interface SendOptions {
  body?: unknown;
  token?: string | null;
  /** Extra headers, e.g. an `Idempotency-Key`. */
  headers?: Record<string, string>;
  /** The browser cache's mode, e.g. `no-cache`: revalidate with the ETag (a 304 costs nothing). */
  cache?: RequestCache;
}

/** One call to the API; resolves to the JSON body (undefined for 204), rejects with ApiRequestError. */
export async function send<T>(
  method: string,
  path: string,
  { body, token, headers: extra, cache }: SendOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      ...(cache ? { cache } : {}),
    });
  } catch {
    throw new ApiRequestError(0, 'NETWORK');
  }
  if (!response.ok) throw await errorFrom(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

async function errorFrom(response: Response): Promise<ApiRequestError> {
  const body = (await response.json().catch(() => undefined)) as Partial<ApiErrorBody> | undefined;
  if (body?.code) return new ApiRequestError(response.status, body.code, body.details);
  // Not Karavan's answer: a proxy or gateway that could not reach it, most likely.
  const unreachable = response.status >= 502 && response.status <= 504;
  return new ApiRequestError(response.status, unreachable ? 'NETWORK' : 'INTERNAL');
}
