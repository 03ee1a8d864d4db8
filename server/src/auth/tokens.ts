import { createSecretKey, type KeyObject } from 'node:crypto';
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

const verificationKeys = new Map<string, KeyObject>();
/**
 * The signing secret as a KeyObject, made once per secret. Given a string, jsonwebtoken first
 * tries to read it as a PEM public key on EVERY verify (and catches the failure): measured with
 * `node tools/bench/profile.mjs /api/users/me`, that was 8.5% of an authenticated request's CPU.
 */
export function verificationKey(secret: string): KeyObject {
  let key = verificationKeys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret));
    verificationKeys.set(secret, key);
  }
  return key;
}

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
