// Drivers' phones for the benchmarks and the soak: status updates that are always a valid next
// step. A lane is one shipment on the road that takes updates one at a time (at_checkpoint,
// departed, at_checkpoint, ...); it moves to a fresh shipment after UPDATES_PER_SHIPMENT updates
// (a real shipment has tens) or after an update that failed (its state is then unknown).
// A lane's shipment is never in two lanes at once, so updates to one shipment never overlap.
import { randomUUID } from 'node:crypto';
import { api } from './lib.mjs';

export const UPDATES_PER_SHIPMENT = 40;

/** Creates `count` shipments and sets them on the road (loading, departed), `parallel` at a time. */
export async function departedShipments(
  base,
  token,
  { campaignId, originId, destinationId, checkpointId, itemId },
  count,
  parallel = 8,
) {
  const ids = [];
  let next = 0;
  let clock = Date.now() - 48 * 3_600_000;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next += 1;
        const shipment = await api(base, 'POST', '/api/shipments', token, {
          campaignId,
          originId,
          destinationId,
          route: [checkpointId],
          lines: [{ itemId, quantity: 10 }],
        });
        for (const status of ['loading', 'departed']) {
          clock += 1000;
          await api(base, 'POST', `/api/shipments/${shipment.id}/updates`, token, {
            id: randomUUID(),
            status,
            at: new Date(clock).toISOString(),
          });
        }
        ids.push(shipment.id);
      }
    }),
  );
  return ids;
}

/** Hands out the next valid update; `done(lane, ok)` after its answer. */
export function createLanes(shipmentIds) {
  const pool = [...shipmentIds];
  const lanes = [];
  // Device time: always later than the updates that set the shipments on the road.
  let clock = Date.now() - 24 * 3_600_000;
  // Shipments left after an even number of updates are `departed` again: with the pool empty
  // they take more updates (their history just grows). One left after a failure is not reused.
  const reusable = [];
  const fresh = (lane, healthy = true) => {
    if (lane.shipmentId && healthy && lane.n % 2 === 0) reusable.push(lane.shipmentId);
    const id = pool.shift() ?? reusable.shift();
    if (!id) throw new Error('no shipment left for status updates: create more (BENCH_SHIPMENTS)');
    lane.shipmentId = id;
    lane.n = 0;
  };
  return {
    left: () => pool.length,
    /** The next update: `{ lane, shipmentId, body }`. */
    next() {
      let lane = lanes.find((l) => !l.busy);
      if (!lane) {
        lane = { index: lanes.length, busy: false, shipmentId: null, n: 0 };
        fresh(lane);
        lanes.push(lane);
      }
      if (lane.n >= UPDATES_PER_SHIPMENT) fresh(lane);
      lane.busy = true;
      clock += 100;
      const body = {
        id: randomUUID(),
        status: lane.n % 2 === 0 ? 'at_checkpoint' : 'departed',
        at: new Date(clock).toISOString(),
      };
      lane.n += 1;
      return { lane: lane.index, shipmentId: lane.shipmentId, body };
    },
    /**
     * After a load run: autocannon drops the answers still in flight when its time is up, so
     * their lanes would stay busy for ever. The server most likely applied those updates, so the
     * lanes go on from where they were (if one was not applied, its next update fails and the
     * lane moves to another shipment).
     */
    releaseAll() {
      for (const lane of lanes) lane.busy = false;
    },
    done(index, ok) {
      const lane = lanes[index];
      if (!lane) return;
      lane.busy = false;
      if (!ok) fresh(lane, false);
    },
  };
}

/**
 * `count` shipments that left their origin, planned through the API as `npm run bench` plans them:
 * bread (keeps 72 h), a collection point, a checkpoint and a distribution point, a campaign, and
 * one donation of ten loaves per shipment.
 */
export async function shipmentsOnTheRoad(base, token, count) {
  const item = await api(base, 'POST', '/api/items', token, {
    name: { ru: 'Хлеб', en: 'Bread' },
    baseUnit: 'loaf',
    perishable: true,
    shelfLifeHours: 72,
  });
  const place = (name, kind) => api(base, 'POST', '/api/locations', token, { name, kind });
  const origin = await place('Бишкек, пункт сбора', 'collection_point');
  const checkpoint = await place('Кордай', 'checkpoint');
  const destination = await place('Алматы, пункт раздачи', 'distribution_point');
  const campaign = await api(base, 'POST', '/api/campaigns', token, { name: 'Январь 2022', targets: [] });
  await api(base, 'POST', '/api/donations', token, {
    campaignId: campaign.id,
    locationId: origin.id,
    lines: [{ itemId: item.id, quantity: count * 10 }],
  });
  return departedShipments(
    base,
    token,
    {
      campaignId: campaign.id,
      originId: origin.id,
      destinationId: destination.id,
      checkpointId: checkpoint.id,
      itemId: item.id,
    },
    count,
  );
}
