import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import request from 'supertest';
import type { ShipmentDto, ShipmentStatus } from '@karavan/shared';
import { ensureLot, lotExpiry, reconcileStock, runStockOp } from '../../server/src/stock';
import { buildCampaign, buildItem, buildLocation } from './catalogue';
import { signedIn } from './factories';

/*
 * Shipment scenes: a campaign, an item, stock at an origin, a destination, a checkpoint and a
 * driver; helpers to send status updates through the API.
 */

const systemActor = new Types.ObjectId().toHexString();

/** Puts goods on hand at a location as a donation would (one `received` movement through the ledger engine). */
export async function receiveStock(input: {
  locationId: string;
  campaignId: string;
  itemId: string;
  quantity: number;
  expiresAt?: Date | null;
  shelfLifeHours?: number | null;
}): Promise<string> {
  const expiresAt = lotExpiry(input.expiresAt ?? null, input.shelfLifeHours ?? 240);
  const lot = await ensureLot(input.campaignId, input.itemId, expiresAt);
  await runStockOp({
    kind: 'test_receipt',
    actorId: systemActor,
    movements: [
      {
        kind: 'received',
        locationId: input.locationId,
        itemId: input.itemId,
        campaignId: input.campaignId,
        lotId: lot.id,
        expiresAt: lot.expiresAt,
        quantity: input.quantity,
      },
    ],
  });
  return lot.id;
}

export const inDays = (days: number) => new Date(Date.now() + days * 24 * 3_600_000);

/** Bishkek collection point -> Kordai checkpoint -> Almaty distribution point, with a driver and stocked kefir. */
export async function buildScene(
  url: string,
  options: { stock?: number; destinationKind?: 'distribution_point' | 'warehouse' } = {},
) {
  const [campaign, item, origin, checkpoint, destination, driver, otherDriver] = await Promise.all([
    buildCampaign(),
    buildItem({ weightKgPerUnit: 1.05 }),
    buildLocation({ kind: 'collection_point', position: { lat: 42.8746, lng: 74.6122 } }),
    buildLocation({ name: `Кордай ${Math.random()}`, kind: 'checkpoint', position: { lat: 43.0386, lng: 74.7059 } }),
    buildLocation({
      kind: options.destinationKind ?? 'distribution_point',
      address: 'Алматы',
      position: { lat: 43.2389, lng: 76.8897 },
    }),
    signedIn(url, { role: 'driver' }),
    signedIn(url, { role: 'driver' }),
  ]);
  const lotId =
    options.stock === 0
      ? null
      : await receiveStock({
          locationId: origin.id,
          campaignId: campaign.id,
          itemId: item.id,
          quantity: options.stock ?? 1000,
          expiresAt: inDays(10),
        });
  return { campaign, item, origin, checkpoint, destination, driver, otherDriver, lotId };
}
export type Scene = Awaited<ReturnType<typeof buildScene>>;

export function shipmentBody(scene: Scene, overrides: Record<string, unknown> = {}) {
  return {
    campaignId: scene.campaign.id,
    originId: scene.origin.id,
    destinationId: scene.destination.id,
    driverId: scene.driver.user.id,
    vehicle: { plate: '01KG777AAA', kind: 'truck', capacityKg: 5000 },
    route: [scene.checkpoint.id],
    lines: [{ itemId: scene.item.id, quantity: 100 }],
    ...overrides,
  };
}

export async function createShipment(
  url: string,
  auth: Record<string, string>,
  scene: Scene,
  overrides: Record<string, unknown> = {},
): Promise<ShipmentDto> {
  const res = await request(url).post('/api/shipments').set(auth).send(shipmentBody(scene, overrides));
  if (res.status !== 201) throw new Error(`create shipment: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as ShipmentDto;
}

let clock = Date.now() - 3_600_000;
/** Device times that go forward one second per update (so that updates are in order unless a test says otherwise). */
export const nextAt = () => new Date((clock += 1000)).toISOString();

/** Sends a status update through the API; returns the Supertest response. */
export function sendUpdate(
  url: string,
  auth: Record<string, string>,
  shipmentId: string,
  status: ShipmentStatus,
  extra: Record<string, unknown> = {},
) {
  return request(url)
    .post(`/api/shipments/${shipmentId}/updates`)
    .set(auth)
    .send({ id: randomUUID(), status, at: nextAt(), ...extra });
}

/** The reconcile finds nothing: every balance and total is what the ledger says. */
export async function expectReconciled(): Promise<void> {
  const report = await reconcileStock();
  expect(report.differences).toEqual([]);
  expect(report.inFlight).toBe(0);
}
