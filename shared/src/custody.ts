/*
 * Chain of custody: the one definition of the canonical JSON that a phone signs, the server
 * verifies and the hash chain hashes, and the shapes of devices and custody exports. Joi-free
 * (the client signs with it); the request schemas are in custody.schema.ts.
 */

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no white space, `undefined` members
 * left out (as JSON.stringify does), arrays in order, numbers and strings as JSON.stringify
 * writes them. The same value gives the same string on every machine and in every browser.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * What a device signs for a status update (or a delivery): the update exactly as sent, without
 * `signature` (so with `deviceId`), plus the shipment's id, as canonical JSON (UTF-8 bytes).
 */
export function signedUpdatePayload(shipmentId: string, update: Record<string, unknown>): string {
  const { signature: _signature, ...rest } = update;
  return canonicalJson({ ...rest, shipmentId });
}

/** The two signed steps of a hand-over: the giver's record, the taker's confirmation. */
/** The steps of a hand-over, each a record of the chain: made, confirmed by the taker, or called off (pending only). */
export type HandoverStep = 'handover' | 'handover.confirm' | 'handover.cancel';

/**
 * What a device signs for a hand-over step (a sibling of signedUpdatePayload): the step as sent
 * (`sent`: for `handover` the request without `signatures`, plus the giver's `deviceId`; for
 * `handover.confirm` `{ handoverId, handoverHash, at, deviceId }`, `handoverHash` being the hash of
 * the hand-over's custody record the taker confirms), plus the shipment's id and the step, as
 * canonical JSON. The step is signed so that no signature of one kind passes for another.
 */
export function signedHandoverPayload(shipmentId: string, step: HandoverStep, sent: Record<string, unknown>): string {
  const { signature: _signature, signatures: _signatures, ...rest } = sent;
  return canonicalJson({ ...rest, shipmentId, step });
}

/**
 * The string a chain record's hash is the SHA-256 (hex) of: its content with the hash of the
 * record before it (null for the first record of the chain).
 */
export function chainHashInput(content: CustodyRecordContent, prevHash: string | null): string {
  return canonicalJson({ content, prevHash });
}

/** A device's public key: ECDSA P-256 (what WebCrypto makes everywhere) or Ed25519. */
export type DevicePublicKey =
  { kty: 'EC'; crv: 'P-256'; x: string; y: string } | { kty: 'OKP'; crv: 'Ed25519'; x: string };

/** The signature algorithms: ECDSA P-256 with SHA-256, signature r||s (64 bytes, WebCrypto's form), or Ed25519. */
export const DEVICE_KEY_CURVES = ['P-256', 'Ed25519'] as const;

export interface RegisterDeviceRequest {
  publicKey: DevicePublicKey;
  /** What the user calls this phone (optional). */
  label?: string;
}

export interface DeviceDto {
  id: string;
  userId: string;
  publicKey: DevicePublicKey;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export const CUSTODY_RECORD_KINDS = ['status', 'delivery', 'handover', 'receipt'] as const;
export type CustodyRecordKind = (typeof CUSTODY_RECORD_KINDS)[number];

/**
 * What a chain record's hash covers: the record as the shipment keeps it (server times as ISO
 * strings) and, when a device signed it, the update as sent (`sent`, the signed payload's
 * object), the signature and the device.
 */
export interface CustodyRecordContent {
  kind: CustodyRecordKind;
  shipmentId: string;
  id: string;
  status: string;
  at: string;
  receivedAt: string;
  position: { lat: number; lng: number; accuracyM?: number } | null;
  note: string | null;
  checkpointId: string | null;
  actorId: string;
  actorRole: string;
  applied: boolean;
  /** With `delivered`: who received the goods and the lines as reported. */
  receivedBy: string | null;
  lines: { itemId: string; received: number; reason?: string }[] | null;
  /** With a delivery by scanning: the label codes scanned (stored form, sorted); absent otherwise. */
  labels?: string[];
  /** With a delivery: the receiver's name, signature (SVG path) and user; absent when not given. */
  receiver?: { name: string; signature: string | null; userId: string | null };
  deviceId: string | null;
  signature: string | null;
  /** The update as sent, without `signature`: `signedUpdatePayload` of it is what was signed. */
  sent: Record<string, unknown> | null;
  verified: boolean;
  /** A hand-over record (kind `handover`): which step of which hand-over, and what it says. */
  handover?: HandoverRecordContent;
}

/** What a hand-over record covers besides the common members (`sent` is then what was signed: signedHandoverPayload). */
export interface HandoverRecordContent {
  handoverId: string;
  step: HandoverStep;
  fromUserId: string;
  to: { userId: string | null; name: string | null };
  /** What was counted: per item carried, counted, and the reason of a difference. */
  lines: { itemId: string; carried: number; counted: number; reason?: string }[];
}

/** One record of `GET /api/shipments/:id/custody`. */
export interface CustodyRecordDto {
  kind: CustodyRecordKind;
  id: string;
  at: string;
  /** Null for a record kept before the chain began (see `intact`). */
  hash: string | null;
  prevHash: string | null;
  deviceId?: string;
  verified: boolean;
}

export interface CustodyDto {
  shipmentId: string;
  /** True when every chained record's hash is right and links to the one before, up to the shipment's head. */
  intact: boolean;
  /** The hash of the last record, as the shipment keeps it (null: no chained record yet). */
  head: string | null;
  records: CustodyRecordDto[];
}

/** The downloadable file (`?download=1`): everything needed to check the chain offline. */
export interface CustodyExport {
  format: 'karavan-custody/1';
  shipmentId: string;
  exportedAt: string;
  head: string | null;
  /** What the first chained record links to: null, unless older records were trimmed from the shipment. */
  base: string | null;
  records: (CustodyRecordDto & { content: CustodyRecordContent | null })[];
  /** The public keys of the devices that signed records. */
  devices: Record<string, { userId: string; publicKey: DevicePublicKey; revokedAt: string | null }>;
}

/**
 * Why `POST /api/relay` refused an envelope (its `code`), for the colleague's phone to say in
 * its own language: the relay's own checks, then the refusals of the update itself.
 */
export const RELAY_REFUSALS = [
  'VALIDATION_FAILED',
  'UNKNOWN_DEVICE',
  'ACCOUNT_DISABLED',
  'SIGNATURE_MISMATCH',
  'STATUS_NOT_ALLOWED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_IN_PROGRESS',
  'UNPROCESSABLE',
] as const;
export type RelayRefusal = (typeof RELAY_REFUSALS)[number];
