import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { signedHandoverPayload, signedUpdatePayload, type DevicePublicKey, type HandoverStep } from '@karavan/shared';
import { uuid } from './uuid';

/*
 * The phone's device key (chain of custody): an ECDSA P-256 key pair made by WebCrypto with the
 * private half not extractable, kept in IndexedDB (a CryptoKey is stored as is; its private half
 * never leaves the browser), one per signed-in user. Its public half is registered once, when
 * online (POST /api/devices, under a key kept with it so a lost answer is not a second device);
 * from then on each status update queued in the outbox is signed, offline too. Where WebCrypto
 * is missing (plain http on a local network) updates go unsigned, as before.
 */

export interface DeviceKey {
  userId: string;
  privateKey: CryptoKey;
  publicJwk: DevicePublicKey;
  /** Made with the key: the Idempotency-Key of its registration. */
  registrationKey: string;
  /** Set once the server registered it. */
  deviceId: string | null;
}

interface DeviceDb extends DBSchema {
  keys: { key: string; value: DeviceKey };
}

export const DEVICE_DB_NAME = 'karavan-device';
const databases = new Map<string, Promise<IDBPDatabase<DeviceDb>>>();
const open = (name: string) => {
  let db = databases.get(name);
  if (!db) {
    db = openDB<DeviceDb>(name, 1, { upgrade: (database) => void database.createObjectStore('keys') });
    databases.set(name, db);
  }
  return db;
};

const subtle = (): SubtleCrypto | null => globalThis.crypto?.subtle ?? null;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

const toBase64Url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** The user's device key on this browser, made on first use; null where WebCrypto is missing. */
export async function deviceKey(userId: string, dbName = DEVICE_DB_NAME): Promise<DeviceKey | null> {
  const crypto = subtle();
  if (!crypto) return null;
  const db = await open(dbName);
  const kept = await db.get('keys', userId);
  if (kept) return kept;
  const pair = await crypto.generateKey(ALGORITHM, false, ['sign', 'verify']);
  const { kty, crv, x, y } = await crypto.exportKey('jwk', pair.publicKey);
  const made: DeviceKey = {
    userId,
    privateKey: pair.privateKey,
    publicJwk: { kty: kty as 'EC', crv: crv as 'P-256', x: x!, y: y! },
    registrationKey: uuid(),
    deviceId: null,
  };
  // Two tabs at once: the first key stored wins, the other tab uses it.
  const tx = db.transaction('keys', 'readwrite');
  const raced = await tx.store.get(userId);
  if (!raced) await tx.store.put(made, userId);
  await tx.done;
  return raced ?? made;
}

/**
 * Registers the user's device key if it is not yet (online; a failure is tried again next time).
 * Returns the device id, or null when there is none yet.
 */
export async function ensureDeviceRegistered(
  userId: string,
  /** POST /api/devices with the public key, under `registrationKey` as its Idempotency-Key. */
  register: (key: DeviceKey) => Promise<{ id: string }>,
  dbName = DEVICE_DB_NAME,
): Promise<string | null> {
  const key = await deviceKey(userId, dbName);
  if (!key) return null;
  if (key.deviceId) return key.deviceId;
  const { id } = await register(key);
  await (await open(dbName)).put('keys', { ...key, deviceId: id }, userId);
  return id;
}

/**
 * The update with `deviceId` and `signature` when this browser has a registered device key for
 * the user; as given otherwise. The signature covers the update as it will be sent (with
 * `deviceId`) plus the shipment's id (`signedUpdatePayload`, shared with the server).
 */
export async function signUpdate<T extends object>(
  userId: string | null,
  shipmentId: string,
  update: T,
  dbName = DEVICE_DB_NAME,
): Promise<T | (T & { deviceId: string; signature: string })> {
  const crypto = subtle();
  if (!userId || !crypto) return update;
  const key = await (await open(dbName)).get('keys', userId).catch(() => undefined);
  if (!key?.deviceId) return update;
  const body = { ...update, deviceId: key.deviceId };
  const payload = new TextEncoder().encode(signedUpdatePayload(shipmentId, body as Record<string, unknown>));
  const signature = await crypto.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, payload);
  return { ...body, signature: toBase64Url(signature) };
}

/**
 * This browser's signature of a hand-over step (`signedHandoverPayload` of `sent` with the
 * device's id), offline too; null when it has no registered device key (sent unsigned).
 */
export async function signHandover(
  userId: string | null,
  shipmentId: string,
  step: HandoverStep,
  sent: Record<string, unknown>,
  dbName = DEVICE_DB_NAME,
): Promise<{ deviceId: string; signature: string } | null> {
  const crypto = subtle();
  if (!userId || !crypto) return null;
  const key = await (await open(dbName)).get('keys', userId).catch(() => undefined);
  if (!key?.deviceId) return null;
  const payload = new TextEncoder().encode(
    signedHandoverPayload(shipmentId, step, { ...sent, deviceId: key.deviceId }),
  );
  const signature = await crypto.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, payload);
  return { deviceId: key.deviceId, signature: toBase64Url(signature) };
}
