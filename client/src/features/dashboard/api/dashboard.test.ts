import { describe, expect, jest, test } from '@jest/globals';
import { QueryClient } from '@tanstack/react-query';
import type { LiveEvent } from '../../../lib/realtime/realtime';
import { DashboardLive, dashboardKeys } from './dashboard';

// The feed's logic only: no HTTP (the API module reads the session from localStorage on load).
jest.mock('../../../lib/api', () => ({ request: jest.fn() }));

const donation = (id: string) => ({
  id,
  campaignId: 'c',
  locationId: 'l',
  receivedAt: '2026-11-26T10:00:00.000Z',
  lines: [{ itemId: 'bread', quantity: 1, lotId: 'lot', expiresAt: null }],
});
const donated = (seq: number, id = `d${seq}`): LiveEvent => ({
  name: 'donation.recorded',
  seq,
  payload: { seq, at: '2026-11-26T10:00:00.000Z', donation: donation(id) },
});
const progress = (seq: number, writtenOff: number): LiveEvent => ({
  name: 'campaign.progress',
  seq,
  payload: {
    seq,
    at: '2026-11-26T10:00:00.000Z',
    progress: { campaignId: 'c', seq, asOf: 'x', items: [{ itemId: 'bread', writtenOff, donated: 0 }] },
  },
});

describe('the dashboard feed', () => {
  test('When the history and live events overlap, then each event is one line, newest first', () => {
    const live = new DashboardLive();
    const client = new QueryClient();
    live.rememberProgress({ campaignId: 'c', seq: 12, asOf: 'x', items: [] });
    live.handle(client, donated(13));
    live.backfill([donated(10), donated(11), donated(13)]);
    live.handle(client, donated(14));
    live.handle(client, donated(13));
    expect(live.getFeed().map((entry) => entry.seq)).toEqual([14, 13, 11, 10]);
  });

  test('When the history holds a write-off between two progress snapshots, then it shows as a line of its own', () => {
    const live = new DashboardLive();
    live.backfill([progress(3, 0), donated(4), progress(5, 0), progress(7, 6)]);
    expect(live.getFeed().map((entry) => [entry.kind, entry.seq])).toEqual([
      ['writtenOff', 7],
      ['donation', 4],
    ]);
    const [line] = live.getFeed();
    expect(line).toMatchObject({ id: '7:bread', quantity: 6, itemId: 'bread' });
  });

  test("When a truck's status update carries only what changed, then its row keeps its places and takes the change; a truck not listed yet is read again", async () => {
    const live = new DashboardLive();
    const client = new QueryClient();
    const row = {
      id: 's1',
      campaignId: 'c',
      status: 'departed',
      origin: { id: 'o', name: { ru: 'Бишкек' } },
      places: [{ id: 'o', name: { ru: 'Бишкек' } }],
      vehicle: { plate: '01KG123ABC', kind: 'Фура', capacityKg: null },
      lastPosition: null,
    };
    client.setQueryData(dashboardKeys.shipments('c'), { items: [row], total: 1, limit: 200 });
    const identity = { campaignId: 'c', originId: 'o', destinationId: 'd', driverId: 'u', updatedAt: 'x' };
    const moved = (seq: number, id: string, status: string, extra: object = {}): LiveEvent => ({
      name: 'shipment.updated',
      seq,
      payload: {
        seq,
        at: '2026-11-26T10:00:00.000Z',
        partial: true,
        shipment: { id, status, vehicle: row.vehicle, ...identity, ...extra },
        update: { id: `u${seq}`, status },
      },
    });
    live.handle(client, moved(20, 's1', 'at_checkpoint', { lastPosition: { lat: 42, lng: 75, at: 'x' } }));
    const rows = () => client.getQueryData<{ items: Record<string, unknown>[] }>(dashboardKeys.shipments('c'))!.items;
    expect(rows()).toEqual([
      expect.objectContaining({ id: 's1', status: 'at_checkpoint', places: row.places, origin: row.origin }),
    ]);
    expect(rows()[0]!.lastPosition).toEqual({ lat: 42, lng: 75, at: 'x' });
    // The feed names the truck by its plate, which every event carries.
    expect(live.getFeed()[0]).toMatchObject({
      kind: 'shipment',
      status: 'at_checkpoint',
      shipment: { vehicle: row.vehicle },
    });

    // Another truck takes the road: its places are not in the event, so the list is read again.
    const refetch = jest.spyOn(client, 'invalidateQueries');
    live.handle(client, moved(21, 's2', 'departed'));
    expect(rows().map((r) => r.id)).toEqual(['s1']);
    expect(refetch).toHaveBeenCalledWith({ queryKey: dashboardKeys.shipments('c') });

    // Delivered: off the road.
    live.handle(client, moved(22, 's1', 'delivered'));
    expect(rows()).toEqual([]);
  });
});
