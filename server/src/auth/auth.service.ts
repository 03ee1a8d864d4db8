import { sameId, type ChangeOwnPasswordRequest, type TokenResponse } from '@karavan/shared';
import jwt from 'jsonwebtoken';
import { ApiError } from '../lib/errors';
import type { EventBus } from '../lib/events';
import { assertPasswordAllowed, dummyPasswordHash, hashPassword, verifyPassword } from '../lib/passwords';
import type { Actor } from '../lib/route';
import { deriveKey } from '../lib/secrets';
import {
  createSession,
  endAllSessions,
  endSession,
  findLiveSession,
  rotateSession,
  type NewSession,
} from '../sessions';
import { presentUser, userDoc, userDocByEmail, userRecord, type UserDoc } from '../users';
import { JWT_ALGORITHM, JWT_ISSUER, signAccessToken, verificationKey, type AccessClaims } from './tokens';

export interface AuthOptions {
  secret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

/** Maps a jsonwebtoken failure to our 401. */
export function tokenError(err: unknown): ApiError {
  if (err instanceof jwt.TokenExpiredError) return new ApiError(401, 'TOKEN_EXPIRED', 'The access token has expired');
  return ApiError.unauthenticated('The access token is not valid');
}

export function createAuthService(options: AuthOptions, events: EventBus) {
  const successorKey = deriveKey(options.secret, 'refresh-successor');

  function tokensFor(user: UserDoc, session: NewSession): TokenResponse {
    const claims = { sub: user._id.toHexString(), role: user.role, tv: user.tokenVersion, sid: session.id };
    return {
      accessToken: signAccessToken(claims, options.secret, options.accessTokenTtlSeconds, session.issuedAt),
      tokenType: 'Bearer',
      expiresIn: options.accessTokenTtlSeconds,
      refreshToken: session.refreshToken,
      refreshExpiresAt: session.expiresAt.toISOString(),
      user: presentUser(user),
    };
  }

  async function startSession(user: UserDoc, userAgent?: string | null): Promise<TokenResponse> {
    return tokensFor(user, await createSession(user._id, options.refreshTokenTtlSeconds, { userAgent }));
  }

  async function actorFromClaims(claims: AccessClaims): Promise<Actor> {
    if (typeof claims.sub !== 'string' || !/^[0-9a-f]{24}$/.test(claims.sub)) throw ApiError.unauthenticated();
    if (typeof claims.sid !== 'string' || !/^[0-9a-f]{64}$/.test(claims.sid)) {
      throw ApiError.unauthenticated('The access token was revoked');
    }
    const [user, session] = await Promise.all([userRecord(claims.sub), findLiveSession(claims.sid)]);
    if (!user || !user.active || user.tokenVersion !== claims.tv || !session || !sameId(session.userId, claims.sub)) {
      throw ApiError.unauthenticated('The access token was revoked');
    }
    return {
      id: claims.sub,
      role: user.role,
      email: user.email,
      mustChangePassword: user.mustChangePassword,
      sessionFamily: session.family,
    };
  }

  return {
    /** Checks an email and password (Passport's local strategy); undefined when they do not match. */
    async verifyCredentials(email: string, password: string): Promise<UserDoc | undefined> {
      const user = await userDocByEmail(email);
      if (!user) {
        await verifyPassword(await dummyPasswordHash(), password); // same time as a wrong password
        return undefined;
      }
      if (!(await verifyPassword(user.passwordHash, password)) || !user.active) return undefined;
      return user;
    },

    /** Starts a session for a user whose credentials were checked. */
    async login(user: UserDoc, userAgent?: string | null): Promise<TokenResponse> {
      user.lastLoginAt = new Date();
      await user.save();
      return startSession(user, userAgent);
    },

    /**
     * Exchanges a refresh token for a new pair; the old token is retired. The same token again
     * within a few seconds (a retry) gets the same pair; later, it ends the whole sign-in.
     */
    async refresh(refreshToken: string, userAgent?: string | null): Promise<TokenResponse> {
      const rotated = await rotateSession(refreshToken, {
        ttlSeconds: options.refreshTokenTtlSeconds,
        successorKey,
        userAgent,
      });
      if (!rotated.ok) {
        if (rotated.reason === 'reused') {
          events.publish('sessions.ended', {
            userId: rotated.userId!.toHexString(),
            family: rotated.family!,
            reason: 'replay',
          });
        }
        throw new ApiError(401, 'UNAUTHENTICATED', 'The refresh token is not valid; sign in again');
      }
      const user = await userDoc(String(rotated.userId));
      if (!user || !user.active) throw new ApiError(401, 'UNAUTHENTICATED', 'The account is disabled');
      return tokensFor(user, rotated.session);
    },

    /** Ends the sign-in of this refresh token: its access tokens are refused and its sockets closed at once. */
    async logout(refreshToken: string): Promise<void> {
      const ended = await endSession(refreshToken);
      if (ended)
        events.publish('sessions.ended', {
          userId: ended.userId.toHexString(),
          family: ended.family,
          reason: 'logout',
        });
    },

    /**
     * Replaces the caller's password. Every other session and token of the user ends; the
     * caller gets a fresh pair to go on with.
     */
    async changeOwnPassword(actor: Actor, input: ChangeOwnPasswordRequest, userAgent?: string | null) {
      const user = await userDoc(actor.id);
      if (!user) throw ApiError.unauthenticated();
      if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
        throw new ApiError(400, 'VALIDATION_FAILED', 'The current password is wrong', [
          { path: 'body.currentPassword', message: 'is wrong', type: 'password.wrong' },
        ]);
      }
      assertPasswordAllowed(input.newPassword, 'body.newPassword', { email: user.email });
      user.passwordHash = await hashPassword(input.newPassword);
      user.mustChangePassword = false;
      user.tokenVersion += 1;
      await user.save();
      await endAllSessions(user._id);
      events.publish('users.updated', { user: presentUser(user) });
      events.publish('users.sessionsRevoked', { userId: actor.id, reason: 'password_changed' });
      return startSession(user, userAgent);
    },

    /**
     * Turns verified token claims into the caller, checking that the account is still active,
     * that the token was not revoked since (tokenVersion) and that its session was not ended
     * (sign-out). Two `_id` lookups, run together.
     */
    actorFromClaims,

    /**
     * Verifies an access token outside HTTP (sockets; HTTP goes through passport-jwt) and says
     * when it expires.
     */
    async authenticate(token: string): Promise<{ actor: Actor; expiresAt: Date }> {
      let claims: AccessClaims & { exp: number };
      try {
        claims = jwt.verify(token, verificationKey(options.secret), {
          algorithms: [JWT_ALGORITHM],
          issuer: JWT_ISSUER,
        }) as typeof claims;
      } catch (err) {
        throw tokenError(err);
      }
      return { actor: await actorFromClaims(claims), expiresAt: new Date(claims.exp * 1000) };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
