import {
  formatLabelCode,
  parseLabelCode,
  verifySignedPayload,
  type LabelSummary,
  type PublicKeyDto,
} from '@karavan/shared';
import { send } from '../../lib/http';

/** Each key the deployment signed labels with, as this device last saw it: `karavan.labelKey.<kid>`. */
const PREFIX = 'karavan.labelKey.';

/** The deployment's public keys kept on this device (a label printed before a key change still checks). */
export function storedKeys(): PublicKeyDto[] {
  const keys: PublicKeyDto[] = [];
  for (let i = 0; i < localStorage.length; i += 1) {
    const name = localStorage.key(i);
    if (!name?.startsWith(PREFIX)) continue;
    try {
      const key = JSON.parse(localStorage.getItem(name) ?? '') as PublicKeyDto;
      if (key.kty === 'OKP' && key.crv === 'Ed25519' && typeof key.x === 'string') keys.push(key);
    } catch {
      // not a key: ignored
    }
  }
  return keys;
}

let fetching: Promise<PublicKeyDto | null> | undefined;

/**
 * Asks the server for its label-signing key and keeps it on the device, so that labels check
 * with no network later (the service worker keeps the answer too). Null when it cannot be reached.
 */
export function refreshKey(): Promise<PublicKeyDto | null> {
  fetching ??= send<PublicKeyDto>('GET', '/api/keys/public')
    .then((key) => {
      try {
        localStorage.setItem(PREFIX + key.kid, JSON.stringify(key));
      } catch {
        // storage full or refused: the key still serves this page
      }
      return key;
    })
    .catch(() => null)
    .finally(() => {
      fetching = undefined;
    });
  return fetching;
}

export type LabelCheck =
  /** The signature is the deployment's: what the summary says was printed by it. */
  | { state: 'valid'; summary: LabelSummary; url: string }
  /** The text after `#` is not what the deployment signed: changed, cut or made up. */
  | { state: 'invalid' }
  /** No key on this device yet (never online here): nothing can be said. */
  | { state: 'noKey' }
  /** This browser cannot check signatures (no WebCrypto Ed25519, or a page over plain http). */
  | { state: 'unsupported' };

async function verifyWith(keys: PublicKeyDto[], text: string): Promise<LabelCheck> {
  for (const key of keys) {
    const verified = await verifySignedPayload(text, key);
    if (verified && verified.summary.k === 'label') {
      return { state: 'valid', summary: verified.summary, url: verified.url };
    }
  }
  return { state: 'invalid' };
}

/**
 * Checks a label's QR text (`<url>#<summary>.<signature>`) with the keys kept on the device,
 * offline; the server's key is asked for only when none of them matches (first use, or a new key).
 */
export async function checkLabel(text: string): Promise<LabelCheck> {
  try {
    const kept = storedKeys();
    if (kept.length > 0) {
      const check = await verifyWith(kept, text);
      if (check.state === 'valid') return check;
    }
    const fresh = await refreshKey();
    if (fresh && !kept.some((key) => key.kid === fresh.kid && key.x === fresh.x))
      return await verifyWith([fresh], text);
    return kept.length > 0 || fresh ? { state: 'invalid' } : { state: 'noKey' };
  } catch {
    return { state: 'unsupported' };
  }
}

/**
 * Where a scanned QR code leads in the app: the label page (`/l/<code>#<signed summary>`) when it
 * is a label of this deployment (its address, or a signature by its key: a label printed under
 * the public address scanned in an app opened on the local network); null for anything else.
 */
export async function labelTarget(text: string): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  const match = /^\/l\/([^/]+)$/.exec(url.pathname);
  if (!match) return null;
  let raw: string;
  try {
    raw = decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
  const parsed = parseLabelCode(raw);
  if (!parsed.ok) return null;
  const path = `/l/${formatLabelCode(parsed.code)}${url.hash}`;
  if (url.origin === window.location.origin) return path;
  return url.hash && (await checkLabel(text)).state === 'valid' ? path : null;
}
