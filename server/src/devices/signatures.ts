import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { DevicePublicKey } from '@karavan/shared';

/*
 * Device signatures: ECDSA P-256 with SHA-256 (the signature as WebCrypto gives it: r||s, 64
 * bytes) or Ed25519, over the UTF-8 bytes of a canonical JSON string, in base64url. Used by the
 * server (status updates) and by `npm run verify-custody` (offline).
 */

/**
 * Keys already read, by their members: reading a JWK costs as much as checking a signature
 * (about 0.3 ms each for P-256), and a phone signs every update with the same key.
 */
const keyCache = new Map<string, KeyObject | null>();
const KEY_CACHE_MAX = 1024;

/** The key as node reads it; null when the JWK is not a point of its curve. */
export function publicKeyObject(jwk: DevicePublicKey): KeyObject | null {
  const id = jwk.kty === 'EC' ? `EC.${jwk.x}.${jwk.y}` : `OKP.${jwk.x}`;
  if (keyCache.has(id)) return keyCache.get(id)!;
  let key: KeyObject | null;
  try {
    key = createPublicKey({ key: { ...normalisedKey(jwk) }, format: 'jwk' });
  } catch {
    key = null;
  }
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(id, key);
  return key;
}

/** Only the members that make the key (what is stored and exported). */
export function normalisedKey(jwk: DevicePublicKey): DevicePublicKey {
  return jwk.kty === 'EC' ? { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } : { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
}

/** True when `signature` (base64url) is the device's signature of `payload`. */
export function verifySignature(jwk: DevicePublicKey, payload: string, signature: string): boolean {
  const key = publicKeyObject(jwk);
  if (!key) return false;
  const data = Buffer.from(payload, 'utf8');
  const sig = Buffer.from(signature, 'base64url');
  try {
    return jwk.kty === 'EC'
      ? verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)
      : verify(null, data, key, sig);
  } catch {
    return false;
  }
}
