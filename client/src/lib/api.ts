import { ApiRequestError, send } from './http';
import { getAccessToken, refreshSession } from './session';

/**
 * A call to the API as the signed-in user. When the access token has expired (or was revoked
 * while the session lives on) the session is refreshed once and the call retried; when the
 * refresh is refused, the session ends and the user is back at the login form.
 */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<T> {
  try {
    return await send<T>(method, path, { body, token: getAccessToken(), headers });
  } catch (error) {
    if (!(error instanceof ApiRequestError && error.status === 401)) throw error;
    await refreshSession();
    return send<T>(method, path, { body, token: getAccessToken(), headers });
  }
}
