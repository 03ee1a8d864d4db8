import 'fake-indexeddb/auto';
import { describe, expect, jest, test } from '@jest/globals';
import { signedUpdatePayload } from '@karavan/shared';
import { deviceKey, ensureDeviceRegistered, signUpdate, type DeviceKey } from './device-key';

// The phone's device key: made once per user, private half not extractable, registered once, and
// the signature of each queued update checks out against the registered public key.

let n = 0;
const freshDb = () => `device-test-${(n += 1)}`;
const SHIPMENT = '0123456789abcdef01234567';

async function verifies(publicJwk: DeviceKey['publicJwk'], shipmentId: string, body: Record<string, unknown>) {
  const key = await crypto.subtle.importKey('jwk', publicJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'verify',
  ]);
  const signature = Buffer.from(String(body.signature), 'base64url');
  return crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    signature,
    new TextEncoder().encode(signedUpdatePayload(shipmentId, body)),
  );
}

describe('Device key', () => {
  test('When a user first needs a key, then one P-256 key is made and kept, its private half not extractable', async () => {
    const db = freshDb();
    const first = await deviceKey('user-1', db);
    const again = await deviceKey('user-1', db);
    expect(first).not.toBeNull();
    expect(again!.publicJwk).toEqual(first!.publicJwk);
    expect(again!.registrationKey).toBe(first!.registrationKey);
    expect(first!.publicJwk).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) });
    expect(first!.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', again!.privateKey)).rejects.toThrow();
    const other = await deviceKey('user-2', db);
    expect(other!.publicJwk).not.toEqual(first!.publicJwk);
  });

  test('When the key is registered, then the server is asked once and later updates are signed; before, they go unsigned', async () => {
    const db = freshDb();
    const update = { id: 'u-1', status: 'departed', at: '2026-12-05T10:00:00.000Z', note: 'Выехали' };
    expect(await signUpdate('user-1', SHIPMENT, update, db)).toEqual(update);

    const register = jest.fn(async (_key: DeviceKey) => ({ id: 'abcdefabcdefabcdefabcdef' }));
    expect(await ensureDeviceRegistered('user-1', register, db)).toBe('abcdefabcdefabcdefabcdef');
    expect(await ensureDeviceRegistered('user-1', register, db)).toBe('abcdefabcdefabcdefabcdef');
    expect(register).toHaveBeenCalledTimes(1);
    const key = register.mock.calls[0]![0];

    const signed = (await signUpdate('user-1', SHIPMENT, update, db)) as Record<string, unknown>;
    expect(signed).toEqual({ ...update, deviceId: 'abcdefabcdefabcdefabcdef', signature: expect.any(String) });
    expect(signed.signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(await verifies(key.publicJwk, SHIPMENT, signed)).toBe(true);
    expect(await verifies(key.publicJwk, SHIPMENT, { ...signed, note: 'changed' })).toBe(false);
    expect(await verifies(key.publicJwk, 'fedcba9876543210fedcba98', signed)).toBe(false);
  });

  test('When registration fails (offline), then nothing is stored and the next attempt asks again', async () => {
    const db = freshDb();
    const failing = jest.fn(async (_key: DeviceKey): Promise<{ id: string }> => {
      throw new Error('offline');
    });
    await expect(ensureDeviceRegistered('user-1', failing, db)).rejects.toThrow('offline');
    const register = jest.fn(async (_key: DeviceKey) => ({ id: 'abcdefabcdefabcdefabcdef' }));
    expect(await ensureDeviceRegistered('user-1', register, db)).toBe('abcdefabcdefabcdefabcdef');
    expect(register.mock.calls[0]![0].registrationKey).toBe(failing.mock.calls[0]![0].registrationKey);
  });
});
