import jwt from 'jsonwebtoken';
import type { Role } from '@karavan/shared';

export interface AccessClaims {
  sub: string;
  role: Role;
  /** The user's tokenVersion when the token was issued. */
  tv: number;
  /** The session (sign-in) the token belongs to: checked on every request, so sign-out ends it at once. */
  sid: string;
}

export const JWT_ISSUER = 'karavan';
export const JWT_ALGORITHM = 'HS256';

/**
 * Signs an access token issued at `issuedAt`. HS256 is deterministic, so the same claims and
 * time give the same token: that is how a refresh retried within its grace window gets the same pair.
 */
export function signAccessToken(claims: AccessClaims, secret: string, ttlSeconds: number, issuedAt: Date): string {
  return jwt.sign({ ...claims, iat: Math.floor(issuedAt.getTime() / 1000) }, secret, {
    algorithm: JWT_ALGORITHM,
    expiresIn: ttlSeconds,
    issuer: JWT_ISSUER,
  });
}
