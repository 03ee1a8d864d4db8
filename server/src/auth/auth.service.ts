import { sameId, type ChangeOwnPasswordRequest, type TokenResponse } from '@karavan/shared';
import jwt from 'jsonwebtoken';
import { ApiError } from '../lib/errors';
import type { DomainEvents, EventBus } from '../lib/events';
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
import { actorCacheKey, createActorCache } from './actor-cache';
import { JWT_ALGORITHM, JWT_ISSUER, signAccessToken, verificationKey, type AccessClaims } from './tokens';

export interface AuthOptions {
  secret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** How long a checked caller is remembered (0: the user and session are read on every request). */
  cacheSeconds?: number;
}

/** Tells the other instances to forget a user's remembered sign-ins; resolves once they did. */
export type PeerRevocations = (userId: string) => Promise<void>;

/** Maps a jsonwebtoken failure to our 401. */
export function tokenError(err: unknown): ApiError {
  if (err instanceof jwt.TokenExpiredError) return new ApiError(401, 'TOKEN_EXPIRED', 'The access token has expired');
  return ApiError.unauthenticated('The access token is not valid');
}

export function createAuthService(options: AuthOptions, events: EventBus) {
  const successorKey = deriveKey(options.secret, 'refresh-successor');
  const cache = createActorCache({ ttlMs: (options.cacheSeconds ?? 0) * 1000 });
  let tellPeers: PeerRevocations = () => Promise.resolve();

  // A sign-in that ends or changes is forgotten here at once and on the other instances before
  // the write that did it is answered (its service publishes with publishAndWait).
  const forget = (userId: string) => {
    cache.forgetUser(userId);
    return tellPeers(userId);
  };
  events.subscribe('users.updated', ({ user }) => forget(user.id));
  events.subscribe('users.sessionsRevoked', ({ userId }) => forget(userId));
  events.subscribe('sessions.ended', ({ userId }) => forget(userId));
  const revoke = <E extends 'sessions.ended' | 'users.sessionsRevoked' | 'users.updated'>(
    name: E,
    payload: DomainEvents[E],
  ) => events.publishAndWait(name, payload);

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
    const key = actorCacheKey(claims.sid, claims.sub, claims.tv);
    const known = cache.get(key, Date.now());
    if (known) return known;
    const [user, session] = await Promise.all([userRecord(claims.sub), findLiveSession(claims.sid)]);
    if (!user || !user.active || user.tokenVersion !== claims.tv || !session || !sameId(session.userId, claims.sub)) {
      throw ApiError.unauthenticated('The access token was revoked');
    }
    const actor: Actor = {
      id: claims.sub,
      role: user.role,
      email: user.email,
      mustChangePassword: user.mustChangePassword,
      sessionFamily: session.family,
    };
    cache.set(key, claims.sub, actor, session.expiresAt.getTime(), Date.now());
    return actor;
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
          await revoke('sessions.ended', {
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
        await revoke('sessions.ended', {
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
      await revoke('users.updated', { user: presentUser(user) });
      await revoke('users.sessionsRevoked', { userId: actor.id, reason: 'password_changed' });
      return startSession(user, userAgent);
    },

    /**
     * Turns verified token claims into the caller, checking that the account is still active,
     * that the token was not revoked since (tokenVersion) and that its session was not ended
     * (sign-out). Two `_id` lookups, run together.
     */
    actorFromClaims,

    /**
     * How this instance tells the others to forget a user's remembered sign-ins (set once
     * Socket.io's Redis adapter is attached; alone, there is nobody to tell).
     */
    shareRevocations(peers: PeerRevocations): void {
      tellPeers = peers;
    },

    /** Forgets a user's remembered sign-ins on this instance (another instance asked). */
    forgetLocally(userId: string): void {
      cache.forgetUser(userId);
    },

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
