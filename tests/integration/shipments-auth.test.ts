import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { SHIPMENT_STATUSES, SHIPMENT_TRANSITIONS, type ShipmentDto, type ShipmentStatus } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, expectReconciled, nextAt, sendUpdate, type Scene } from '../support/shipments';

// Who may move a shipment (DOMAIN.md): coordinators and organisers every step; the assigned
// driver departed, at_checkpoint, arrived, delivered on their own shipment only.

let app: TestApp;
let organiser: Awaited<ReturnType<typeof signedIn>>;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let scene: Scene;
beforeAll(async () => {
  app = await startTestApp();
  [organiser, coordinator] = await Promise.all([
    signedIn(app.url, { role: 'organiser' }),
    signedIn(app.url, { role: 'coordinator' }),
  ]);
  scene = await buildScene(app.url, { stock: 100_000 });
});
afterAll(() => app.close());

const api = () => request(app.url);

/** The path from planned to each status (through one checkpoint). */
const PATH: Record<ShipmentStatus, ShipmentStatus[]> = {
  planned: [],
  loading: ['loading'],
  departed: ['loading', 'departed'],
  at_checkpoint: ['loading', 'departed', 'at_checkpoint'],
  arrived: ['loading', 'departed', 'arrived'],
  delivered: ['loading', 'departed', 'arrived', 'delivered'],
  cancelled: ['cancelled'],
};
const extra = (status: ShipmentStatus) =>
  status === 'delivered' ? { receivedBy: 'Получатель', lines: [{ itemId: scene.item.id, received: 10 }] } : {};

async function shipmentAt(status: ShipmentStatus): Promise<ShipmentDto> {
  const shipment = await createShipment(app.url, coordinator.auth, scene, {
    lines: [{ itemId: scene.item.id, quantity: 10 }],
  });
  for (const step of PATH[status]) {
    const res = await sendUpdate(app.url, coordinator.auth, shipment.id, step, extra(step));
    if (res.status !== 200) throw new Error(`${step}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return shipment;
}

type Who = 'organiser' | 'coordinator' | 'assigned driver' | 'other driver';
const who: Who[] = ['organiser', 'coordinator', 'assigned driver', 'other driver'];
const authOf = (w: Who) =>
  ({
    organiser: organiser.auth,
    coordinator: coordinator.auth,
    'assigned driver': scene.driver.auth,
    'other driver': scene.otherDriver.auth,
  })[w];

/** What the rules say the answer must be. */
function expected(w: Who, from: ShipmentStatus, to: ShipmentStatus): number {
  if (w === 'other driver') return 403;
  if (w === 'assigned driver' && !['departed', 'at_checkpoint', 'arrived', 'delivered'].includes(to)) return 403;
  return SHIPMENT_TRANSITIONS[from].includes(to) ? 200 : 409;
}

describe('POST /api/shipments/:id/updates: every transition for every role', () => {
  for (const from of SHIPMENT_STATUSES) {
    test(`When a shipment is ${from}, then each role may make exactly the moves the state machine and the rights allow`, async () => {
      const outcomes: string[] = [];
      const wanted: string[] = [];
      // Refusals change nothing, so one shipment serves until a move is applied; then a fresh one.
      let shipment = await shipmentAt(from);
      for (const to of SHIPMENT_STATUSES) {
        for (const w of who) {
          const res = await sendUpdate(app.url, authOf(w), shipment.id, to, extra(to));
          outcomes.push(`${w}: ${from} -> ${to} = ${res.status}`);
          wanted.push(`${w}: ${from} -> ${to} = ${expected(w, from, to)}`);
          if (res.status === 409) {
            expect(res.body.code).toBe('CONFLICT');
            expect(res.body.details.every((d: { type: string }) => d.type === 'allowed')).toBe(true);
            const allowed =
              w === 'assigned driver'
                ? SHIPMENT_TRANSITIONS[from].filter((s) =>
                    ['departed', 'at_checkpoint', 'arrived', 'delivered'].includes(s),
                  )
                : SHIPMENT_TRANSITIONS[from];
            if (allowed.length > 0)
              expect(res.body.details.map((d: { message: string }) => d.message)).toEqual(allowed);
          }
          if (res.status === 200) {
            expect(res.body.shipment.status).toBe(to);
            shipment = await shipmentAt(from);
          }
        }
      }
      expect(outcomes).toEqual(wanted);
    });
  }

  afterAll(() => expectReconciled());
});

describe('Driver authorisation on every route', () => {
  test('When a driver reaches for a shipment that is not theirs, then every route answers 403 and nothing changes', async () => {
    const shipment = await shipmentAt('departed');
    const other = scene.otherDriver.auth;
    const id = shipment.id;
    expect((await api().get(`/api/shipments/${id}`).set(other)).status).toBe(403);
    expect((await sendUpdate(app.url, other, id, 'arrived')).status).toBe(403);
    expect((await api().patch(`/api/shipments/${id}/privacy`).set(other).send({ privacyMode: true })).status).toBe(403);
    expect((await api().post(`/api/shipments/${id}/documents/waybill`).set(other).send({ checked: true })).status).toBe(
      403,
    );
    expect((await api().patch(`/api/shipments/${id}`).set(other).send({ route: [] })).status).toBe(403);
    expect((await api().post('/api/shipments').set(other).send({})).status).toBe(403);
    const list = await api().get('/api/shipments').set(other);
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: { id: string }) => s.id)).not.toContain(id);
    const asked = await api().get('/api/shipments').query({ driverId: scene.driver.user.id }).set(other);
    expect(asked.body.items).toEqual([]);
    expect((await api().get(`/api/shipments/${id}`).set(coordinator.auth)).body.status).toBe('departed');
  });

  test('When the assigned driver uses every route, then reading, reporting, privacy and ticks work and planning does not', async () => {
    const shipment = await shipmentAt('loading');
    const mine = scene.driver.auth;
    const id = shipment.id;
    expect((await api().get(`/api/shipments/${id}`).set(mine)).status).toBe(200);
    const list = await api().get('/api/shipments').query({ active: true }).set(mine);
    expect(list.body.items.map((s: { id: string }) => s.id)).toContain(id);
    expect(list.body.items.every((s: { driverId: string }) => s.driverId === scene.driver.user.id)).toBe(true);
    expect(
      (await api().post(`/api/shipments/${id}/documents/waybill`).set(mine).send({})).body.documents[0].checked,
    ).toBe(true);
    expect((await api().post(`/api/shipments/${id}/documents/nothing`).set(mine).send({})).status).toBe(404);
    expect(
      (await api().patch(`/api/shipments/${id}/privacy`).set(mine).send({ privacyMode: true })).body.privacyMode,
    ).toBe(true);
    expect((await api().patch(`/api/shipments/${id}`).set(mine).send({ route: [] })).status).toBe(403);
    expect((await sendUpdate(app.url, mine, id, 'cancelled')).status).toBe(403);
    expect((await sendUpdate(app.url, mine, id, 'departed')).status).toBe(200);
  });

  test('When a route is called without a token, then 401', async () => {
    const shipment = await shipmentAt('planned');
    expect((await api().get('/api/shipments')).status).toBe(401);
    expect((await api().get(`/api/shipments/${shipment.id}`)).status).toBe(401);
    expect((await api().post(`/api/shipments/${shipment.id}/updates`).send({})).status).toBe(401);
  });
});

describe('A disabled driver', () => {
  test("When a disabled driver's phone sends its queued updates, then they are refused with 401 ACCOUNT_DISABLED and nothing changes", async () => {
    const driver = await signedIn(app.url, { role: 'driver' });
    const shipment = await createShipment(app.url, coordinator.auth, scene, {
      driverId: driver.user.id,
      lines: [{ itemId: scene.item.id, quantity: 10 }],
    });
    await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading');
    expect((await api().patch(`/api/users/${driver.user.id}`).set(organiser.auth).send({ active: false })).status).toBe(
      200,
    );
    const res = await sendUpdate(app.url, driver.auth, shipment.id, 'departed');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('ACCOUNT_DISABLED');
    expect((await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body.status).toBe('loading');
    const forged = await api().get('/api/shipments').set({ Authorization: 'Bearer not-a-token' });
    expect(forged.body.code).toBe('UNAUTHENTICATED');
  });
});

describe('Privacy mode', () => {
  test('When privacy mode is on, then positions are dropped except at checkpoints, arrival and delivery', async () => {
    const shipment = await shipmentAt('loading');
    const mine = scene.driver.auth;
    await api().patch(`/api/shipments/${shipment.id}/privacy`).set(mine).send({ privacyMode: true });
    const position = { lat: 43.1, lng: 75.2, accuracyM: 12 };
    await sendUpdate(app.url, mine, shipment.id, 'departed', { position });
    await sendUpdate(app.url, mine, shipment.id, 'at_checkpoint', { position, checkpointId: scene.checkpoint.id });
    const res = await sendUpdate(app.url, mine, shipment.id, 'departed', { position });
    const history = res.body.shipment.history as { status: string; position: unknown }[];
    expect(history.slice(-3).map((h) => [h.status, h.position])).toEqual([
      ['departed', null],
      ['at_checkpoint', position],
      ['departed', null],
    ]);
    expect(res.body.shipment.lastPosition).toMatchObject({ lat: 43.1, lng: 75.2 });
  });
});

describe('PATCH /api/shipments/:id', () => {
  test('When a coordinator changes the plan, then driver, vehicle, documents and route change; lines until departure', async () => {
    const shipment = await shipmentAt('planned');
    const res = await api()
      .patch(`/api/shipments/${shipment.id}`)
      .set(coordinator.auth)
      .send({
        driverId: scene.otherDriver.user.id,
        vehicle: { plate: '02KG', kind: 'van', capacityKg: 2 },
        documents: [{ key: 'waybill' }, { key: 'customs_declaration' }, { key: 'photos', label: 'Фото груза' }],
        lines: [{ itemId: scene.item.id, quantity: 20 }],
      });
    expect(res.status).toBe(200);
    expect(res.body.driverId).toBe(scene.otherDriver.user.id);
    expect(res.body.documents.map((d: { label: string }) => d.label)).toEqual([
      'Товарно-транспортная накладная',
      'Таможенная декларация',
      'Фото груза',
    ]);
    expect(res.body.warnings).toEqual([expect.objectContaining({ code: 'OVER_CAPACITY' })]);
    expect(res.body.lines[0].quantity).toBe(20);
    await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading');
    const whileLoading = await api()
      .patch(`/api/shipments/${shipment.id}`)
      .set(coordinator.auth)
      .send({ lines: [{ itemId: scene.item.id, quantity: 5 }] });
    expect(whileLoading.status).toBe(200);
    expect(whileLoading.body.lines[0].lots.reduce((n: number, l: { quantity: number }) => n + l.quantity, 0)).toBe(5);
    await sendUpdate(app.url, coordinator.auth, shipment.id, 'departed');
    const refused = await api()
      .patch(`/api/shipments/${shipment.id}`)
      .set(coordinator.auth)
      .send({ lines: [{ itemId: scene.item.id, quantity: 4 }] });
    expect(refused.status).toBe(409);
  });

  test('When an organiser replays an update with a fresh id on another device, then it is a new update', async () => {
    const shipment = await shipmentAt('planned');
    const body = { id: randomUUID(), status: 'loading', at: nextAt() };
    expect((await api().post(`/api/shipments/${shipment.id}/updates`).set(organiser.auth).send(body)).status).toBe(200);
    const other = await shipmentAt('planned');
    const reused = await api().post(`/api/shipments/${other.id}/updates`).set(organiser.auth).send(body);
    expect(reused.status).toBe(422);
  });
});

describe('What a driver sees of their shipment', () => {
  test('When the assigned driver reads their shipment, then it names its places and items, which they may not look up', async () => {
    const shipment = await createShipment(app.url, coordinator.auth, scene, {
      lines: [{ itemId: scene.item.id, quantity: 5 }],
    });
    await api().get(`/api/locations/${scene.origin.id}`).set(scene.driver.auth).expect(403);
    const res = await api().get(`/api/shipments/${shipment.id}`).set(scene.driver.auth).expect(200);
    const seen = res.body as ShipmentDto;
    expect(seen.origin).toEqual({ id: scene.origin.id, name: scene.origin.name });
    expect(seen.destination).toEqual({ id: scene.destination.id, name: scene.destination.name });
    expect(seen.places).toEqual([{ id: scene.checkpoint.id, name: scene.checkpoint.name }]);
    expect(seen.lines[0]!.item).toEqual({ name: scene.item.name, baseUnit: scene.item.baseUnit });
    const list = await api().get('/api/shipments').set(scene.driver.auth).expect(200);
    const listed = (list.body.items as ShipmentDto[]).find((s) => s.id === shipment.id)!;
    expect(listed.destination?.name).toEqual(scene.destination.name);
  });
});
