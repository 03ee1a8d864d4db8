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
      },
      (claims: AccessClaims, done: (err: unknown, actor?: Actor | false) => void) => {
        auth.actorFromClaims(claims).then(
          (actor) => done(null, actor),
          (err: unknown) => done(err instanceof ApiError ? null : err, false),
        );
      },
    ),
  );

  /** Sets res.locals.actor from the Bearer token, or answers 401. */
  const authenticate: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
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
