/*
 * The QR relay's codes (issue 21), with no DOM: what a driver's phone with no signal shows, and
 * what a colleague's phone answers with.
 *
 * A message is cut into parts, one QR code each, so that every code stays small enough to be
 * read from a phone's screen. A part is
 *
 *     KRV1<kind>:<set>:<i>/<n>:<data>
 *
 * - `kind`: `R` the driver's signed updates (envelopes for POST /api/relay), `A` the colleague's
 *   answer (the ids the server has);
 * - `set`: 8 hex digits, the FNV-1a hash of the kind and the whole data: it ties the parts of one
 *   message together, and the joined message is refused when it does not hash to it (a part of
 *   another message, or changed);
 * - `i/n`: the part's number and how many there are (1-based);
 * - `data`: the part's slice of the message, base64url of its compact JSON (UTF-8: a note may be
 *   in Cyrillic).
 *
 * The updates' message is `[[deviceId, shipmentId, update, signature], ...]`, `update` being the
 * body the outbox would send without `deviceId` and `signature`: the envelope the server checks
 * the device's signature of is the outbox's own signed body, byte for byte.
 */

export type RelayKind = 'R' | 'A';

/** One signed update as POST /api/relay takes it. */
export interface RelayEnvelope {
  deviceId: string;
  payload: Record<string, unknown> & { id: string; shipmentId: string };
  signature: string;
}

/**
 * Base64url characters per part: a version 13 code at level L (69 modules, about 5 screen pixels
 * each on a 390 px wide phone), the size of a crate label's code, read well off a phone's screen.
 * Three signed updates take four codes.
 */
export const PART_CHARS = 400;
/** At most this many parts in a message (the relay takes at most 50 updates: about 20 parts). */
export const MAX_PARTS = 99;

const PART = /^KRV1([RA]):([0-9a-f]{8}):([1-9][0-9]?)\/([1-9][0-9]?):([A-Za-z0-9_-]+)$/;
const OBJECT_ID = /^[0-9a-f]{24}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{1,200}$/;
const UPDATE_ID = /^[A-Za-z0-9_.:-]{1,200}$/;

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(data: string): string {
  const binary = atob(data.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** The parts (QR texts) of a message of `kind`; throws when it would need more than MAX_PARTS. */
export function encodeParts(kind: RelayKind, message: unknown): string[] {
  const data = toBase64Url(JSON.stringify(message));
  const total = Math.max(1, Math.ceil(data.length / PART_CHARS));
  if (total > MAX_PARTS) throw new Error(`The message needs ${total} codes; at most ${MAX_PARTS}`);
  const set = fnv1a(kind + data);
  return Array.from(
    { length: total },
    (_, i) => `KRV1${kind}:${set}:${i + 1}/${total}:${data.slice(i * PART_CHARS, (i + 1) * PART_CHARS)}`,
  );
}

export interface Part {
  kind: RelayKind;
  set: string;
  index: number;
  total: number;
  data: string;
}

/** A scanned text as a part of a relay code, or null when it is not one. */
export function parsePart(text: string): Part | null {
  const match = PART.exec(text.trim());
  if (!match) return null;
  const index = Number(match[3]);
  const total = Number(match[4]);
  if (index > total) return null;
  return { kind: match[1] as RelayKind, set: match[2]!, index, total, data: match[5]! };
}

export type Collected =
  /** Not a part of this kind of code (a label, a URL, the other kind): the camera keeps looking. */
  | { state: 'foreign' }
  | { state: 'partial'; have: number; total: number }
  /** Every part arrived but they do not make the message their set names: start again. */
  | { state: 'corrupt' }
  | { state: 'complete'; message: unknown };

/**
 * Gathers the parts of one message of `kind`, in any order, each once. A part of another message
 * (the driver's phone changed its list meanwhile) starts a new gathering.
 */
export class PartCollector {
  private set: string | null = null;
  private parts: (string | undefined)[] = [];

  constructor(private readonly kind: RelayKind) {}

  add(text: string): Collected {
    const part = parsePart(text);
    if (!part || part.kind !== this.kind) return { state: 'foreign' };
    if (part.set !== this.set || part.total !== this.parts.length) {
      this.set = part.set;
      this.parts = new Array<string | undefined>(part.total).fill(undefined);
    }
    this.parts[part.index - 1] = part.data;
    const have = this.parts.filter((data) => data !== undefined).length;
    if (have < part.total) return { state: 'partial', have, total: part.total };
    const data = this.parts.join('');
    this.reset();
    if (fnv1a(this.kind + data) !== part.set) return { state: 'corrupt' };
    try {
      return { state: 'complete', message: JSON.parse(fromBase64Url(data)) as unknown };
    } catch {
      return { state: 'corrupt' };
    }
  }

  reset(): void {
    this.set = null;
    this.parts = [];
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The updates' message: what the driver's phone shows. */
export function encodeEnvelopes(envelopes: readonly RelayEnvelope[]): string[] {
  return encodeParts(
    'R',
    envelopes.map(({ deviceId, signature, payload: { shipmentId, ...update } }) => [
      deviceId,
      shipmentId,
      update,
      signature,
    ]),
  );
}

/** The envelopes of a complete updates' message, or null when it is not one. */
export function decodeEnvelopes(message: unknown): RelayEnvelope[] | null {
  if (!Array.isArray(message) || message.length === 0) return null;
  const envelopes: RelayEnvelope[] = [];
  for (const item of message) {
    if (!Array.isArray(item) || item.length !== 4) return null;
    const [deviceId, shipmentId, update, signature] = item as unknown[];
    if (typeof deviceId !== 'string' || !OBJECT_ID.test(deviceId)) return null;
    if (typeof shipmentId !== 'string' || !OBJECT_ID.test(shipmentId)) return null;
    if (typeof signature !== 'string' || !SIGNATURE.test(signature)) return null;
    if (!isObject(update) || typeof update.id !== 'string' || !UPDATE_ID.test(update.id)) return null;
    if ('shipmentId' in update || 'deviceId' in update || 'signature' in update) return null;
    envelopes.push({ deviceId, signature, payload: { ...update, id: update.id, shipmentId } });
  }
  return envelopes;
}

/** The answer's message: the ids of the updates the server has (applied now or before). */
export function encodeReceipt(ids: readonly string[]): string[] {
  return encodeParts('A', ids);
}

/** The ids of a complete answer's message, or null when it is not one. */
export function decodeReceipt(message: unknown): string[] | null {
  if (!Array.isArray(message)) return null;
  return message.every((id) => typeof id === 'string' && UPDATE_ID.test(id)) ? (message as string[]) : null;
}

/** A signed status update waiting in the outbox, as an envelope; null when it cannot be relayed (unsigned). */
export function envelopeOf(entry: {
  body: unknown;
  meta: { kind: string; shipmentId?: unknown };
}): RelayEnvelope | null {
  if (entry.meta.kind !== 'shipmentUpdate' || typeof entry.meta.shipmentId !== 'string') return null;
  if (!isObject(entry.body)) return null;
  const { deviceId, signature, ...update } = entry.body;
  if (typeof deviceId !== 'string' || typeof signature !== 'string' || typeof update.id !== 'string') return null;
  return { deviceId, signature, payload: { ...update, id: update.id, shipmentId: entry.meta.shipmentId } };
}

/** What of an outbox entry the relay reads. */
interface WaitingEntry {
  body: unknown;
  needsAttention: boolean;
  meta: { kind: string; shipmentId?: unknown };
}

/** The status updates waiting in the outbox that a colleague could take: signed ones as envelopes. */
export function relayable(entries: readonly WaitingEntry[]): { envelopes: RelayEnvelope[]; unsigned: number } {
  const envelopes: RelayEnvelope[] = [];
  let unsigned = 0;
  for (const entry of entries) {
    if (entry.meta.kind !== 'shipmentUpdate' || entry.needsAttention) continue;
    const envelope = envelopeOf(entry);
    if (envelope) envelopes.push(envelope);
    else unsigned += 1;
  }
  return { envelopes, unsigned };
}
