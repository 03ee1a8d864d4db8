import type { TokenResponse } from '@karavan/shared';
import { request } from '../../../lib/api';
import { send } from '../../../lib/http';
import { endSession, getRefreshToken, startSession } from '../../../lib/session';

export async function logIn(email: string, password: string): Promise<void> {
  // The API takes the email as sent (its length rules are the documented ones): no stray spaces.
  startSession(await send<TokenResponse>('POST', '/api/auth/login', { body: { email: email.trim(), password } }));
}

/** Replaces the password; the server revokes the old tokens and returns new ones. */
export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  startSession(await request<TokenResponse>('PUT', '/api/users/me/password', { currentPassword, newPassword }));
}

/** Signs out here at once; telling the server is best effort, so that signing out works offline too. */
export function logOut(): void {
  const refreshToken = getRefreshToken();
  endSession();
  if (refreshToken) send('POST', '/api/auth/logout', { body: { refreshToken } }).catch(() => undefined);
}
