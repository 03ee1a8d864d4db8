import {
  changeOwnPasswordBody,
  loginBody,
  refreshBody,
  tokenResponseSchema,
  type ChangeOwnPasswordRequest,
  type LoginRequest,
  type RefreshRequest,
} from '@karavan/shared';
import type { RequestHandler } from 'express';
import { ApiError } from '../lib/errors';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { AuthService } from './auth.service';
import type { createPassport } from './passport';

const tokens = { description: 'A new access token and refresh token', schema: tokenResponseSchema };
const rateLimited = {
  description: 'Too many attempts from this client (or, for a password, this user); see `Retry-After`',
};

export interface AuthLimiters {
  /** Sign-in, per client address. */
  login: RequestHandler;
  /** Refresh and sign-out, per client address. */
  refresh: RequestHandler;
  /** Password change, per user; only failed attempts count. */
  passwordChange: RequestHandler;
}

export function authRoutes(
  auth: AuthService,
  passport: ReturnType<typeof createPassport>,
  limiters: AuthLimiters,
): RouteSpec[] {
  return [
    defineRoute<LoginRequest>({
      method: 'post',
      path: '/api/auth/login',
      tag: 'auth',
      summary: 'Sign in with email and password',
      description:
        'Rate-limited per client address. A user whose password was set by somebody else gets `user.mustChangePassword: true` and may only change it.',
      access: 'public',
      before: [limiters.login],
      rateLimited: true,
      body: loginBody,
      responses: {
        200: tokens,
        401: { description: 'Wrong email or password, or the account is disabled' },
        429: rateLimited,
      },
      async handler({ req, res }) {
        const user = await passport.checkCredentials(req, res);
        if (!user) throw new ApiError(401, 'INVALID_CREDENTIALS', 'Wrong email or password');
        return { status: 200, body: await auth.login(user, req.get('user-agent')) };
      },
    }),
    defineRoute<RefreshRequest>({
      method: 'post',
      path: '/api/auth/refresh',
      tag: 'auth',
      summary: 'Exchange a refresh token for a new pair',
      description:
        'Each refresh token works once. Presenting a used one ends every session that came from the same sign-in.',
      access: 'public',
      before: [limiters.refresh],
      rateLimited: true,
      body: refreshBody,
      responses: {
        200: tokens,
        401: { description: 'Unknown, used, expired or revoked refresh token' },
        429: rateLimited,
      },
      async handler({ body, req }) {
        return { status: 200, body: await auth.refresh(body.refreshToken, req.get('user-agent')) };
      },
    }),
    defineRoute<RefreshRequest>({
      method: 'post',
      path: '/api/auth/logout',
      tag: 'auth',
      summary: 'Sign out: end the session of this refresh token',
      access: 'public',
      before: [limiters.refresh],
      rateLimited: true,
      body: refreshBody,
      responses: { 204: { description: 'Signed out (also when the token was already unknown)' }, 429: rateLimited },
      async handler({ body }) {
        await auth.logout(body.refreshToken);
        return { status: 204 };
      },
    }),
    defineRoute<ChangeOwnPasswordRequest>({
      method: 'put',
      path: '/api/users/me/password',
      tag: 'users',
      summary: 'Change my password',
      description:
        'Ends every other session and token of the caller and returns a fresh pair. Also allowed while a one-time password must be replaced.',
      access: 'profile:own',
      allowPendingPasswordChange: true,
      before: [limiters.passwordChange],
      rateLimited: true,
      body: changeOwnPasswordBody,
      responses: {
        200: tokens,
        400: { description: 'The current password is wrong, or the new one is too weak or too common' },
        429: rateLimited,
      },
      async handler({ actor, body, req }) {
        return { status: 200, body: await auth.changeOwnPassword(actor!, body, req.get('user-agent')) };
      },
    }),
  ];
}
