import { randomUUID, webcrypto } from 'node:crypto';
import request from 'supertest';
import { signedUpdatePayload, type CustodyDto, type ShipmentDto } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, nextAt, sendUpdate, type Scene } from '../support/shipments';

/*
 * POST /api/relay (issue 21): a colleague with signal posts the updates a driver's phone signed
 * offline; each applies once, as the driver's own, and only with the driver's device signature.
 */

let app: TestApp;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let scene: Scene;
let shipment: ShipmentDto;
let device: { id: string; pair: CryptoKeyPair };
beforeAll(async () => {
  app = await startTestApp();
  coordinator = await signedIn(app.url, { role: 'coordinator' });
  scene = await buildScene(app.url);
  shipment = await createShipment(app.url, coordinator.auth, scene);
  await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading').expect(200);
  // The driver's phone: a device key as a browser makes it, registered once while online.
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const publicKey = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
  const res = await request(app.url).post('/api/devices').set(scene.driver.auth).send({ publicKey }).expect(201);
  device = { id: res.body.id as string, pair };
});
afterAll(() => app.close());

/** An envelope as the driver's phone shows it in a QR: the update, its shipment, the device's signature. */
async function envelope(update: Record<string, unknown>, shipmentId = shipment.id) {
  const signature = await webcrypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    device.pair.privateKey,
    new TextEncoder().encode(signedUpdatePayload(shipmentId, { ...update, deviceId: device.id })),
  );
  return {
    deviceId: device.id,
    payload: { ...update, shipmentId },
    signature: Buffer.from(signature).toString('base64url'),
  };
}

const relay = (auth: Record<string, string>, envelopes: object[]) =>
  request(app.url).post('/api/relay').set(auth).send({ envelopes });

const now = async () =>
  (await request(app.url).get(`/api/shipments/${shipment.id}`).set(coordinator.auth).expect(200)).body as ShipmentDto;

describe('POST /api/relay', () => {
  test("When a colleague relays a driver's signed offline updates, then each applies once as the driver's, verified, and a second relay or the phone's own copy changes nothing", async () => {
    const colleague = await signedIn(app.url, { role: 'driver' });
    const departed = { id: randomUUID(), status: 'departed', at: nextAt() };
    const border = { id: randomUUID(), status: 'at_checkpoint', at: nextAt(), note: 'очередь на КПП' };
    const envelopes = [await envelope(departed), await envelope(border)];
    const first = await relay(colleague.auth, envelopes).expect(200);
    expect(first.body).toEqual({
      results: [
        { id: departed.id, status: 'applied' },
        { id: border.id, status: 'applied' },
      ],
    });
    const after = await now();
    expect(after.status).toBe('at_checkpoint');
    const relayed = after.history.filter((h) => h.id === departed.id || h.id === border.id);
    expect(relayed.map((h) => h.actorId)).toEqual([scene.driver.user.id, scene.driver.user.id]);
    // Relayed twice (another colleague scanned the same codes): nothing more.
    const again = await relay(coordinator.auth, envelopes).expect(200);
    expect(again.body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate']);
    // The phone gets signal and its outbox sends its own copy: the first answer, nothing new.
    const own = await request(app.url)
      .post(`/api/shipments/${shipment.id}/updates`)
      .set(scene.driver.auth)
      .send({
        ...envelopes[1]!.payload,
        shipmentId: undefined,
        deviceId: device.id,
        signature: envelopes[1]!.signature,
      })
      .expect(200);
    expect(own.body.applied).toBe(true);
    expect((await now()).history).toHaveLength(after.history.length);
    // Both records carry the driver's device and verify.
    const custody = (
      await request(app.url).get(`/api/shipments/${shipment.id}/custody`).set(coordinator.auth).expect(200)
    ).body as CustodyDto;
    expect(custody.intact).toBe(true);
    expect(custody.records.filter((r) => r.id === departed.id || r.id === border.id)).toEqual([
      expect.objectContaining({ deviceId: device.id, verified: true }),
      expect.objectContaining({ deviceId: device.id, verified: true }),
    ]);
  });

  test('When an envelope was changed after signing or names a device that does not exist, then it is rejected and nothing moves', async () => {
    const before = await now();
    const id = randomUUID();
    const good = await envelope({ id, status: 'departed', at: nextAt() });
    const tampered = { ...good, payload: { ...good.payload, note: 'подменено' } };
    const stranger = { ...good, deviceId: '0123456789abcdef01234567' };
    const res = await relay(coordinator.auth, [tampered, stranger]).expect(200);
    expect(res.body.results).toEqual([
      { id, status: 'rejected', code: 'SIGNATURE_MISMATCH', reason: expect.stringMatching(/signature/i) },
      { id, status: 'rejected', code: 'UNKNOWN_DEVICE', reason: expect.stringMatching(/^UNKNOWN_DEVICE/) },
    ]);
    expect((await now()).history).toHaveLength(before.history.length);
    // The untouched envelope still applies (it was never used).
    expect((await relay(coordinator.auth, [good]).expect(200)).body.results[0].status).toBe('applied');
  });

  test('When the phone wrote its update its own way (a time without milliseconds), then the signature is checked over the update as sent and it applies, verified', async () => {
    const update = { id: randomUUID(), status: 'at_checkpoint', at: nextAt().replace(/\.\d{3}Z$/, 'Z') };
    expect(update.at).toMatch(/:\d\dZ$/);
    const res = await relay(coordinator.auth, [await envelope(update)]).expect(200);
    expect(res.body.results).toEqual([{ id: update.id, status: 'applied' }]);
    const custody = (
      await request(app.url).get(`/api/shipments/${shipment.id}/custody`).set(coordinator.auth).expect(200)
    ).body as CustodyDto;
    expect(custody.intact).toBe(true);
    expect(custody.records.find((r) => r.id === update.id)).toMatchObject({ deviceId: device.id, verified: true });
  });

  test('When an envelope signed by the driver moves a shipment that is not theirs, then it is rejected', async () => {
    const other = await createShipment(app.url, coordinator.auth, scene, { driverId: scene.otherDriver.user.id });
    await sendUpdate(app.url, coordinator.auth, other.id, 'loading').expect(200);
    const res = await relay(coordinator.auth, [
      await envelope({ id: randomUUID(), status: 'departed', at: nextAt() }, other.id),
    ]).expect(200);
    expect(res.body.results[0]).toMatchObject({
      status: 'rejected',
      code: 'FORBIDDEN',
      reason: expect.stringMatching(/^FORBIDDEN/),
    });
  });

  test('When the request is malformed or not signed in, then it is 400 or 401', async () => {
    await request(app.url).post('/api/relay').send({ envelopes: [] }).expect(401);
    const bad = await relay(coordinator.auth, []).expect(400);
    expect(bad.body.details[0].path).toBe('body.envelopes');
  });
});
