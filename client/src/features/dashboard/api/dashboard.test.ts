import { describe, expect, jest, test } from '@jest/globals';
import { QueryClient } from '@tanstack/react-query';
import type { LiveEvent } from '../../../lib/realtime/realtime';
import { DashboardLive } from './dashboard';

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
});
