import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { shipmentSchema, shipmentUpdateResultSchema, type ShipmentDto } from '@karavan/shared';
import { Balance, CampaignTotal, Movement } from '../../server/src/stock/stock.model';
import { Types } from 'mongoose';
import { Shipment, ShipmentUpdate } from '../../server/src/shipments/shipments.model';
import { startTestApp, type TestApp } from '../support/app';
import { buildLocation } from '../support/catalogue';
import { signedIn } from '../support/factories';
import {
  buildScene,
  createShipment,
  expectReconciled,
  inDays,
  nextAt,
  receiveStock,
  sendUpdate,
  type Scene,
} from '../support/shipments';

let app: TestApp;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp();
  coordinator = await signedIn(app.url, { role: 'coordinator' });
});
afterAll(() => app.close());

const api = () => request(app.url);
const balance = async (locationId: string, lotId: string) => {
  const b = await Balance.findById(`${locationId}:${lotId}`).lean();
  return { onHand: b?.onHand ?? 0, reserved: b?.reserved ?? 0 };
};
const totals = async (s: Scene) => {
  const t = await CampaignTotal.findById(`${s.campaign.id}:${s.item.id}`).lean();
  return {
    donated: t?.donated ?? 0,
    onHand: t?.onHand ?? 0,
    reserved: t?.reserved ?? 0,
    inTransit: t?.inTransit ?? 0,
    delivered: t?.delivered ?? 0,
    writtenOff: t?.writtenOff ?? 0,
  };
};
const expectIdentity = async (s: Scene) => {
  const t = await totals(s);
  expect(t.donated).toBe(t.onHand + t.inTransit + t.delivered + t.writtenOff);
  return t;
};

/** Moves a shipment along as a coordinator. */
async function moveTo(shipment: ShipmentDto, statuses: string[], extra: Record<string, Record<string, unknown>> = {}) {
  let last: ShipmentDto = shipment;
  for (const status of statuses) {
    const res = await sendUpdate(app.url, coordinator.auth, shipment.id, status as never, extra[status] ?? {});
    expect(res.status).toBe(200);
    last = res.body.shipment;
  }
  return last;
}

describe('POST /api/shipments', () => {
  test('When a coordinator plans a shipment, then it is planned with a checklist, an estimated route time and pack units converted', async () => {
    const s = await buildScene(app.url);
    const res = await api()
      .post('/api/shipments')
      .set(coordinator.auth)
      .send({
        campaignId: s.campaign.id,
        originId: s.origin.id,
        destinationId: s.destination.id,
        driverId: s.driver.user.id,
        vehicle: { plate: '01KG777AAA', kind: 'truck', capacityKg: 5000 },
        plannedDepartureAt: '2030-01-10T06:00:00.000Z',
        route: [s.checkpoint.id],
        lines: [{ itemId: s.item.id, quantity: 10, unit: 'crate' }],
      });
    expect(res.status).toBe(201);
    expect(shipmentSchema.validate(res.body).error).toBeUndefined();
    const shipment = res.body as ShipmentDto;
    expect(shipment.status).toBe('planned');
    expect(shipment.lines).toEqual([
      {
        itemId: s.item.id,
        item: { name: s.item.name, baseUnit: s.item.baseUnit },
        quantity: 120,
        lots: [],
        received: null,
        writtenOff: null,
        reason: null,
      },
    ]);
    expect(shipment.documents.map((d) => d.key)).toEqual(['waybill', 'donation_letter', 'veterinary_certificate']);
    expect(shipment.estimatedRouteHours).toBeGreaterThan(4);
    expect(shipment.estimatedArrivalAt).not.toBeNull();
    const planned = await api()
      .patch(`/api/shipments/${shipment.id}`)
      .set(coordinator.auth)
      .send({ plannedArrivalAt: '2030-01-10T14:30:00.000Z' });
    expect(planned.body).toMatchObject({ estimatedRouteHours: 8.5, estimatedArrivalAt: '2030-01-10T14:30:00.000Z' });
    expect(shipment.loadKg).toBe(126);
    expect(shipment.history).toEqual([]);
    expect((await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body.id).toBe(shipment.id);
  });

  test('When the same create is sent twice with one Idempotency-Key, then one shipment exists', async () => {
    const s = await buildScene(app.url, { stock: 0 });
    const key = randomUUID();
    const body = {
      campaignId: s.campaign.id,
      originId: s.origin.id,
      destinationId: s.destination.id,
      lines: [{ itemId: s.item.id, quantity: 5 }],
    };
    const first = await api().post('/api/shipments').set(coordinator.auth).set('Idempotency-Key', key).send(body);
    const second = await api().post('/api/shipments').set(coordinator.auth).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
  });

  test('When the driver is not a driver, the route not a checkpoint or the unit unknown, then 422 names each field', async () => {
    const s = await buildScene(app.url, { stock: 0 });
    const res = await api()
      .post('/api/shipments')
      .set(coordinator.auth)
      .send({
        campaignId: s.campaign.id,
        originId: s.origin.id,
        destinationId: s.destination.id,
        driverId: coordinator.user.id,
        lines: [{ itemId: s.item.id, quantity: 5 }],
      });
    expect(res.status).toBe(422);
    expect(res.body.details[0].path).toBe('body.driverId');
    const route = await api()
      .post('/api/shipments')
      .set(coordinator.auth)
      .send({
        campaignId: s.campaign.id,
        originId: s.origin.id,
        destinationId: s.destination.id,
        route: [s.destination.id],
        lines: [{ itemId: s.item.id, quantity: 5 }],
      });
    expect(route.status).toBe(422);
    expect(route.body.details[0].path).toBe('body.route.0');
    const unit = await api()
      .post('/api/shipments')
      .set(coordinator.auth)
      .send({
        campaignId: s.campaign.id,
        originId: s.origin.id,
        destinationId: s.destination.id,
        lines: [{ itemId: s.item.id, quantity: 5, unit: 'barrel' }],
      });
    expect(unit.status).toBe(422);
    expect(unit.body.details[0].path).toBe('body.lines.0.unit');
    const bad = await api().post('/api/shipments').set(coordinator.auth).send({ campaignId: 'x', lines: [] });
    expect(bad.status).toBe(400);
    const arrival = await api()
      .post('/api/shipments')
      .set(coordinator.auth)
      .send({
        campaignId: s.campaign.id,
        originId: s.origin.id,
        destinationId: s.destination.id,
        plannedArrivalAt: '2030-01-10T06:00:00.000Z',
        lines: [{ itemId: s.item.id, quantity: 5 }],
      });
    expect(arrival.status).toBe(422);
    expect(arrival.body.details[0].path).toBe('body.plannedArrivalAt');
  });
});

describe('The whole journey through the API', () => {
  test('When kefir goes from a Bishkek collection point through Kordai to an Almaty distribution point, then every step is recorded and every litre accounted for', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const driver = s.driver.auth;

    const t0 = Date.now() - 10 * 3_600_000;
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    const loading = await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading', {
      note: 'грузим',
      at: at(-30),
    });
    expect(loading.status).toBe(200);
    expect(shipmentUpdateResultSchema.validate(loading.body).error).toBeUndefined();
    expect(loading.body.applied).toBe(true);
    expect(loading.body.shipment.lines[0].lots).toEqual([
      { lotId: s.lotId, quantity: 100, expiresAt: expect.any(String) },
    ]);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 1000, reserved: 100 });

    const tick = await api()
      .post(`/api/shipments/${shipment.id}/documents/waybill`)
      .set(driver)
      .send({ checked: true });
    expect(tick.status).toBe(200);
    expect(tick.body.documents.find((d: { key: string }) => d.key === 'waybill').checked).toBe(true);

    const departed = await sendUpdate(app.url, driver, shipment.id, 'departed', {
      at: at(0),
      position: { lat: 42.87, lng: 74.61 },
    });
    expect(departed.status).toBe(200);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 900, reserved: 0 });
    expect((await totals(s)).inTransit).toBe(100);

    const border = await sendUpdate(app.url, driver, shipment.id, 'at_checkpoint', {
      at: at(60),
      position: { lat: 43.03, lng: 74.7 },
    });
    expect(border.status).toBe(200);
    expect(border.body.shipment.status).toBe('at_checkpoint');
    expect(border.body.shipment.checkpoints).toEqual([
      { locationId: s.checkpoint.id, arrivedAt: at(60), departedAt: null, waitMinutes: null },
    ]);
    await sendUpdate(app.url, driver, shipment.id, 'departed', { at: at(60 + 185) });
    const arrived = await sendUpdate(app.url, driver, shipment.id, 'arrived', {
      at: at(400),
      position: { lat: 43.23, lng: 76.88 },
    });
    expect(arrived.body.shipment.status).toBe('arrived');

    const delivered = await sendUpdate(app.url, driver, shipment.id, 'delivered', {
      at: at(420),
      receivedBy: 'Айгерим, склад Алматы',
      lines: [{ itemId: s.item.id, received: 100 }],
    });
    expect(delivered.status).toBe(200);
    const final = (await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body as ShipmentDto;
    expect(final.status).toBe('delivered');
    expect(final.receivedBy).toBe('Айгерим, склад Алматы');
    expect(final.checkpoints).toEqual([
      { locationId: s.checkpoint.id, arrivedAt: at(60), departedAt: at(245), waitMinutes: 185 },
    ]);
    expect(final.history.map((h) => [h.status, h.applied])).toEqual([
      ['loading', true],
      ['departed', true],
      ['at_checkpoint', true],
      ['departed', true],
      ['arrived', true],
      ['delivered', true],
    ]);
    expect(final.history[1]!).toMatchObject({
      actorId: s.driver.user.id,
      actorRole: 'driver',
      position: { lat: 42.87, lng: 74.61 },
    });
    expect(final.history[0]!.note).toBe('грузим');
    expect(final.lastHeardAt).toBe(final.history[5]!.receivedAt);
    expect(final.lastPosition).toEqual({ lat: 43.23, lng: 76.88, at: at(400) });
    expect(await totals(s)).toEqual({
      donated: 1000,
      onHand: 900,
      reserved: 0,
      inTransit: 0,
      delivered: 100,
      writtenOff: 0,
    });
    const list = await api().get('/api/shipments').query({ campaignId: s.campaign.id }).set(coordinator.auth);
    expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([shipment.id]);
    expect(list.body.items[0].history).toBeUndefined();
    await expectReconciled();
  });
});

describe('Loading', () => {
  test('When two lots are at the origin, then loading takes the one expiring first, then the next', async () => {
    const s = await buildScene(app.url, { stock: 0 });
    const late = await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: s.item.id,
      quantity: 80,
      expiresAt: inDays(9),
    });
    const early = await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: s.item.id,
      quantity: 60,
      expiresAt: inDays(4),
    });
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const res = await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading');
    expect(res.status).toBe(200);
    expect(
      res.body.shipment.lines[0].lots.map((l: { lotId: string; quantity: number }) => [l.lotId, l.quantity]),
    ).toEqual([
      [early, 60],
      [late, 40],
    ]);
    expect(res.body.shipment.warnings).toEqual([]);
    await expectReconciled();
  });

  test('When a lot expires before the estimated arrival, then loading warns for that lot and stores the warning', async () => {
    const s = await buildScene(app.url, { stock: 0 });
    const soon = await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: s.item.id,
      quantity: 100,
      expiresAt: new Date(Date.now() + 5 * 3_600_000),
      shelfLifeHours: 24,
    });
    const shipment = await createShipment(app.url, coordinator.auth, s, { estimatedRouteHours: 12 });
    const res = await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading');
    expect(res.status).toBe(200);
    expect(res.body.shipment.warnings).toEqual([
      expect.objectContaining({ code: 'EXPIRES_BEFORE_ARRIVAL', itemId: s.item.id, lotId: soon }),
    ]);
    const stored = (await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body;
    expect(stored.warnings[0]!.code).toBe('EXPIRES_BEFORE_ARRIVAL');
  });

  test('When the load is heavier than the vehicle can carry, then the shipment warns', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s, {
      vehicle: { plate: '01KG1', kind: 'van', capacityKg: 50 },
    });
    expect(shipment.warnings).toEqual([expect.objectContaining({ code: 'OVER_CAPACITY' })]);
    const res = await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading');
    expect(res.body.shipment.warnings).toEqual([expect.objectContaining({ code: 'OVER_CAPACITY' })]);
    expect(res.body.shipment.loadKg).toBe(105);
  });

  test('When the origin has too little, then loading is 409 with the missing quantity and nothing is reserved', async () => {
    const s = await buildScene(app.url, { stock: 30 });
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const res = await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONFLICT');
    expect(res.body.details[0].type).toBe('insufficient');
    expect(res.body.details[0].message).toContain('missing 70');
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 30, reserved: 0 });
    const after = (await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body;
    expect(after.status).toBe('planned');
    expect(after.history).toEqual([]);
    await expectReconciled();
  });

  test('When a coordinator picks lots, then those are reserved; an expired lot is refused', async () => {
    const s = await buildScene(app.url, { stock: 0 });
    const a = await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: s.item.id,
      quantity: 100,
      expiresAt: inDays(3),
    });
    const b = await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: s.item.id,
      quantity: 100,
      expiresAt: inDays(8),
    });
    const expired = await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: s.item.id,
      quantity: 100,
      expiresAt: inDays(-2),
    });
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const refused = await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading', {
      lots: [{ lotId: expired, quantity: 100 }],
    });
    expect(refused.status).toBe(409);
    expect(refused.body.details[0].type).toBe('expired');
    const wrongSum = await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading', {
      lots: [{ lotId: b, quantity: 30 }],
    });
    expect(wrongSum.status).toBe(422);
    const res = await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading', {
      lots: [
        { lotId: b, quantity: 70 },
        { lotId: a, quantity: 30 },
      ],
    });
    expect(res.status).toBe(200);
    expect(await balance(s.origin.id, b)).toEqual({ onHand: 100, reserved: 70 });
    expect(await balance(s.origin.id, a)).toEqual({ onHand: 100, reserved: 30 });
    await expectReconciled();
  });
});

describe('Cancellation', () => {
  test('When a loaded shipment is cancelled, then its reservation is released; after departure it cannot be', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    await moveTo(shipment, ['loading']);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 1000, reserved: 100 });
    const cancelled = await moveTo(shipment, ['cancelled']);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.lines[0]!.lots).toEqual([]);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 1000, reserved: 0 });

    const other = await createShipment(app.url, coordinator.auth, s);
    await moveTo(other, ['loading', 'departed']);
    const late = await sendUpdate(app.url, coordinator.auth, other.id, 'cancelled');
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('CONFLICT');
    expect(late.body.details.map((d: { message: string }) => d.message)).toEqual(['at_checkpoint', 'arrived']);
    await expectReconciled();
  });

  test('When a planned shipment is cancelled, then nothing moves in stock', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    expect((await moveTo(shipment, ['cancelled'])).status).toBe('cancelled');
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 1000, reserved: 0 });
  });
});

describe('Delivery', () => {
  test('When less arrives than was sent, then the shortfall needs a reason and is written off, keeping donated = onHand + inTransit + delivered + writtenOff', async () => {
    const s = await buildScene(app.url, { stock: 0 });
    const early = await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: s.item.id,
      quantity: 40,
      expiresAt: inDays(3),
    });
    await receiveStock({
      locationId: s.origin.id,
      campaignId: s.campaign.id,
      itemId: s.item.id,
      quantity: 200,
      expiresAt: inDays(9),
    });
    const shipment = await createShipment(app.url, coordinator.auth, s);
    await moveTo(shipment, ['loading', 'departed', 'arrived']);
    expect((await expectIdentity(s)).inTransit).toBe(100);

    const noReason = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      receivedBy: 'Алия',
      lines: [{ itemId: s.item.id, received: 90 }],
    });
    expect(noReason.status).toBe(422);
    expect(noReason.body.details[0].path).toBe('body.lines.0.reason');
    const tooMany = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      receivedBy: 'Алия',
      lines: [{ itemId: s.item.id, received: 101 }],
    });
    expect(tooMany.status).toBe(422);
    const noReceiver = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', { lines: [] });
    expect(noReceiver.status).toBe(422);

    const res = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      receivedBy: 'Алия',
      lines: [{ itemId: s.item.id, received: 88, reason: 'spoiled' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.shipment.lines[0]).toMatchObject({
      quantity: 100,
      received: 88,
      writtenOff: 12,
      reason: 'spoiled',
    });
    const t = await expectIdentity(s);
    expect(t).toMatchObject({ donated: 240, onHand: 140, inTransit: 0, delivered: 88, writtenOff: 12 });
    const movements = await Movement.find({ shipmentId: shipment.id, kind: 'written_off_in_transit' }).lean();
    expect(movements.map((m) => [m.lotId, m.quantity, m.reason])).toEqual([[early, -12, 'spoiled']]);
    await expectReconciled();
  });

  test('When a shipment goes to a warehouse, then what arrives enters the warehouse stock in the same lots', async () => {
    const s = await buildScene(app.url, { destinationKind: 'warehouse' });
    const shipment = await createShipment(app.url, coordinator.auth, s);
    await moveTo(shipment, ['loading', 'departed', 'arrived']);
    const res = await sendUpdate(app.url, coordinator.auth, shipment.id, 'delivered', {
      receivedBy: 'Склад',
      lines: [{ itemId: s.item.id, received: 95, reason: 'damaged' }],
    });
    expect(res.status).toBe(200);
    expect(await balance(s.destination.id, s.lotId!)).toEqual({ onHand: 95, reserved: 0 });
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 900, reserved: 0 });
    expect(await expectIdentity(s)).toMatchObject({ onHand: 995, inTransit: 0, delivered: 0, writtenOff: 5 });
    await expectReconciled();
  });
});

describe('Duplicate and out-of-order updates', () => {
  test('When the same update is sent twice, then it counts once and the second answer is the first', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const body = { id: randomUUID(), status: 'loading', at: nextAt() };
    const first = await api().post(`/api/shipments/${shipment.id}/updates`).set(coordinator.auth).send(body);
    const second = await api().post(`/api/shipments/${shipment.id}/updates`).set(coordinator.auth).send(body);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 1000, reserved: 100 });
    expect(await ShipmentUpdate.countDocuments({ _id: body.id })).toBe(1);
    const reused = await api()
      .post(`/api/shipments/${shipment.id}/updates`)
      .set(coordinator.auth)
      .send({ ...body, note: 'другое' });
    expect(reused.status).toBe(422);
    await expectReconciled();
  });

  test('When copies of one update arrive at once, then it is applied once', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const body = { id: randomUUID(), status: 'loading', at: nextAt() };
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        api().post(`/api/shipments/${shipment.id}/updates`).set(coordinator.auth).send(body),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(answers.every((a) => a.body.applied === true)).toBe(true);
    expect(await balance(s.origin.id, s.lotId!)).toEqual({ onHand: 1000, reserved: 100 });
    const after = (await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body as ShipmentDto;
    expect(after.history).toHaveLength(1);
    await expectReconciled();
  });

  test('When an update arrives after a later one was applied, then it is kept in the history and not applied', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    await moveTo(shipment, ['loading', 'departed']);
    const t = Date.now() - 3_600_000;
    const arrived = await sendUpdate(app.url, s.driver.auth, shipment.id, 'arrived', {
      at: new Date(t + 30 * 60_000).toISOString(),
    });
    expect(arrived.body.applied).toBe(true);
    const late = await sendUpdate(app.url, s.driver.auth, shipment.id, 'at_checkpoint', {
      at: new Date(t + 10 * 60_000).toISOString(),
      checkpointId: s.checkpoint.id,
    });
    expect(late.status).toBe(200);
    expect(late.body.applied).toBe(false);
    expect(late.body.shipment.status).toBe('arrived');
    expect(
      late.body.shipment.history.map((h: { status: string; applied: boolean }) => [h.status, h.applied]).slice(-2),
    ).toEqual([
      ['arrived', true],
      ['at_checkpoint', false],
    ]);
  });

  test('When a driver reports a checkpoint, then one on the route or off it is taken, and a place that is no checkpoint is refused', async () => {
    const s = await buildScene(app.url);
    const organiser = await signedIn(app.url, { role: 'organiser' });
    const detour = await api()
      .post('/api/locations')
      .set(organiser.auth)
      .send({ name: 'КПП Ак-Жол', kind: 'checkpoint' })
      .expect(201);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    await moveTo(shipment, ['loading', 'departed']);
    const at = (checkpointId: string) =>
      sendUpdate(app.url, s.driver.auth, shipment.id, 'at_checkpoint', { checkpointId });

    const refused = await at(s.origin.id);
    expect(refused.status).toBe(422);
    expect(refused.body.details).toEqual([expect.objectContaining({ path: 'body.checkpointId', type: 'reference' })]);
    expect((await at(detour.body.id)).body).toMatchObject({ applied: true, shipment: { status: 'at_checkpoint' } });
    expect((await sendUpdate(app.url, s.driver.auth, shipment.id, 'departed')).status).toBe(200);
    const planned = await at(s.checkpoint.id);
    expect(planned.status).toBe(200);
    expect(planned.body.shipment.checkpoints.map((c: { locationId: string }) => c.locationId)).toEqual([
      detour.body.id,
      s.checkpoint.id,
    ]);
  });

  test('When a shipment changed elsewhere after this instance last wrote it, then a status update is decided on the shipment as it is, not as it was written here', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    // The last of these is a plain compare-and-set: this instance keeps the shipment as it wrote it.
    await moveTo(shipment, ['loading', 'departed', 'at_checkpoint']);
    const _id = new Types.ObjectId(shipment.id);

    // Another instance takes it on (every write increments the version): arriving is allowed now.
    await Shipment.collection.updateOne({ _id }, { $set: { status: 'departed' }, $inc: { version: 1 } });
    const arrival = { id: randomUUID(), status: 'arrived', at: nextAt() };
    const arrived = await api().post(`/api/shipments/${shipment.id}/updates`).set(s.driver.auth).send(arrival);
    expect(arrived.status).toBe(200);
    expect(arrived.body).toMatchObject({ applied: true, shipment: { status: 'arrived' } });

    // Another instance gives it to another driver: the first one is refused, also a copy of an
    // update they sent before, which would answer with the shipment as it is now.
    await Shipment.collection.updateOne({ _id }, { $set: { driverId: s.otherDriver.user.id }, $inc: { version: 1 } });
    const update = { id: randomUUID(), status: 'delivered', at: nextAt() };
    expect((await api().post(`/api/shipments/${shipment.id}/updates`).set(s.driver.auth).send(update)).status).toBe(
      403,
    );
    const copy = await api().post(`/api/shipments/${shipment.id}/updates`).set(s.driver.auth).send(arrival);
    expect(copy.status).toBe(403);
    expect(copy.body.shipment).toBeUndefined();

    const now = (await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth).expect(200))
      .body as ShipmentDto;
    expect(now.history.map((h) => h.status)).toEqual(['loading', 'departed', 'at_checkpoint', 'arrived']);
    expect(now.driverId).toBe(s.otherDriver.user.id);
    expect(await ShipmentUpdate.countDocuments({ _id: update.id })).toBe(0);
    await expectReconciled();
  });

  test('When a transition is impossible, then 409 names the allowed next statuses', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const res = await sendUpdate(app.url, coordinator.auth, shipment.id, 'arrived');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONFLICT');
    expect(res.body.details[0].type).toBe('allowed');
    expect(res.body.details.map((d: { message: string }) => d.message)).toEqual(['loading', 'cancelled']);
  });
});

describe('GET /api/shipments', () => {
  test('When filtered by active, status and driver, then only matching shipments come back with last status and position', async () => {
    const s = await buildScene(app.url);
    const a = await createShipment(app.url, coordinator.auth, s);
    const b = await createShipment(app.url, coordinator.auth, s, { driverId: s.otherDriver.user.id });
    const c = await createShipment(app.url, coordinator.auth, s);
    await moveTo(a, ['loading', 'departed'], { departed: { position: { lat: 42.9, lng: 74.7 } } });
    await moveTo(c, ['cancelled']);
    const q = (query: Record<string, unknown>) =>
      api()
        .get('/api/shipments')
        .query({ campaignId: s.campaign.id, ...query })
        .set(coordinator.auth);
    const ids = (res: request.Response) => res.body.items.map((x: { id: string }) => x.id);
    expect(ids(await q({ active: true }))).toEqual([b.id, a.id]);
    expect(ids(await q({ status: 'departed' }))).toEqual([a.id]);
    expect(ids(await q({ status: ['planned', 'cancelled'] }))).toEqual([c.id, b.id]);
    expect(ids(await q({ driverId: s.otherDriver.user.id }))).toEqual([b.id]);
    const row = (await q({ status: 'departed' })).body.items[0];
    expect(row.lastPosition).toMatchObject({ lat: 42.9, lng: 74.7 });
    expect(row.lastHeardAt).not.toBeNull();
  });

  test('When a shipment has been through a checkpoint with notes and positions, then its row in the list is its summary as one read gives it, checkpoint visits included', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const position = { lat: 43.0, lng: 74.7, accuracyM: 12 };
    const last = await moveTo(shipment, ['loading', 'departed', 'at_checkpoint', 'departed'], {
      departed: { position, note: 'в пути' },
      at_checkpoint: { checkpointId: s.checkpoint.id, position, note: 'очередь на границе' },
    });
    const { history, handovers, ...summary } = last;
    expect(history.length).toBeGreaterThanOrEqual(4);
    expect(handovers).toEqual([]);
    expect(summary.checkpoints).toEqual([
      {
        locationId: s.checkpoint.id,
        arrivedAt: expect.any(String),
        departedAt: expect.any(String),
        waitMinutes: expect.any(Number),
      },
    ]);
    const list = await api().get('/api/shipments').query({ campaignId: s.campaign.id }).set(coordinator.auth);
    expect(list.status).toBe(200);
    const row = list.body.items.find((x: { id: string }) => x.id === shipment.id);
    expect({ ...row, estimatedArrivalAt: null }).toEqual({ ...summary, estimatedArrivalAt: null });
  });

  test('When a listed shipment changes, here or on another instance, then the next list shows it; rows are kept by version, so an unchanged version is answered from memory', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const rowOf = async (auth: Record<string, string>, query: Record<string, unknown> = {}) => {
      const res = await api()
        .get('/api/shipments')
        .query({ campaignId: s.campaign.id, ...query })
        .set(auth)
        .expect(200)
        .expect('content-type', /application\/json/);
      return res.body.items.find((x: { id: string }) => x.id === shipment.id) ?? null;
    };
    expect(await rowOf(coordinator.auth)).toMatchObject({ status: 'planned', notes: null });

    // Through the API: a status update, then the plan given to another driver.
    const loading = await moveTo(shipment, ['loading']);
    const { history: _history, handovers: _handovers, ...summary } = loading;
    expect(await rowOf(coordinator.auth)).toEqual(summary);
    expect(await rowOf(s.driver.auth)).toMatchObject({ status: 'loading' });
    await api()
      .patch(`/api/shipments/${shipment.id}`)
      .set(coordinator.auth)
      .send({ driverId: s.otherDriver.user.id })
      .expect(200);
    expect(await rowOf(s.driver.auth)).toBeNull();
    expect(await rowOf(s.otherDriver.auth)).toMatchObject({ driverId: s.otherDriver.user.id });

    // Written by another instance: every write increments the version, which this one has not seen.
    const _id = new Types.ObjectId(shipment.id);
    await Shipment.collection.updateOne({ _id }, { $set: { notes: 'через Кордай' }, $inc: { version: 1 } });
    expect(await rowOf(coordinator.auth)).toMatchObject({ notes: 'через Кордай', status: 'loading' });
    await Shipment.collection.updateOne({ _id }, { $set: { status: 'departed' }, $inc: { version: 1 } });
    expect(await rowOf(coordinator.auth, { status: 'loading' })).toBeNull();
    expect(await rowOf(coordinator.auth, { status: 'departed' })).toMatchObject({ status: 'departed' });

    // The same version: the row kept is the answer (a write that skipped the version is not read).
    await Shipment.collection.updateOne({ _id }, { $set: { notes: 'not read' } });
    expect(await rowOf(coordinator.auth)).toMatchObject({ notes: 'через Кордай' });
  });

  test('When a shipment read by its id changes, here or on another instance, then the next read shows it; who may read it is decided on the database, never on what is kept', async () => {
    const s = await buildScene(app.url);
    const shipment = await createShipment(app.url, coordinator.auth, s);
    const read = (auth: Record<string, string>) => api().get(`/api/shipments/${shipment.id}`).set(auth);
    const first = await read(s.driver.auth)
      .expect(200)
      .expect('content-type', /application\/json/);
    expect(first.body).toMatchObject({ id: shipment.id, status: 'planned', notes: null });
    // The same answer again, with an ETag that a revalidation matches (304, no body).
    const again = await read(s.driver.auth).expect(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.etag).toMatch(/^W\/"/);
    expect(again.headers.etag).toBe(first.headers.etag);
    const revalidated = await read(s.driver.auth).set('If-None-Match', String(first.headers.etag)).expect(304);
    expect(revalidated.text).toBe('');

    // Through the API: a status update is in the next read, with its history entry.
    const loading = await moveTo(shipment, ['loading']);
    const afterUpdate = await read(s.driver.auth).expect(200);
    expect(afterUpdate.body).toEqual(loading);
    expect(afterUpdate.headers.etag).not.toBe(first.headers.etag);
    await read(s.driver.auth).set('If-None-Match', String(first.headers.etag)).expect(200);

    // Written by another instance (the version increased): read anew.
    const _id = new Types.ObjectId(shipment.id);
    await Shipment.collection.updateOne({ _id }, { $set: { notes: 'через Кордай' }, $inc: { version: 1 } });
    expect((await read(coordinator.auth).expect(200)).body).toMatchObject({ notes: 'через Кордай', status: 'loading' });

    // Given to another driver on another instance: the first driver is refused at once, even
    // with the shipment kept here and, as a test only can, without a new version.
    await Shipment.collection.updateOne({ _id }, { $set: { driverId: s.otherDriver.user.id } });
    expect((await read(s.driver.auth).expect(403)).body.code).toBe('FORBIDDEN');
    expect((await read(s.otherDriver.auth).expect(200)).body).toMatchObject({ notes: 'через Кордай' });

    // The same version: what is kept is the answer (a write that skipped the version is not read).
    await Shipment.collection.updateOne({ _id }, { $set: { notes: 'not read' } });
    expect((await read(coordinator.auth).expect(200)).body).toMatchObject({ notes: 'через Кордай' });

    // Gone from the database: 404, whatever is kept.
    await Shipment.collection.deleteOne({ _id });
    expect((await read(coordinator.auth).expect(404)).body.code).toBe('NOT_FOUND');
  });
});

describe('Locations', () => {
  test('When the origin is a checkpoint, then planning is refused', async () => {
    const s = await buildScene(app.url, { stock: 0 });
    const cp = await buildLocation({ kind: 'checkpoint' });
    const res = await api()
      .post('/api/shipments')
      .set(coordinator.auth)
      .send({
        campaignId: s.campaign.id,
        originId: cp.id,
        destinationId: s.destination.id,
        lines: [{ itemId: s.item.id, quantity: 1 }],
      });
    expect(res.status).toBe(422);
  });
});
