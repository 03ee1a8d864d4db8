import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { Strategy as LocalStrategy } from 'passport-local';
import { roleHasRight } from '@karavan/shared';
import { ApiError } from '../lib/errors';
import type { Actor, RouteSpec } from '../lib/route';
import type { UserDoc } from '../users';
import { tokenError, type AuthService } from './auth.service';
import { JWT_ALGORITHM, JWT_ISSUER, verificationKey, type AccessClaims } from './tokens';

/** A Passport instance per app: local strategy for login, JWT strategy for every other route. */
export function createPassport(auth: AuthService, secret: string) {
  const passport = new Passport();
  passport.use(
    new LocalStrategy(
      { usernameField: 'email', passwordField: 'password', session: false },
      (email, password, done) => {
        auth.verifyCredentials(email, password).then(
          (user) => done(null, user ?? false),
          (err: unknown) => done(err),
        );
      },
    ),
  );
  passport.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        // passport-jwt hands it to jsonwebtoken, which takes a KeyObject (its types say string | Buffer).
        secretOrKey: verificationKey(secret) as unknown as string,
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
        passReqToCallback: true,
      },
      (req: Request, claims: AccessClaims & { exp: number }, done: (err: unknown, actor?: Actor | false) => void) => {
        const token = bearerToken(req);
        if (token) verified.set(token, claims);
        auth.actorFromClaims(claims).then(
          (actor) => done(null, actor),
          (err: unknown) => done(err instanceof ApiError ? null : err, false),
        );
      },
    ),
  );
  const verified = createVerifiedTokens();

  /**
   * Sets res.locals.actor from the Bearer token, or answers 401. A token this instance verified
   * before (the very same string, signature included) and that has not expired is not verified
   * again: its claims go straight to the session check, which runs on every request as before (so
   * signing out or disabling acts on the next request). Passport and jsonwebtoken verifying the
   * token were the largest share of an authenticated request's own middleware time (8 % of the
   * server's busy time reading /api/items, `node tools/bench/profile.mjs`).
   */
  const authenticate: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    const claims = token === undefined ? undefined : verified.get(token, Date.now());
    if (claims) {
      auth.actorFromClaims(claims).then(
        (actor) => {
          res.locals.actor = actor;
          next();
        },
        (err: unknown) =>
          next(err instanceof ApiError ? ApiError.unauthenticated('The access token was revoked') : err),
      );
      return;
    }
    passport.authenticate('jwt', { session: false }, (err: unknown, actor: Actor | false, info: unknown) => {
      if (err) return next(err);
      if (!actor) {
        const missing = !req.get('authorization');
        return next(
          missing
            ? ApiError.unauthenticated()
            : info instanceof Error
              ? tokenError(info)
              : ApiError.unauthenticated('The access token was revoked'),
        );
      }
      res.locals.actor = actor;
      next();
    })(req, res, next);
  };

  /** Checks email and password from the body; resolves the user or undefined. */
  const checkCredentials = (req: Request, res: Response): Promise<UserDoc | undefined> =>
    new Promise((resolve, reject) => {
      passport.authenticate('local', { session: false }, (err: unknown, user: UserDoc | false) => {
        if (err) reject(err);
        else resolve(user || undefined);
      })(req, res, reject);
    });

  return { authenticate, checkCredentials };
}

/** The one place role rules are applied: the route names a right, the role must have it. */
export function requireRight(spec: Pick<RouteSpec, 'access' | 'allowPendingPasswordChange'>): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    const actor = res.locals.actor as Actor | undefined;
    if (!actor) return next(ApiError.unauthenticated());
    if (actor.mustChangePassword && !spec.allowPendingPasswordChange) {
      return next(new ApiError(403, 'PASSWORD_CHANGE_REQUIRED', 'Choose a new password before going on'));
    }
    if (spec.access !== 'authenticated' && spec.access !== 'public' && !roleHasRight(actor.role, spec.access)) {
      return next(ApiError.forbidden());
    }
    next();
  };
}

/** The token of an `Authorization: Bearer <token>` header, as passport-jwt reads it. */
function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

/**
 * Access tokens whose signature and claims this instance checked, until they expire: at most
 * `max` (the oldest goes first), looked up by the whole token, so a token changed in any byte is
 * checked again. An expired one is never answered from here.
 */
export function createVerifiedTokens(max = 10_000) {
  const tokens = new Map<string, AccessClaims & { exp: number }>();
  return {
    get(token: string, now: number): (AccessClaims & { exp: number }) | undefined {
      const claims = tokens.get(token);
      if (!claims) return undefined;
      // jsonwebtoken refuses a token from its `exp` second on.
      if (now >= claims.exp * 1000) {
        tokens.delete(token);
        return undefined;
      }
      return claims;
    },
    set(token: string, claims: AccessClaims & { exp: number }): void {
      if (typeof claims.exp !== 'number') return;
      if (tokens.size >= max && !tokens.has(token)) tokens.delete(tokens.keys().next().value!);
      tokens.set(token, claims);
    },
    get size() {
      return tokens.size;
    },
  };
}
