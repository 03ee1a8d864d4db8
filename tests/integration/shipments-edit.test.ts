import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { shipmentSchema, type ShipmentDto } from '@karavan/shared';
import { repairStockOps } from '../../server/src/stock';
import { Balance } from '../../server/src/stock/stock.model';
import { Shipment } from '../../server/src/shipments/shipments.model';
import { clearFaults, injectFault } from '../../server/src/db/operations';
import type { HistoryEntry, ShipmentLine } from '../../server/src/shipments/shipments.model';
import { startTestApp, type TestApp } from '../support/app';
import { buildItem, buildLocation } from '../support/catalogue';
import { signedIn } from '../support/factories';
import {
  buildScene,
  createShipment,
  expectReconciled,
  inDays,
  receiveStock,
  sendUpdate,
  type Scene,
} from '../support/shipments';
import { openSocket, ready } from '../support/sockets';

// Changing a shipment's plan before departure (PATCH /api/shipments/:id): every planning field,
// and lines of a loading shipment, whose reservation follows them.

let app: TestApp;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp();
  coordinator = await signedIn(app.url, { role: 'coordinator' });
});
afterAll(() => app.close());
afterEach(() => {
  clearFaults();
});

const FAR_FUTURE = new Date(Date.now() + 365 * 24 * 3_600_000);
const api = () => request(app.url);
const patch = (id: string, body: Record<string, unknown>) =>
  api().patch(`/api/shipments/${id}`).set(coordinator.auth).send(body);
const balance = async (locationId: string, lotId: string) => {
  const b = await Balance.findById(`${locationId}:${lotId}`).lean();
  return { onHand: b?.onHand ?? 0, reserved: b?.reserved ?? 0 };
};
async function loaded(s: Scene, overrides: Record<string, unknown> = {}): Promise<ShipmentDto> {
  const shipment = await createShipment(app.url, coordinator.auth, s, overrides);
  const res = await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading');
  expect(res.status).toBe(200);
  return res.body.shipment as ShipmentDto;
}

describe('PATCH /api/shipments/:id on a planned shipment', () => {
  test('When a coordinator changes destination, route, driver, vehicle, times, notes and lines, then the plan says so and nothing moves in stock', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s, { notes: 'Позвонить до выезда' });
    expect(shipment.notes).toBe('Позвонить до выезда');
    const warehouse = await buildLocation({ kind: 'warehouse', name: `Склад ${randomUUID()}` });
    const milk = await buildItem({ name: { ru: `Молоко ${randomUUID()}`, en: `Milk ${randomUUID()}` } });

    const res = await patch(shipment.id, {
      destinationId: warehouse.id,
      route: [],
      driverId: s.otherDriver.user.id,
      vehicle: { plate: '02KG123BBB', kind: 'van', capacityKg: null },
      plannedDepartureAt: '2030-02-01T06:00:00.000Z',
      estimatedRouteHours: 12,
      notes: '  Через Кордай не ехать  ',
      lines: [
        { itemId: s.item.id, quantity: 3, unit: 'crate' },
        { itemId: milk.id, quantity: 40 },
      ],
    });
    expect(res.status).toBe(200);
    expect(shipmentSchema.validate(res.body).error).toBeUndefined();
    expect(res.body).toMatchObject({
      status: 'planned',
      destinationId: warehouse.id,
      destinationKind: 'warehouse',
      destination: { id: warehouse.id, name: warehouse.name },
      route: [],
      places: [],
      driverId: s.otherDriver.user.id,
      vehicle: { plate: '02KG123BBB', kind: 'van', capacityKg: null },
      plannedDepartureAt: '2030-02-01T06:00:00.000Z',
      estimatedRouteHours: 12,
      estimatedArrivalAt: '2030-02-01T18:00:00.000Z',
      notes: 'Через Кордай не ехать',
    });
    expect(
      res.body.lines.map((l: { itemId: string; quantity: number; lots: unknown[] }) => [l.itemId, l.quantity, l.lots]),
    ).toEqual([
      [s.item.id, 36, []],
      [milk.id, 40, []],
    ]);
    expect(res.body.lines[1].item.name.ru).toBe(milk.name.ru);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 1000, reserved: 0 });

    const cleared = await patch(shipment.id, { notes: '' });
    expect(cleared.body.notes).toBeNull();
  });

  test('When the destination is a checkpoint, the origin itself or unknown, then 422 names the field and nothing changes', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    for (const destinationId of [s.checkpoint.id, s.origin.id, '0123456789abcdef01234567']) {
      const res = await patch(shipment.id, { destinationId });
      expect(res.status).toBe(422);
      expect(res.body.details[0].path).toBe('body.destinationId');
    }
    const driverRefused = await patch(shipment.id, { driverId: coordinator.user.id });
    expect(driverRefused.status).toBe(422);
    expect(driverRefused.body.details[0].path).toBe('body.driverId');
    expect((await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body.destinationId).toBe(
      s.destination.id,
    );
  });

  test('When the notes are too long or carry control characters, then 400 names the field', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    for (const notes of ['x'.repeat(2001), 'bell\u0007']) {
      const res = await patch(shipment.id, { notes });
      expect(res.status).toBe(400);
      expect(res.body.details[0].path).toBe('body.notes');
    }
  });
});

describe('PATCH /api/shipments/:id lines on a loading shipment', () => {
  test('When a line grows, then the extra is reserved first-expired-first-out next to the lots it had', async () => {
    const s = await buildScene(app.url, { stock: 100 });
    const sooner = await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: s.item.id,
      quantity: 50,
      expiresAt: inDays(5),
    });
    const shipment = await loaded(s, { lines: [{ itemId: s.item.id, quantity: 40 }] });
    expect(shipment.lines[0]!.lots.map((l) => [l.lotId, l.quantity])).toEqual([[sooner, 40]]);

    const res = await patch(shipment.id, { lines: [{ itemId: s.item.id, quantity: 120 }] });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('loading');
    expect(res.body.lines[0].quantity).toBe(120);
    expect(res.body.lines[0].lots.map((l: { lotId: string; quantity: number }) => [l.lotId, l.quantity])).toEqual([
      [sooner, 50],
      [s.lotId, 70],
    ]);
    expect(await balance(s.origin.id, sooner)).toEqual({ onHand: 50, reserved: 50 });
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 100, reserved: 70 });
    await expectReconciled();
  });

  test('When a line shrinks, an item is removed and another added, then the latest-expiring lots are released first and the new item is reserved', async () => {
    const s = await buildScene(app.url, { stock: 100 });
    const sooner = await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: s.item.id,
      quantity: 50,
      expiresAt: inDays(5),
    });
    const bread = await buildItem({
      name: { ru: `Хлеб ${randomUUID()}`, en: `Bread ${randomUUID()}` },
      baseUnit: 'loaf',
      packs: [],
    });
    const breadLot = await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: bread.id,
      quantity: 300,
      expiresAt: inDays(3),
    });
    const milk = await buildItem({ name: { ru: `Молоко ${randomUUID()}`, en: `Milk ${randomUUID()}` } });
    const milkLot = await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: milk.id,
      quantity: 30,
      expiresAt: inDays(4),
    });
    const shipment = await loaded(s, {
      lines: [
        { itemId: s.item.id, quantity: 120 },
        { itemId: milk.id, quantity: 30 },
      ],
    });

    const res = await patch(shipment.id, {
      lines: [
        { itemId: s.item.id, quantity: 60 },
        { itemId: bread.id, quantity: 200 },
      ],
    });
    expect(res.status).toBe(200);
    const lots = (itemId: string) =>
      res.body.lines
        .find((l: { itemId: string }) => l.itemId === itemId)
        .lots.map((l: { lotId: string; quantity: number }) => [l.lotId, l.quantity]);
    expect(lots(s.item.id)).toEqual([
      [sooner, 50],
      [s.lotId, 10],
    ]);
    expect(lots(bread.id)).toEqual([[breadLot, 200]]);
    expect(res.body.lines).toHaveLength(2);
    expect(await balance(s.origin.id, sooner)).toEqual({ onHand: 50, reserved: 50 });
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 100, reserved: 10 });
    expect(await balance(s.origin.id, milkLot)).toEqual({ onHand: 30, reserved: 0 });
    expect(await balance(s.origin.id, breadLot)).toEqual({ onHand: 300, reserved: 200 });
    await expectReconciled();

    // What departs is what the manifest says.
    const departed = await sendUpdate(app.url, coordinator.auth, shipment.id, 'departed');
    expect(departed.status).toBe(200);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 90, reserved: 0 });
    expect(await balance(s.origin.id, breadLot)).toEqual({ onHand: 100, reserved: 0 });
    await expectReconciled();
  });

  test('When the origin lacks stock for the new lines, then 409 names the missing quantity and nothing changes', async () => {
    const s = await buildScene(app.url, { stock: 100 });
    const shipment = await loaded(s, { lines: [{ itemId: s.item.id, quantity: 80 }] });
    const res = await patch(shipment.id, { lines: [{ itemId: s.item.id, quantity: 150 }], notes: 'больше' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONFLICT');
    expect(res.body.details[0]).toMatchObject({ type: 'insufficient', path: `lines.${s.item.id}` });
    expect(res.body.details[0].message).toContain('missing 50');
    const after = (await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body as ShipmentDto;
    expect(after.lines[0]!.quantity).toBe(80);
    expect(after.notes).toBeNull();
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 100, reserved: 80 });
    await expectReconciled();
  });

  test('When the shipment has departed, then any change is 409', async () => {
    const s = await buildScene(app.url);
    const shipment = await loaded(s);
    expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'departed')).status).toBe(200);
    for (const body of [{ notes: 'поздно' }, { lines: [{ itemId: s.item.id, quantity: 5 }] }]) {
      const res = await patch(shipment.id, body);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('CONFLICT');
    }
  });

  test('When the changed shipment is cancelled, then exactly its new reservation is released', async () => {
    const s = await buildScene(app.url, { stock: 100 });
    const shipment = await loaded(s, { lines: [{ itemId: s.item.id, quantity: 30 }] });
    expect((await patch(shipment.id, { lines: [{ itemId: s.item.id, quantity: 70 }] })).status).toBe(200);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 100, reserved: 70 });
    expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'cancelled')).status).toBe(200);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 100, reserved: 0 });
    await expectReconciled();
  });

  test('When the process dies after the intent, then the repair drops it and stock is as before; after the stock moved, the repair finishes the change', async () => {
    const s = await buildScene(app.url, { stock: 100 });
    const shipment = await loaded(s, { lines: [{ itemId: s.item.id, quantity: 30 }] });

    injectFault('after-claims');
    expect((await patch(shipment.id, { lines: [{ itemId: s.item.id, quantity: 60 }] })).status).toBe(500);
    expect((await Shipment.findById(shipment.id).lean())!.pending).not.toBeNull();
    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 0, undone: 1 });
    let record = (await Shipment.findById(shipment.id).lean())!;
    expect(record.pending).toBeNull();
    expect(record.lines[0]!.quantity).toBe(30);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 100, reserved: 30 });
    await expectReconciled();

    injectFault('before-hooks');
    expect((await patch(shipment.id, { lines: [{ itemId: s.item.id, quantity: 60 }] })).status).toBe(500);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 100, reserved: 60 });
    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 1, undone: 0 });
    record = (await Shipment.findById(shipment.id).lean())!;
    expect(record.pending).toBeNull();
    expect(record.status).toBe('loading');
    expect(record.lines[0]!.quantity).toBe(60);
    expect((record.lines as ShipmentLine[])[0]!.lots.map((l) => l.quantity)).toEqual([60]);
    expect((record.history as HistoryEntry[]).map((h) => h.status)).toEqual(['loading']);
    await expectReconciled();
  });
});

describe('PATCH /api/shipments/:id racing other reservations', () => {
  test('When a line grows while another shipment loads from the same stock, then one of them is refused and nothing is oversold', async () => {
    const s = await buildScene(app.url, { stock: 100 });
    const first = await loaded(s, { lines: [{ itemId: s.item.id, quantity: 30 }] });
    const second = await createShipment(app.url, coordinator.auth, s, { lines: [{ itemId: s.item.id, quantity: 60 }] });
    const [grown, loading] = await Promise.all([
      patch(first.id, { lines: [{ itemId: s.item.id, quantity: 50 }] }),
      sendUpdate(app.url, coordinator.auth, second.id, 'loading'),
    ]);
    expect([grown.status, loading.status].sort()).toEqual([200, 409]);
    const reserved = (await balance(s.origin.id, s.lotId!)).reserved;
    expect(reserved).toBe(grown.status === 200 ? 50 : 90);
    expect(reserved).toBeLessThanOrEqual(100);
    await expectReconciled();
  });
});

describe('PATCH /api/shipments/:id live', () => {
  test('When a coordinator changes a shipment, then someone watching it gets shipment.updated with the new plan', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const watcher = await signedIn(app.url, { role: 'organiser' });
    const socket = openSocket(app.url, { token: watcher.tokens.accessToken });
    try {
      await ready(socket);
      const ack = await new Promise<{ ok: boolean }>((resolve) =>
        socket.emit('subscribe', { room: `shipment:${shipment.id}` }, resolve),
      );
      expect(ack.ok).toBe(true);
      const event = new Promise<{ shipment: ShipmentDto }>((resolve) =>
        (socket as unknown as { once(n: string, f: (p: { shipment: ShipmentDto }) => void): void }).once(
          'shipment.updated',
          resolve,
        ),
      );
      expect((await patch(shipment.id, { notes: 'Водитель сменился' })).status).toBe(200);
      expect((await event).shipment).toMatchObject({ id: shipment.id, notes: 'Водитель сменился' });
    } finally {
      socket.close();
    }
  });
});
