/*
 * Crate labels: the short human code with its check symbol, and the signed summary a label's (or
 * a waybill's) QR code carries after `#`. Joi-free and free of Node's APIs: the web client
 * verifies a payload offline with WebCrypto (Ed25519), the server signs with node:crypto.
 */

/** Crockford's base-32 alphabet (no I, L, O, U). */
export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Crockford's check symbols: the 32 above, then values 32 to 36. */
const CHECK_SYMBOLS = `${CROCKFORD}*~$=U`;
/** Random symbols in a code (40 bits); the check symbol follows. */
export const LABEL_CODE_SYMBOLS = 8;
/** How many random bytes a code takes (8 symbols x 5 bits). */
export const LABEL_CODE_BYTES = 5;

/** The check symbol of `data` (canonical symbols): its value modulo 37, as Crockford specifies. */
export function checkSymbol(data: string): string {
  let mod = 0;
  for (const ch of data) {
    const v = CROCKFORD.indexOf(ch);
    if (v < 0) throw new Error(`not a Crockford symbol: ${ch}`);
    mod = (mod * 32 + v) % 37;
  }
  return CHECK_SYMBOLS[mod]!;
}

/** A code in its stored form (8 symbols + check, no dash) from 5 random bytes. */
export function labelCodeFromBytes(bytes: Uint8Array): string {
  if (bytes.length < LABEL_CODE_BYTES) throw new Error('a label code takes 5 random bytes');
  let bits = 0n;
  for (let i = 0; i < LABEL_CODE_BYTES; i += 1) bits = (bits << 8n) | BigInt(bytes[i]!);
  let data = '';
  for (let i = LABEL_CODE_SYMBOLS - 1; i >= 0; i -= 1) data += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)];
  return data + checkSymbol(data);
}

/** `7K3M9QRT5` → `7K3M-9QRT-5`: how a code is printed and read out. */
export const formatLabelCode = (code: string): string => `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;

export type ParsedLabelCode = { ok: true; code: string } | { ok: false; reason: 'format' | 'check' };

/**
 * A code as somebody typed or read it: dashes and spaces ignored, any case, and I/L read as 1,
 * O as 0 (Crockford's aliases). `check` when the check symbol does not match: a mistyped symbol
 * or two neighbours swapped.
 */
export function parseLabelCode(input: string): ParsedLabelCode {
  const plain = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (plain.length !== LABEL_CODE_SYMBOLS + 1) return { ok: false, reason: 'format' };
  const data = plain.slice(0, LABEL_CODE_SYMBOLS);
  const check = plain.slice(LABEL_CODE_SYMBOLS);
  if ([...data].some((c) => !CROCKFORD.includes(c)) || !CHECK_SYMBOLS.includes(check)) {
    return { ok: false, reason: 'format' };
  }
  return checkSymbol(data) === check ? { ok: true, code: plain } : { ok: false, reason: 'check' };
}

/** What a label's QR says, with short keys (a QR code holds little). */
export interface LabelSummary {
  /** Kind: a crate label. */
  k: 'label';
  /** The code as printed. */
  c: string;
  /** The item's name (Russian). */
  i: string;
  /** Quantity in the item's base unit. */
  q: number;
  /** The base unit. */
  u: string;
  /** The lot's expiry (ISO date, UTC), or null when the goods do not expire. */
  e: string | null;
  /** The shipment's id. */
  s: string;
  /** The destination's name (Russian). */
  d: string;
  /** When the label was issued (ISO 8601). */
  t: string;
}

/** What a waybill's QR says: the shipment's manifest. */
export interface ManifestSummary {
  k: 'waybill';
  s: string;
  /** Origin and destination names (Russian). */
  o: string;
  d: string;
  /** Status when printed. */
  st: string;
  /** Per line: item name, quantity (base unit), unit. */
  l: [string, number, string][];
  t: string;
}

export type SignedSummary = LabelSummary | ManifestSummary;

/** An Ed25519 public key as JWK, with the key id the deployment gives it. */
export interface PublicKeyJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
}

// The platform's text codec and WebCrypto, typed here (shared/ compiles without the DOM's types).
interface Subtle {
  importKey(
    format: 'jwk',
    key: object,
    algorithm: { name: string },
    extractable: boolean,
    usages: string[],
  ): Promise<unknown>;
  verify(algorithm: { name: string }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}
interface Platform {
  TextEncoder: new () => { encode(s: string): Uint8Array };
  TextDecoder: new (label?: string, options?: { fatal?: boolean }) => { decode(b: Uint8Array): string };
  crypto: { subtle?: Subtle } | undefined;
}
const platform = globalThis as unknown as Platform;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Bytes as base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let j = 0; j < chars; j += 1) out += B64[(n >> (18 - 6 * j)) & 63];
  }
  return out;
}

/** base64url (no padding) as bytes; null when it is not base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let k = 0;
  for (const ch of text) {
    value = (value << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[k++] = (value >> bits) & 255;
    }
  }
  return out;
}

/** The bytes a summary is signed as: its JSON, UTF-8. */
export const summaryBytes = (summary: SignedSummary): Uint8Array =>
  new platform.TextEncoder().encode(JSON.stringify(summary));

/**
 * The text of a QR code: `url#<summary>.<signature>`, the summary's JSON bytes and the
 * Ed25519 signature over exactly those bytes, both base64url.
 */
export function signedPayload(url: string, summary: SignedSummary, sign: (bytes: Uint8Array) => Uint8Array): string {
  const bytes = summaryBytes(summary);
  return `${url}#${toBase64Url(bytes)}.${toBase64Url(sign(bytes))}`;
}

export interface VerifiedPayload<S extends SignedSummary = SignedSummary> {
  url: string;
  summary: S;
}

/**
 * Checks a QR code's text against the deployment's public key, offline (WebCrypto Ed25519):
 * the summary and what it says, or null when the text is not a signed payload or the signature
 * does not match its bytes. Throws where the platform has no WebCrypto (a page served over
 * plain http other than localhost).
 */
export async function verifySignedPayload(text: string, key: PublicKeyJwk): Promise<VerifiedPayload | null> {
  const hash = text.lastIndexOf('#');
  if (hash < 0) return null;
  const [body, sig, ...rest] = text.slice(hash + 1).split('.');
  if (body === undefined || sig === undefined || rest.length > 0) return null;
  const bytes = fromBase64Url(body);
  const signature = fromBase64Url(sig);
  if (!bytes || !signature || signature.length !== 64) return null;
  const subtle = platform.crypto?.subtle;
  // A page over plain http (not localhost) has no WebCrypto: say so rather than call it forged.
  if (!subtle) throw new Error('WebCrypto is not available here (a page must be served over https to check labels)');
  const publicKey = await subtle.importKey(
    'jwk',
    { kty: key.kty, crv: key.crv, x: key.x },
    { name: 'Ed25519' },
    false,
    ['verify'],
  );
  if (!(await subtle.verify({ name: 'Ed25519' }, publicKey, signature, bytes))) return null;
  try {
    const summary = JSON.parse(new platform.TextDecoder('utf-8', { fatal: true }).decode(bytes)) as SignedSummary;
    if (!summary || typeof summary !== 'object' || (summary.k !== 'label' && summary.k !== 'waybill')) return null;
    return { url: text.slice(0, hash), summary };
  } catch {
    return null;
  }
}
