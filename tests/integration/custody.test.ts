import { createHash, randomUUID, webcrypto } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Types } from 'mongoose';
import request from 'supertest';
import { canonicalJson, signedUpdatePayload, type CustodyDto, type CustodyExport } from '@karavan/shared';
import { clearFaults, injectFault } from '../../server/src/db/operations';
import { Device } from '../../server/src/devices/devices.model';
import { repairStockOps } from '../../server/src/stock';
import { Shipment, ShipmentUpdate } from '../../server/src/shipments/shipments.model';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, nextAt, sendUpdate, type Scene } from '../support/shipments';

/*
 * Chain of custody (issue 19): device keys, signed status updates and deliveries, the hash chain
 * of a shipment's records (also under concurrent updates) and `verify-custody` on the exported
 * file, run as the real script.
 */

let app: TestApp;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let organiser: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp();
  [coordinator, organiser] = await Promise.all([
    signedIn(app.url, { role: 'coordinator' }),
    signedIn(app.url, { role: 'organiser' }),
  ]);
});
afterAll(() => app.close());

const api = () => request(app.url);
type Auth = Record<string, string>;

/** A phone's device key as a browser makes it: ECDSA P-256, private half not extractable. */
async function deviceKey() {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const publicKey = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
  return { pair, publicKey };
}

async function registerDevice(auth: Auth) {
  const key = await deviceKey();
  const res = await api().post('/api/devices').set(auth).send({ publicKey: key.publicKey }).expect(201);
  return { ...key, id: res.body.id as string };
}

/** Signs an update as the phone does: the canonical JSON of the update as sent (with deviceId) plus the shipment id. */
async function signed(
  device: { id: string; pair: CryptoKeyPair },
  shipmentId: string,
  update: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const body = { ...update, deviceId: device.id };
  const signature = await webcrypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    device.pair.privateKey,
    new TextEncoder().encode(signedUpdatePayload(shipmentId, body)),
  );
  return { ...body, signature: Buffer.from(signature).toString('base64url') };
}

const postUpdate = (auth: Auth, shipmentId: string, body: Record<string, unknown>) =>
  api().post(`/api/shipments/${shipmentId}/updates`).set(auth).send(body);
const custody = async (auth: Auth, shipmentId: string) =>
  (await api().get(`/api/shipments/${shipmentId}/custody`).set(auth).expect(200)).body as CustodyDto;

/** A shipment loaded by the coordinator, ready for the driver to depart. */
async function loadedShipment(scene: Scene) {
  const shipment = await createShipment(app.url, coordinator.auth, scene);
  await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading').expect(200);
  return shipment;
}

const shipmentState = async (id: string) => {
  const s = await Shipment.findById(id).lean();
  return { version: s!.version, history: s!.history.length, chainHead: s!.chainHead ?? null, status: s!.status };
};

describe('Device keys', () => {
  test('When a driver registers a WebCrypto P-256 public key, then it is theirs, listed to them only, and a retry under the same Idempotency-Key gives the same device', async () => {
    const driver = await signedIn(app.url, { role: 'driver' });
    const other = await signedIn(app.url, { role: 'driver' });
    const { publicKey } = await deviceKey();
    expect(publicKey).toMatchObject({ kty: 'EC', crv: 'P-256', ext: true });
    const key = randomUUID();
    const first = await api().post('/api/devices').set(driver.auth).set('Idempotency-Key', key).send({ publicKey });
    expect(first.status).toBe(201);
    const again = await api().post('/api/devices').set(driver.auth).set('Idempotency-Key', key).send({ publicKey });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await Device.countDocuments({ userId: driver.user.id })).toBe(1);

    const mine = await api().get('/api/devices').set(driver.auth).expect(200);
    expect(mine.body.items).toEqual([
      expect.objectContaining({
        id: first.body.id,
        userId: driver.user.id,
        publicKey: { kty: 'EC', crv: 'P-256', x: publicKey.x, y: publicKey.y },
        revokedAt: null,
      }),
    ]);
    expect((await api().get('/api/devices').set(other.auth).expect(200)).body.items).toEqual([]);
  });

  test('When an Ed25519 public key is registered, then it is accepted', async () => {
    const pair = (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const publicKey = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
    const res = await api().post('/api/devices').set(coordinator.auth).send({ publicKey }).expect(201);
    expect(res.body.publicKey).toEqual({ kty: 'OKP', crv: 'Ed25519', x: publicKey.x });
  });

  test('When the key is private, malformed or not on its curve, then it is refused with the field path and nothing is stored', async () => {
    const driver = await signedIn(app.url, { role: 'driver' });
    const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const privateJwk = await webcrypto.subtle.exportKey('jwk', pair.privateKey);
    const { publicKey } = await deviceKey();
    const cases: [unknown, number, string][] = [
      [privateJwk, 400, 'body.publicKey.d'],
      [{ ...publicKey, y: undefined }, 422, 'body.publicKey.y'],
      [{ ...publicKey, crv: 'Ed25519' }, 422, 'body.publicKey.crv'],
      [{ kty: 'RSA', n: 'abc', e: 'AQAB' }, 400, 'body.publicKey.kty'],
      [{ ...publicKey, crv: 'P-384' }, 400, 'body.publicKey.crv'],
      [{ ...publicKey, x: 'not base64url!' }, 400, 'body.publicKey.x'],
      [{ kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) }, 422, 'body.publicKey'],
      ['a string', 400, 'body.publicKey'],
    ];
    for (const [key, status, field] of cases) {
      const res = await api().post('/api/devices').set(driver.auth).send({ publicKey: key });
      expect([field, res.status]).toEqual([field, status]);
      expect(res.body.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    expect(await Device.countDocuments({ userId: driver.user.id })).toBe(0);
  });

  test('When an organiser revokes a device, then it signs nothing more (403); a coordinator may not revoke', async () => {
    const scene = await buildScene(app.url);
    const shipment = await loadedShipment(scene);
    const device = await registerDevice(scene.driver.auth);
    await api().delete(`/api/devices/${device.id}`).set(coordinator.auth).expect(403);
    const revoked = await api().delete(`/api/devices/${device.id}`).set(organiser.auth).expect(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    await api().delete(`/api/devices/${new Types.ObjectId().toHexString()}`).set(organiser.auth).expect(404);
    const before = await shipmentState(shipment.id);
    const res = await postUpdate(
      scene.driver.auth,
      shipment.id,
      await signed(device, shipment.id, { id: randomUUID(), status: 'departed', at: nextAt() }),
    );
    expect(res.status).toBe(403);
    expect(await shipmentState(shipment.id)).toEqual(before);
  });
});

describe('Signed status updates and deliveries', () => {
  test('When the driver signs a departure with their device, then it is stored verified with the device; unsigned updates still work, unverified', async () => {
    const scene = await buildScene(app.url);
    const shipment = await loadedShipment(scene);
    const device = await registerDevice(scene.driver.auth);
    const departure = await signed(device, shipment.id, {
      id: randomUUID(),
      status: 'departed',
      at: nextAt(),
      position: { lat: 42.87, lng: 74.61, accuracyM: 12.5 },
      note: '  Выехали  ',
    });
    const res = await postUpdate(scene.driver.auth, shipment.id, departure).expect(200);
    expect(res.body.applied).toBe(true);
    await sendUpdate(app.url, scene.driver.auth, shipment.id, 'at_checkpoint').expect(200);

    const chain = await custody(coordinator.auth, shipment.id);
    expect(chain.intact).toBe(true);
    expect(chain.records.map((r) => [r.kind, r.verified, r.deviceId ?? null])).toEqual([
      ['status', false, null],
      ['status', true, device.id],
      ['status', false, null],
    ]);
    expect(chain.records[1]!.id).toBe(departure.id);
  });

  test('When a signed update was changed after signing, then it is 422 on body.signature and nothing is written', async () => {
    const scene = await buildScene(app.url);
    const shipment = await loadedShipment(scene);
    const device = await registerDevice(scene.driver.auth);
    const update = await signed(device, shipment.id, {
      id: randomUUID(),
      status: 'departed',
      at: nextAt(),
      note: 'ok',
    });
    const before = await shipmentState(shipment.id);
    const res = await postUpdate(scene.driver.auth, shipment.id, { ...update, note: 'changed on the way' });
    expect(res.status).toBe(422);
    expect(res.body.details).toEqual([expect.objectContaining({ path: 'body.signature' })]);
    // Signed for another shipment: refused the same way.
    const other = await loadedShipment(scene);
    const elsewhere = await postUpdate(scene.driver.auth, other.id, update);
    expect(elsewhere.status).toBe(422);
    expect(await shipmentState(shipment.id)).toEqual(before);
    expect(await ShipmentUpdate.countDocuments({ _id: update.id as string })).toBe(0);
    // The untouched update is then accepted under the same id.
    await postUpdate(scene.driver.auth, shipment.id, update).expect(200);
  });

  test("When a driver names another user's device, then it is 403 and nothing is written; an unknown device is 422", async () => {
    const scene = await buildScene(app.url);
    const shipment = await loadedShipment(scene);
    const othersDevice = await registerDevice(scene.otherDriver.auth);
    const before = await shipmentState(shipment.id);
    const foreign = await postUpdate(
      scene.driver.auth,
      shipment.id,
      await signed(othersDevice, shipment.id, { id: randomUUID(), status: 'departed', at: nextAt() }),
    );
    expect(foreign.status).toBe(403);
    const unknown = await postUpdate(scene.driver.auth, shipment.id, {
      ...(await signed(othersDevice, shipment.id, { id: randomUUID(), status: 'departed', at: nextAt() })),
      deviceId: new Types.ObjectId().toHexString(),
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.details[0].path).toBe('body.deviceId');
    const half = await postUpdate(scene.driver.auth, shipment.id, {
      id: randomUUID(),
      status: 'departed',
      at: nextAt(),
      deviceId: othersDevice.id,
    });
    expect(half.status).toBe(400);
    expect(await shipmentState(shipment.id)).toEqual(before);
  });

  test('When the delivery is signed with its lines, then it is a verified delivery record and the chain stays intact', async () => {
    const scene = await buildScene(app.url);
    const shipment = await loadedShipment(scene);
    const device = await registerDevice(scene.driver.auth);
    for (const status of ['departed', 'arrived'] as const) {
      await postUpdate(
        scene.driver.auth,
        shipment.id,
        await signed(device, shipment.id, { id: randomUUID(), status, at: nextAt() }),
      ).expect(200);
    }
    const delivery = await signed(device, shipment.id, {
      id: randomUUID(),
      status: 'delivered',
      at: nextAt(),
      receivedBy: 'Айгерим Сапарова',
      lines: [{ itemId: scene.item.id, received: 97, reason: 'damaged' }],
    });
    const res = await postUpdate(scene.driver.auth, shipment.id, delivery).expect(200);
    expect(res.body.shipment.status).toBe('delivered');
    const chain = await custody(coordinator.auth, shipment.id);
    expect(chain.intact).toBe(true);
    expect(chain.records.at(-1)).toEqual(
      expect.objectContaining({ kind: 'delivery', id: delivery.id, verified: true, deviceId: device.id }),
    );
    expect(chain.head).toBe(chain.records.at(-1)!.hash);
  });
});

describe('The hash chain', () => {
  test('When updates arrive at once (stock operations and late updates together), then every record links to the one before and the head is the last', async () => {
    const scene = await buildScene(app.url);
    const shipment = await loadedShipment(scene);
    const early = new Date(Date.now() - 10 * 3_600_000).getTime();
    const late = Array.from({ length: 8 }, (_, i) => ({
      id: randomUUID(),
      status: 'at_checkpoint',
      at: new Date(early + i * 1000).toISOString(),
      note: `late ${i}`,
    }));
    const answers = await Promise.all([
      postUpdate(coordinator.auth, shipment.id, { id: randomUUID(), status: 'departed', at: nextAt() }),
      ...late.map((u) => postUpdate(coordinator.auth, shipment.id, u)),
    ]);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));

    const chain = await custody(coordinator.auth, shipment.id);
    expect(chain.records).toHaveLength(1 + 1 + late.length);
    expect(chain.intact).toBe(true);
    chain.records.forEach((r, i) => {
      expect(r.prevHash).toBe(i === 0 ? null : chain.records[i - 1]!.hash);
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    });
    expect(new Set(chain.records.map((r) => r.hash)).size).toBe(chain.records.length);
    expect(chain.head).toBe(chain.records.at(-1)!.hash);
  });

  test('When the process dies before a signed departure is applied, then the repair finishes it into the chain, verified, and the chain stays intact', async () => {
    const scene = await buildScene(app.url);
    const shipment = await loadedShipment(scene);
    const device = await registerDevice(scene.driver.auth);
    const departure = await signed(device, shipment.id, { id: randomUUID(), status: 'departed', at: nextAt() });
    injectFault('before-hooks');
    try {
      expect((await postUpdate(scene.driver.auth, shipment.id, departure)).status).toBe(500);
    } finally {
      clearFaults();
    }
    expect(await repairStockOps(new Date(Date.now() + 365 * 24 * 3_600_000))).toEqual({ finished: 1, undone: 0 });
    await sendUpdate(app.url, scene.driver.auth, shipment.id, 'at_checkpoint').expect(200);
    const chain = await custody(coordinator.auth, shipment.id);
    expect(chain.intact).toBe(true);
    expect(chain.records.map((r) => [r.id === departure.id, r.verified])).toEqual([
      [false, false],
      [true, true],
      [false, false],
    ]);
  });

  test('When a record is changed in the database, then the chain reads as broken', async () => {
    const scene = await buildScene(app.url);
    const shipment = await loadedShipment(scene);
    await sendUpdate(app.url, coordinator.auth, shipment.id, 'departed', { note: 'в пути' }).expect(200);
    await sendUpdate(app.url, coordinator.auth, shipment.id, 'arrived').expect(200);
    expect((await custody(coordinator.auth, shipment.id)).intact).toBe(true);
    await Shipment.collection.updateOne(
      { _id: new Types.ObjectId(shipment.id) },
      { $set: { 'history.1.note': 'quietly rewritten' } },
    );
    expect((await custody(coordinator.auth, shipment.id)).intact).toBe(false);
  });

  test('When a shipment holds records from before the chain, then the chain starts after them and is intact', async () => {
    const scene = await buildScene(app.url);
    const shipment = await loadedShipment(scene);
    // As an earlier version left it: the history without hashes and no head.
    await Shipment.collection.updateOne(
      { _id: new Types.ObjectId(shipment.id) },
      { $unset: { chainHead: '', 'history.0.hash': '', 'history.0.prevHash': '' } },
    );
    await sendUpdate(app.url, coordinator.auth, shipment.id, 'departed').expect(200);
    const chain = await custody(coordinator.auth, shipment.id);
    expect(chain.records.map((r) => [r.hash === null, r.prevHash])).toEqual([
      [true, null],
      [false, null],
    ]);
    expect(chain.intact).toBe(true);
  });
});

describe('verify-custody', () => {
  const script = path.join(__dirname, '../../server/dist/scripts/verify-custody.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'custody-'));
  const verify = (file: unknown) => {
    const at = path.join(dir, `${randomUUID()}.json`);
    writeFileSync(at, JSON.stringify(file));
    const run = spawnSync(process.execPath, [script, at], { encoding: 'utf8', timeout: 30_000 });
    return { status: run.status, out: run.stdout + run.stderr };
  };
  const copy = (file: CustodyExport): CustodyExport => JSON.parse(JSON.stringify(file)) as CustodyExport;

  test('When the exported file is checked, then it is OK (exit 0); any record changed, removed or swapped breaks it (exit 1)', async () => {
    const scene = await buildScene(app.url);
    const shipment = await loadedShipment(scene);
    const device = await registerDevice(scene.driver.auth);
    for (const status of ['departed', 'at_checkpoint', 'departed', 'arrived'] as const) {
      await postUpdate(
        scene.driver.auth,
        shipment.id,
        await signed(device, shipment.id, { id: randomUUID(), status, at: nextAt(), note: status }),
      ).expect(200);
    }
    const res = await api().get(`/api/shipments/${shipment.id}/custody.json`).set(coordinator.auth).expect(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="custody-${shipment.id}.json"`);
    const file = JSON.parse(res.text) as CustodyExport;
    expect(file.records).toHaveLength(5);
    expect(Object.keys(file.devices)).toEqual([device.id]);

    const ok = verify(file);
    expect(ok.out).toContain('OK');
    expect(ok.out).toContain('4 signatures verified');
    expect(ok.status).toBe(0);

    const changed = copy(file);
    changed.records[2]!.content!.note = 'rewritten';
    const removed = copy(file);
    removed.records.splice(2, 1);
    const removedFirst = copy(file);
    removedFirst.records.splice(0, 1);
    const removedLast = copy(file);
    removedLast.records.pop();
    const swapped = copy(file);
    [swapped.records[1], swapped.records[2]] = [swapped.records[2]!, swapped.records[1]!];
    const unverified = copy(file);
    unverified.records[3]!.verified = false;
    for (const [name, broken] of Object.entries({ changed, removed, removedFirst, removedLast, swapped, unverified })) {
      const run = verify(broken);
      expect([name, run.status]).toEqual([name, 1]);
      expect(run.out).toContain('BROKEN');
    }

    // Rewritten with every hash recomputed: the device's signature still gives it away.
    const forged = copy(file);
    let prev: string | null = null;
    forged.records[1]!.content!.sent = { ...forged.records[1]!.content!.sent, note: 'forged' };
    for (const r of forged.records) {
      r.prevHash = prev;
      r.hash = createHash('sha256')
        .update(canonicalJson({ content: r.content, prevHash: prev }))
        .digest('hex');
      prev = r.hash;
    }
    forged.head = prev;
    const run = verify(forged);
    expect(run.status).toBe(1);
    expect(run.out).toContain('signature');
  });
});

describe('Custody: who may read it', () => {
  test('When a driver asks for custody, then only their own shipment answers (403 otherwise), the file too', async () => {
    const scene = await buildScene(app.url);
    const shipment = await loadedShipment(scene);
    const mine = await custody(scene.driver.auth, shipment.id);
    expect(mine.shipmentId).toBe(shipment.id);
    const refused = await api().get(`/api/shipments/${shipment.id}/custody`).set(scene.otherDriver.auth);
    expect(refused.status).toBe(403);
    expect(refused.body.records).toBeUndefined();
    await api().get(`/api/shipments/${shipment.id}/custody.json`).set(scene.otherDriver.auth).expect(403);
    await api().get(`/api/shipments/${shipment.id}/custody.json`).set(scene.driver.auth).expect(200);
    await api().get(`/api/shipments/${shipment.id}/custody`).expect(401);
    await api().get(`/api/shipments/${new Types.ObjectId().toHexString()}/custody`).set(coordinator.auth).expect(404);
  });
});
