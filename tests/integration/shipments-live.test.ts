import request from 'supertest';
import { SHIPMENT_EVENT_IDENTITY, type LiveEventName, type SubscribeAck } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, expectReconciled, sendUpdate, type Scene } from '../support/shipments';
import { openSocket, ready, type ClientSocket } from '../support/sockets';

let app: TestApp;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let scene: Scene;
const sockets: ClientSocket[] = [];
beforeAll(async () => {
  app = await startTestApp();
  coordinator = await signedIn(app.url, { role: 'coordinator' });
  scene = await buildScene(app.url);
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await app.close();
});

const EVENTS: LiveEventName[] = ['shipment.updated', 'stock.changed', 'campaign.progress'];

async function watcher(token: string) {
  const socket = openSocket(app.url, { token });
  sockets.push(socket);
  await ready(socket);
  const got: { name: LiveEventName; payload: { seq: number } & Record<string, unknown> }[] = [];
  for (const name of EVENTS) {
    (socket as unknown as { on(n: string, f: (p: never) => void): void }).on(name, (payload) => {
      got.push({ name, payload });
    });
  }
  const subscribe = (room: string) =>
    new Promise<SubscribeAck>((resolve) => socket.emit('subscribe', { room }, resolve));
  return { socket, got, subscribe };
}

async function until(got: { name: string }[], test: () => boolean) {
  while (!test()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('shipment rooms', () => {
  test('When drivers and coordinators subscribe to a shipment room, then its driver and coordinators may, another driver may not', async () => {
    const shipment = await createShipment(app.url, coordinator.auth, scene);
    const room = `shipment:${shipment.id}`;
    expect((await (await watcher(scene.driver.tokens.accessToken)).subscribe(room)).ok).toBe(true);
    expect((await (await watcher(coordinator.tokens.accessToken)).subscribe(room)).ok).toBe(true);
    expect(await (await watcher(scene.otherDriver.tokens.accessToken)).subscribe(room)).toEqual({
      ok: false,
      code: 'FORBIDDEN',
    });
    await request(app.url).get('/api/events').query({ after: 0, room }).set(scene.otherDriver.auth).expect(403);
  });
});

describe('shipment.updated', () => {
  test('When a shipment moves, then its room, its campaign and the dashboard get shipment.updated with seq, and the stock events come with it', async () => {
    const shipment = await createShipment(app.url, coordinator.auth, scene);
    const driver = await watcher(scene.driver.tokens.accessToken);
    const dashboard = await watcher(coordinator.tokens.accessToken);
    const ack = await driver.subscribe(`shipment:${shipment.id}`);
    if (!ack.ok) throw new Error('refused');
    expect((await dashboard.subscribe('dashboard')).ok).toBe(true);

    await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading');
    await sendUpdate(app.url, scene.driver.auth, shipment.id, 'departed', { position: { lat: 42.9, lng: 74.6 } });
    // The shipment's creation may still be on its way when the driver joins: then it arrives
    // live as well (its seq is above the ack's). The two status updates are what is awaited.
    const live = () => driver.got.filter((e) => e.name === 'shipment.updated');
    const updates = () => live().filter((e) => Boolean(e.payload.update));
    await until(driver.got, () => updates().length >= 2);
    expect(driver.got.every((e) => e.name === 'shipment.updated')).toBe(true);
    const [loading, departed] = updates();
    expect(updates().map((e) => (e.payload.update as { status: string }).status)).toEqual(['loading', 'departed']);
    expect(loading!.payload.seq).toBeGreaterThan(ack.seq);
    expect(departed!.payload.seq).toBeGreaterThan(loading!.payload.seq);
    expect(departed!.payload).toMatchObject({
      shipment: { id: shipment.id, status: 'departed', lastPosition: { lat: 42.9, lng: 74.6 } },
      update: { status: 'departed', actorId: scene.driver.user.id, applied: true },
      at: expect.any(String),
    });
    expect((departed!.payload.shipment as Record<string, unknown>).history).toBeUndefined();

    await until(dashboard.got, () => dashboard.got.filter((e) => e.name === 'shipment.updated').length >= 2);
    expect(dashboard.got.some((e) => e.name === 'stock.changed')).toBe(true);
    await app.karavan.live.idle();
    const missed = await request(app.url)
      .get('/api/events')
      .query({ after: ack.seq, room: `shipment:${shipment.id}` })
      .set(scene.driver.auth)
      .expect(200);
    // Everything after the ack's seq, live or caught up, is the same list.
    expect(missed.body.items.map((e: { name: string; seq: number }) => [e.name, e.seq])).toEqual(
      live()
        .filter((e) => (e.payload.seq as number) > ack.seq)
        .map((e) => ['shipment.updated', e.payload.seq]),
    );
    await expectReconciled();
  });
  test("When a driver's status updates go out live, then each carries only what it changed, and merged in order they give the shipment as it is", async () => {
    const dashboard = await watcher(coordinator.tokens.accessToken);
    expect((await dashboard.subscribe('dashboard')).ok).toBe(true);
    const shipment = await createShipment(app.url, coordinator.auth, scene);
    await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading');
    await sendUpdate(app.url, scene.driver.auth, shipment.id, 'departed', { position: { lat: 42.9, lng: 74.6 } });
    const mine = () =>
      dashboard.got.filter(
        (e) => e.name === 'shipment.updated' && (e.payload.shipment as { id: string }).id === shipment.id,
      );
    await until(dashboard.got, () => mine().length >= 3);
    const [created, loading, departed] = mine().map((e) => e.payload as unknown as Record<string, unknown>);

    // Planning sends the whole summary; a status update its identity and what it changed.
    expect(created!.partial).toBeUndefined();
    expect(loading!.partial).toBe(true);
    expect(departed!.partial).toBe(true);
    const whole = created!.shipment as Record<string, unknown>;
    const patch = departed!.shipment as Record<string, unknown>;
    for (const key of SHIPMENT_EVENT_IDENTITY) expect(patch).toHaveProperty(key);
    expect(patch).toMatchObject({ status: 'departed', lastPosition: { lat: 42.9, lng: 74.6 } });
    // The plan does not change with a status: it is not sent again.
    for (const key of ['places', 'origin', 'destination', 'documents', 'route', 'notes']) {
      expect(patch).not.toHaveProperty(key);
    }
    expect(JSON.stringify(departed).length).toBeLessThan(JSON.stringify(created).length / 2);

    // Merged in order, the events give exactly the shipment the API answers now.
    const merged = { ...whole, ...(loading!.shipment as object), ...patch };
    const now = await request(app.url).get(`/api/shipments/${shipment.id}`).set(coordinator.auth).expect(200);
    const summaryNow = Object.fromEntries(Object.keys(whole).map((key) => [key, now.body[key]]));
    expect(merged).toEqual(summaryNow);
    // The catch-up answers the same events as were sent.
    await app.karavan.live.idle();
    const missed = await request(app.url)
      .get('/api/events')
      .query({ after: (created!.seq as number) - 1, room: `shipment:${shipment.id}` })
      .set(coordinator.auth)
      .expect(200);
    expect(missed.body.items.map((e: { payload: unknown }) => e.payload)).toEqual([created, loading, departed]);
    await expectReconciled();
  });
});
