import type { NextFunction, Request, RequestHandler, Response } from 'express';
import jwt from 'jsonwebtoken';
import { ApiError } from './errors';
import { accountActive } from '../users';

/**
 * Wraps the authentication middleware so that a request refused because the account was
 * disabled says so: 401 `ACCOUNT_DISABLED` instead of a generic 401. A driver's phone replaying
 * its outbox must not mistake it for an expired token (refresh and retry) nor drop the updates:
 * it keeps them and tells the driver to call their coordinator. Only a valid token signed by us
 * is looked at, so the answer tells nothing to someone without one.
 */
export function explainDisabledAccounts(authenticate: RequestHandler, secret: string): RequestHandler {
  return function authenticateRequest(req: Request, res: Response, next: NextFunction) {
    authenticate(req, res, (err?: unknown) => {
      // Only a refused token that is still valid (revoked: disabling an account revokes its
      // tokens); an expired one is refreshed first, and the refresh says the account is disabled.
      if (!(err instanceof ApiError) || err.code !== 'UNAUTHENTICATED') return next(err as Error | undefined);
      const header = req.get('authorization') ?? '';
      const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (!token) return next(err);
      // Only our own HS256 tokens: the signature with our secret is what matters here.
      let sub: unknown;
      try {
        sub = (
          jwt.verify(token, secret, { algorithms: ['HS256'] }) as {
            sub?: unknown;
          }
        ).sub;
      } catch {
        return next(err);
      }
      if (typeof sub !== 'string' || !/^[0-9a-f]{24}$/.test(sub)) return next(err);
      accountActive(sub).then(
        (active) =>
          next(
            active === false
              ? new ApiError(401, 'ACCOUNT_DISABLED', 'This account is disabled; ask a coordinator')
              : err,
          ),
        () => next(err),
      );
    });
  };
}
