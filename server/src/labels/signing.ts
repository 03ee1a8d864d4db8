import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import type { PublicKeyDto } from '@karavan/shared';
import { resolveLabelKey } from '../settings/settings';

export interface LabelSigner {
  /** Ed25519 signature over exactly these bytes. */
  sign(bytes: Uint8Array): Uint8Array;
  publicJwk: PublicKeyDto;
}

/** The RFC 7638 thumbprint of an OKP public key, base64url: the key's id. */
const thumbprint = (crv: string, x: string) =>
  createHash('sha256')
    .update(JSON.stringify({ crv, kty: 'OKP', x }))
    .digest('base64url');

function signerOf(privateKey: KeyObject): LabelSigner {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as { crv: string; x: string };
  return {
    sign: (bytes) => new Uint8Array(sign(null, bytes, privateKey)),
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: thumbprint(jwk.crv, jwk.x) },
  };
}

/**
 * The deployment's label signer, resolved on first use (KARAVAN_LABEL_KEY, or the key kept in
 * the database) and then kept; a failed read (the database away) is tried again next time.
 */
export function createLabelKeyring(fromEnv: KeyObject | undefined): () => Promise<LabelSigner> {
  let signer: Promise<LabelSigner> | null = null;
  return () => {
    signer ??= resolveLabelKey(fromEnv).then(signerOf, (err: unknown) => {
      signer = null;
      throw err;
    });
    return signer;
  };
}
