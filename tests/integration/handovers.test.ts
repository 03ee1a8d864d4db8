import { randomUUID, webcrypto } from 'node:crypto';
import { Types } from 'mongoose';
import request from 'supertest';
import { signedHandoverPayload, type CustodyDto, type CustodyExport, type HandoverDto } from '@karavan/shared';
import { verifyCustody } from '../../server/src/scripts/verify-custody';
import { Shipment } from '../../server/src/shipments/shipments.model';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, nextAt, sendUpdate, type Scene } from '../support/shipments';
import { openSocket, ready, type ClientSocket } from '../support/sockets';

/*
 * Hand-overs on the road (issue 19): a driver hands the goods to another driver (or a team, or a
 * person without an account), the taker confirms, the shipment's driver changes; each step is a
 * record of the custody chain that verify-custody checks.
 */

let app: TestApp;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp();
  coordinator = await signedIn(app.url, { role: 'coordinator' });
});
const sockets: ClientSocket[] = [];
afterAll(async () => {
  sockets.forEach((socket) => socket.close());
  await app.close();
});

const api = () => request(app.url);
type Auth = Record<string, string>;

async function registerDevice(auth: Auth) {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const publicKey = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
  const res = await api().post('/api/devices').set(auth).send({ publicKey }).expect(201);
  return { pair, id: res.body.id as string };
}

async function sign(
  device: { id: string; pair: CryptoKeyPair },
  shipmentId: string,
  step: 'handover' | 'handover.confirm',
  sent: Record<string, unknown>,
): Promise<string> {
  const signature = await webcrypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    device.pair.privateKey,
    new TextEncoder().encode(signedHandoverPayload(shipmentId, step, { ...sent, deviceId: device.id })),
  );
  return Buffer.from(signature).toString('base64url');
}

/** A shipment that has left the origin, driven by the scene's driver. */
async function departedShipment(scene: Scene) {
  const shipment = await createShipment(app.url, coordinator.auth, scene);
  await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading').expect(200);
  await sendUpdate(app.url, scene.driver.auth, shipment.id, 'departed').expect(200);
  return shipment;
}

const postHandover = (auth: Auth, shipmentId: string, body: Record<string, unknown>) =>
  api().post(`/api/shipments/${shipmentId}/handovers`).set(auth).send(body);
const confirm = (auth: Auth, shipmentId: string, handoverId: string, body: Record<string, unknown> = {}) =>
  api()
    .post(`/api/shipments/${shipmentId}/handovers/${handoverId}/confirm`)
    .set(auth)
    .send({ at: nextAt(), ...body });
const stored = async (id: string) => {
  const s = await Shipment.findById(id).lean();
  return {
    version: s!.version,
    driverId: s!.driverId,
    history: s!.history.length,
    handovers: s!.handovers ?? [],
    chainHead: s!.chainHead,
  };
};

describe('POST /api/shipments/:id/handovers', () => {
  test('When a driver hands over to another driver at the border with a signed count and the taker confirms from their phone, then the taker drives the shipment and the former driver may not move it', async () => {
    const scene = await buildScene(app.url);
    const shipment = await departedShipment(scene);
    await sendUpdate(app.url, scene.driver.auth, shipment.id, 'at_checkpoint').expect(200);
    const giverDevice = await registerDevice(scene.driver.auth);
    const id = randomUUID();
    const body = {
      id,
      at: nextAt(),
      to: { userId: scene.otherDriver.user.id },
      lines: [{ itemId: scene.item.id, quantity: 98, reason: 'damaged' }],
      note: 'Кордай, смена водителя',
    };
    const signature = await sign(giverDevice, shipment.id, 'handover', body);
    const made = await postHandover(scene.driver.auth, shipment.id, {
      ...body,
      signatures: [{ deviceId: giverDevice.id, signature }],
    });
    expect(made.status).toBe(201);
    const handover = made.body.handover as HandoverDto;
    expect(handover).toMatchObject({
      id,
      state: 'pending',
      status: 'at_checkpoint',
      from: { userId: scene.driver.user.id, role: 'driver' },
      to: { userId: scene.otherDriver.user.id, name: null },
      lines: [{ itemId: scene.item.id, carried: 100, counted: 98, reason: 'damaged' }],
      giverVerified: true,
      giverDeviceId: giverDevice.id,
      confirmedAt: null,
    });
    expect(made.body.shipment.history.at(-1)).toMatchObject({ kind: 'handover', handoverId: id });

    // Pending: the driver still drives; the taker sees it waiting for them and may read the shipment.
    const incoming = await api().get('/api/handovers/incoming').set(scene.otherDriver.auth).expect(200);
    expect(incoming.body.items.map((i: { handover: HandoverDto }) => i.handover.id)).toEqual([id]);
    await api().get(`/api/shipments/${shipment.id}`).set(scene.otherDriver.auth).expect(200);
    await sendUpdate(app.url, scene.otherDriver.auth, shipment.id, 'departed').expect(403);
    expect((await stored(shipment.id)).driverId).toBe(scene.driver.user.id);

    // Only the taker confirms.
    await confirm(scene.driver.auth, shipment.id, id).expect(403);
    const takerDevice = await registerDevice(scene.otherDriver.auth);
    const at = nextAt();
    const confirmSignature = await sign(takerDevice, shipment.id, 'handover.confirm', {
      handoverId: id,
      handoverHash: handover.recordHash,
      at,
    });
    const confirmed = await confirm(scene.otherDriver.auth, shipment.id, id, {
      at,
      deviceId: takerDevice.id,
      signature: confirmSignature,
    }).expect(200);
    expect(confirmed.body.handover).toMatchObject({
      state: 'confirmed',
      takerVerified: true,
      takerDeviceId: takerDevice.id,
    });
    expect(confirmed.body.shipment.driverId).toBe(scene.otherDriver.user.id);

    // The former driver no longer moves or reads it; the new one does.
    await sendUpdate(app.url, scene.driver.auth, shipment.id, 'departed').expect(403);
    await api().get(`/api/shipments/${shipment.id}`).set(scene.driver.auth).expect(403);
    await sendUpdate(app.url, scene.otherDriver.auth, shipment.id, 'departed').expect(200);
    const list = await api().get('/api/shipments').set(scene.otherDriver.auth).expect(200);
    expect(list.body.items.map((s: { id: string }) => s.id)).toContain(shipment.id);
    expect((await api().get('/api/handovers/incoming').set(scene.otherDriver.auth).expect(200)).body.items).toEqual([]);

    // Confirming again changes nothing.
    const before = await stored(shipment.id);
    await confirm(scene.otherDriver.auth, shipment.id, id).expect(200);
    expect(await stored(shipment.id)).toEqual(before);

    // Both steps are records of the chain, signed and verified.
    const chain = (await api().get(`/api/shipments/${shipment.id}/custody`).set(coordinator.auth).expect(200))
      .body as CustodyDto;
    expect(chain.intact).toBe(true);
    expect(chain.records.filter((r) => r.kind === 'handover')).toEqual([
      expect.objectContaining({ id: `handover:${id}`, deviceId: giverDevice.id, verified: true }),
      expect.objectContaining({ id: `handover:${id}:confirm`, deviceId: takerDevice.id, verified: true }),
    ]);
  });

  test('When a count differs from what is carried without a reason, then it is 422 with the field path and nothing changes', async () => {
    const scene = await buildScene(app.url);
    const shipment = await departedShipment(scene);
    const before = await stored(shipment.id);
    const base = { id: randomUUID(), at: nextAt(), to: { userId: scene.otherDriver.user.id } };
    const cases: [Record<string, unknown>[], string][] = [
      [[{ itemId: scene.item.id, quantity: 90 }], 'body.lines.0.reason'],
      [[{ itemId: scene.item.id, quantity: 101 }], 'body.lines.0.quantity'],
      [[{ itemId: new Types.ObjectId().toHexString(), quantity: 1 }], 'body.lines.0.itemId'],
      [
        [
          { itemId: scene.item.id, quantity: 100 },
          { itemId: scene.item.id, quantity: 100 },
        ],
        'body.lines.1.itemId',
      ],
    ];
    for (const [lines, field] of cases) {
      const res = await postHandover(scene.driver.auth, shipment.id, { ...base, lines });
      expect([field, res.status]).toEqual([field, 422]);
      expect(res.body.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    const self = await postHandover(scene.driver.auth, shipment.id, {
      ...base,
      to: { userId: scene.driver.user.id },
      lines: [],
    });
    expect(self.status).toBe(422);
    expect(await stored(shipment.id)).toEqual(before);
  });

  test('When a pending hand-over is called off by the giver or declined by the taker, then the goods stay with the giver, it cannot be confirmed, and another hand-over may be made', async () => {
    const scene = await buildScene(app.url);
    const shipment = await departedShipment(scene);
    const cancel = (auth: Auth, handoverId: string) =>
      api()
        .post(`/api/shipments/${shipment.id}/handovers/${handoverId}/cancel`)
        .set(auth)
        .send({ at: nextAt(), note: 'не встретились на КПП' });
    const handover = async () => {
      const id = randomUUID();
      const body = { id, at: nextAt(), to: { userId: scene.otherDriver.user.id }, lines: [] };
      await postHandover(scene.driver.auth, shipment.id, body).expect(201);
      return id;
    };

    // The giver withdraws it: the taker can no longer confirm it, and nobody else may call it off.
    const first = await handover();
    const stranger = await signedIn(app.url, { role: 'driver' });
    expect((await cancel(stranger.auth, first)).status).toBe(403);
    const withdrawn = await cancel(scene.driver.auth, first).expect(200);
    expect(withdrawn.body.handover).toMatchObject({ id: first, state: 'cancelled' });
    expect(withdrawn.body.shipment.driverId).toBe(scene.driver.user.id);
    const again = await cancel(scene.driver.auth, first).expect(200);
    expect(again.body.handover.state).toBe('cancelled');
    const late = await confirm(scene.otherDriver.auth, shipment.id, first);
    expect([403, 409]).toContain(late.status); // (403: no longer theirs to read once called off)
    expect((await api().get('/api/handovers/incoming').set(scene.otherDriver.auth).expect(200)).body.items).toEqual([]);

    // Another hand-over may be made; this time the taker declines it.
    const second = await handover();
    expect(
      (await api().get('/api/handovers/incoming').set(scene.otherDriver.auth).expect(200)).body.items,
    ).toHaveLength(1);
    await cancel(scene.otherDriver.auth, second).expect(200);
    const after = await stored(shipment.id);
    expect(after.driverId).toBe(scene.driver.user.id);
    expect(after.handovers.map((h) => h.state)).toEqual(['cancelled', 'cancelled']);
    await sendUpdate(app.url, scene.driver.auth, shipment.id, 'at_checkpoint').expect(200);

    // A confirmed hand-over cannot be called off; each step is a record of an intact chain.
    const third = await handover();
    await confirm(scene.otherDriver.auth, shipment.id, third).expect(200);
    const refused = await cancel(coordinator.auth, third);
    expect([refused.status, refused.body.details?.[0]?.path]).toEqual([409, 'params.handoverId']);
    const custody = (await api().get(`/api/shipments/${shipment.id}/custody`).set(coordinator.auth).expect(200))
      .body as CustodyDto;
    expect(custody.intact).toBe(true);
    expect(custody.records.map((r) => r.id).filter((id) => id.startsWith('handover:'))).toEqual([
      `handover:${first}`,
      `handover:${first}:cancel`,
      `handover:${second}`,
      `handover:${second}:cancel`,
      `handover:${third}`,
      `handover:${third}:confirm`,
    ]);
  });

  test('When the same hand-over is sent again (same id, or same Idempotency-Key), then it is recorded once; the id with another hand-over is 422', async () => {
    const scene = await buildScene(app.url);
    const shipment = await departedShipment(scene);
    const body = { id: randomUUID(), at: nextAt(), to: { name: 'Склад Алматы, Асель' }, lines: [] };
    const first = await postHandover(scene.driver.auth, shipment.id, body).expect(201);
    expect(first.body.handover).toMatchObject({ state: 'recorded', to: { userId: null, name: 'Склад Алматы, Асель' } });
    const after = await stored(shipment.id);
    const again = await postHandover(scene.driver.auth, shipment.id, body).expect(200);
    expect(again.body.handover).toEqual(first.body.handover);
    expect(await stored(shipment.id)).toEqual(after);
    const reused = await postHandover(scene.driver.auth, shipment.id, { ...body, note: 'другое' });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');

    const key = randomUUID();
    const keyed = { id: randomUUID(), at: nextAt(), to: { name: 'Бригада' }, lines: [] };
    const one = await postHandover(scene.driver.auth, shipment.id, keyed).set('Idempotency-Key', key);
    expect(one.status).toBe(201);
    const afterKeyed = await stored(shipment.id);
    const two = await postHandover(scene.driver.auth, shipment.id, keyed).set('Idempotency-Key', key);
    expect(two.status).toBe(201);
    expect(two.body.handover).toEqual(one.body.handover);
    expect(await stored(shipment.id)).toEqual(afterKeyed);
    expect(afterKeyed.handovers).toHaveLength(2);
  });

  test('When the signature does not match the hand-over, then it is refused (422) and nothing is recorded', async () => {
    const scene = await buildScene(app.url);
    const shipment = await departedShipment(scene);
    const device = await registerDevice(scene.driver.auth);
    const body = { id: randomUUID(), at: nextAt(), to: { userId: scene.otherDriver.user.id }, lines: [] };
    // Signed for 90 counted, sent as 100: the count was changed after signing.
    const signature = await sign(device, shipment.id, 'handover', {
      ...body,
      lines: [{ itemId: scene.item.id, quantity: 90, reason: 'lost' }],
    });
    const before = await stored(shipment.id);
    const res = await postHandover(scene.driver.auth, shipment.id, {
      ...body,
      signatures: [{ deviceId: device.id, signature }],
    });
    expect(res.status).toBe(422);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['body.signatures.0.signature']);
    expect(await stored(shipment.id)).toEqual(before);

    // Another user's device may not sign for the giver.
    const othersDevice = await registerDevice(scene.otherDriver.auth);
    const forged = await postHandover(scene.driver.auth, shipment.id, {
      ...body,
      signatures: [{ deviceId: othersDevice.id, signature: await sign(othersDevice, shipment.id, 'handover', body) }],
    });
    expect(forged.status).toBe(403);
    expect(await stored(shipment.id)).toEqual(before);
  });

  test('When someone who does not hold the goods, or a shipment not on the road, is handed over, then it is 403 or 409', async () => {
    const scene = await buildScene(app.url);
    const planned = await createShipment(app.url, coordinator.auth, scene);
    const body = () => ({ id: randomUUID(), at: nextAt(), to: { name: 'Кто-то' }, lines: [] });
    const notOnRoad = await postHandover(scene.driver.auth, planned.id, body());
    expect(notOnRoad.status).toBe(409);
    expect(notOnRoad.body.details.map((d: { message: string }) => d.message)).toEqual([
      'departed',
      'at_checkpoint',
      'arrived',
    ]);
    const shipment = await departedShipment(scene);
    await postHandover(scene.otherDriver.auth, shipment.id, body()).expect(403);
    // Staff may record a hand-over; a second one waits while one is pending.
    await postHandover(coordinator.auth, shipment.id, { ...body(), to: { userId: scene.otherDriver.user.id } }).expect(
      201,
    );
    await postHandover(scene.driver.auth, shipment.id, body()).expect(409);
  });
});

describe('Hand-overs live', () => {
  test("When a hand-over is made and confirmed, then the shipment's room gets shipment.updated for each step, the pending taker may watch the room, and the former driver's screen is taken out of it", async () => {
    const scene = await buildScene(app.url);
    const shipment = await departedShipment(scene);
    const room = `shipment:${shipment.id}`;
    const socket = openSocket(app.url, { token: coordinator.tokens.accessToken });
    sockets.push(socket);
    await ready(socket);
    const got: { update: { kind?: string; handoverId?: string; id: string } | null; seq: number }[] = [];
    (socket as unknown as { on(n: string, f: (p: never) => void): void }).on('shipment.updated', (payload) => {
      got.push(payload);
    });
    const subscribe = (s: ClientSocket) =>
      new Promise<{ ok: boolean }>((resolve) => s.emit('subscribe', { room }, resolve));
    expect((await subscribe(socket)).ok).toBe(true);
    const taker = openSocket(app.url, { token: scene.otherDriver.tokens.accessToken });
    sockets.push(taker);
    await ready(taker);
    expect((await subscribe(taker)).ok).toBe(false);

    const former = openSocket(app.url, { token: scene.driver.tokens.accessToken });
    sockets.push(former);
    await ready(former);
    expect((await subscribe(former)).ok).toBe(true);
    const formerGot: string[] = [];
    const revoked: string[] = [];
    const on = (s: ClientSocket) => s as unknown as { on(n: string, f: (p: never) => void): void };
    on(former).on('shipment.updated', (payload: { update: { id: string } | null }) =>
      formerGot.push(payload.update?.id ?? ''),
    );
    on(former).on('room.revoked', (payload: { room: string }) => revoked.push(payload.room));

    const id = randomUUID();
    await postHandover(scene.driver.auth, shipment.id, {
      id,
      at: nextAt(),
      to: { userId: scene.otherDriver.user.id },
      lines: [],
    }).expect(201);
    expect((await subscribe(taker)).ok).toBe(true);
    await confirm(scene.otherDriver.auth, shipment.id, id).expect(200);
    while (got.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    // The former driver's screen saw the hand-over it made, then was taken out of the room before
    // the confirmation (the shipment is no longer theirs to watch), and gets nothing after.
    expect(revoked).toEqual([room]);
    expect(formerGot).toEqual([`handover:${id}`]);
    expect(got.map((e) => e.update)).toEqual([
      expect.objectContaining({ kind: 'handover', handoverId: id, id: `handover:${id}` }),
      expect.objectContaining({ kind: 'handover', handoverId: id, id: `handover:${id}:confirm` }),
    ]);
    expect(got[1]!.seq).toBeGreaterThan(got[0]!.seq);
    // The new driver's next update reaches the room, not the former driver.
    await sendUpdate(app.url, scene.otherDriver.auth, shipment.id, 'at_checkpoint').expect(200);
    while (got.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(formerGot).toEqual([`handover:${id}`]);
  });
});

describe('Hand-overs in the custody chain', () => {
  test('When the custody file holds hand-overs, then verify-custody accepts it and refuses it once a hand-over record is altered', async () => {
    const scene = await buildScene(app.url);
    const shipment = await departedShipment(scene);
    const giver = await registerDevice(scene.driver.auth);
    const body = {
      id: randomUUID(),
      at: nextAt(),
      to: { userId: scene.otherDriver.user.id },
      lines: [{ itemId: scene.item.id, quantity: 97, reason: 'spoiled' }],
    };
    const made = await postHandover(scene.driver.auth, shipment.id, {
      ...body,
      signatures: [{ deviceId: giver.id, signature: await sign(giver, shipment.id, 'handover', body) }],
    }).expect(201);
    // Confirmed from a browser: unsigned, recorded as not verified.
    const confirmed = await confirm(scene.otherDriver.auth, shipment.id, body.id).expect(200);
    expect(confirmed.body.handover).toMatchObject({ state: 'confirmed', takerVerified: false, takerDeviceId: null });
    expect(made.body.handover.giverVerified).toBe(true);

    const res = await api().get(`/api/shipments/${shipment.id}/custody.json`).set(coordinator.auth).expect(200);
    const file = JSON.parse(res.text) as CustodyExport;
    const kinds = file.records.map((r) => r.kind);
    expect(kinds).toEqual(['status', 'status', 'handover', 'handover']);
    expect(verifyCustody(file)).toEqual({ ok: true, records: 4, signed: 1 });

    const copy = () => JSON.parse(res.text) as CustodyExport;
    const recounted = copy();
    recounted.records[2]!.content!.handover!.lines[0]!.counted = 100;
    expect(verifyCustody(recounted)).toMatchObject({ ok: false, at: 2 });
    const retaken = copy();
    retaken.records[3]!.content!.actorId = scene.driver.user.id;
    expect(verifyCustody(retaken)).toMatchObject({ ok: false, at: 3 });
    const dropped = copy();
    dropped.records.splice(2, 1);
    expect(verifyCustody(dropped)).toMatchObject({ ok: false });

    // Changed in the database: the chain read by the API is no longer intact.
    await Shipment.collection.updateOne(
      { _id: new Types.ObjectId(shipment.id) },
      { $set: { 'history.2.handover.lines.0.counted': 100 } },
    );
    const chain = (await api().get(`/api/shipments/${shipment.id}/custody`).set(coordinator.auth).expect(200))
      .body as CustodyDto;
    expect(chain.intact).toBe(false);
  });
});
