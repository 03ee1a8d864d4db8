import jwt from 'jsonwebtoken';
import type { Role } from '@karavan/shared';

export interface AccessClaims {
  sub: string;
  role: Role;
  /** The user's tokenVersion when the token was issued. */
  tv: number;
}

export const JWT_ISSUER = 'karavan';
export const JWT_ALGORITHM = 'HS256';

export function signAccessToken(claims: AccessClaims, secret: string, ttlSeconds: number): string {
  return jwt.sign(claims, secret, { algorithm: JWT_ALGORITHM, expiresIn: ttlSeconds, issuer: JWT_ISSUER });
}
