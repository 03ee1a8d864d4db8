import { describe, expect, test } from '@jest/globals';
import { QueryClient } from '@tanstack/react-query';
import type { Page } from '@karavan/shared';
import type { DonationDto, ShipmentDto } from '../contracts';
import { applyEvent, queryKeys, roomQueries } from './cache';

const donation = (id: string, locationId = 'loc-1', voided: DonationDto['voided'] = null): DonationDto => ({
  id,
  campaignId: 'camp-1',
  locationId,
  receivedAt: '2026-11-26T10:00:00.000Z',
  receivedBy: 'user-1',
  donor: { kind: 'anonymous', name: null, phone: null, consentToContact: false },
  lines: [{ itemId: 'bread', quantity: 24, lotId: 'lot-1', expiresAt: null }],
  note: null,
  voided,
  createdAt: '2026-11-26T10:00:00.000Z',
});

const page = <T>(items: T[], limit = 20): Page<T> => ({ items, total: items.length, limit, offset: 0 });

describe('live events in the cache', () => {
  test('When a donation is recorded at a point whose list is shown, then it is added on top, once', () => {
    const client = new QueryClient();
    client.setQueryData(queryKeys.donations('loc-1'), page([donation('a')]));
    const event = { name: 'donation.recorded', seq: 5, payload: { seq: 5, at: 'x', donation: donation('b') } };

    applyEvent(client, event);
    applyEvent(client, event);

    const list = client.getQueryData<Page<DonationDto>>(queryKeys.donations('loc-1'));
    expect(list?.items.map((item) => item.id)).toEqual(['b', 'a']);
    expect(list?.total).toBe(2);
    expect(client.getQueryData(queryKeys.donations('loc-2'))).toBeUndefined();
  });

  test('When a donation is voided, then its row is replaced in place', () => {
    const client = new QueryClient();
    client.setQueryData(queryKeys.donations('loc-1'), page([donation('b'), donation('a')]));
    const voided = donation('a', 'loc-1', { at: 'x', by: 'u', reason: 'twice' });

    applyEvent(client, { name: 'donation.voided', seq: 6, payload: { seq: 6, at: 'x', donation: voided } });

    const list = client.getQueryData<Page<DonationDto>>(queryKeys.donations('loc-1'));
    expect(list?.items.map((item) => [item.id, item.voided?.reason ?? null])).toEqual([
      ['b', null],
      ['a', 'twice'],
    ]);
  });

  test('When a campaign progress arrives older than what is shown, then it is ignored', () => {
    const client = new QueryClient();
    client.setQueryData(queryKeys.campaignProgress('c'), { campaignId: 'c', seq: 10, items: [] });
    applyEvent(client, {
      name: 'campaign.progress',
      seq: 9,
      payload: { seq: 9, progress: { campaignId: 'c', seq: 9 } },
    });
    expect(client.getQueryData<{ seq: number }>(queryKeys.campaignProgress('c'))?.seq).toBe(10);
    applyEvent(client, {
      name: 'campaign.progress',
      seq: 11,
      payload: { seq: 11, progress: { campaignId: 'c', seq: 11 } },
    });
    expect(client.getQueryData<{ seq: number }>(queryKeys.campaignProgress('c'))?.seq).toBe(11);
  });

  test('When a shipment changes, then the shown shipment and the lists that hold it take its new state', () => {
    const client = new QueryClient();
    const shipment = { id: 's', status: 'loading', history: [{ id: 'u1' }] } as unknown as ShipmentDto;
    client.setQueryData(queryKeys.shipment('s'), shipment);
    client.setQueryData(queryKeys.shipments(), page([shipment, { id: 't', status: 'planned' } as ShipmentDto]));

    applyEvent(client, {
      name: 'shipment.updated',
      seq: 3,
      payload: { seq: 3, shipment: { id: 's', status: 'departed' } },
    });

    expect(client.getQueryData<ShipmentDto>(queryKeys.shipment('s'))).toMatchObject({
      status: 'departed',
      history: [{ id: 'u1' }],
    });
    expect(client.getQueryData<Page<ShipmentDto>>(queryKeys.shipments())?.items.map((item) => item.status)).toEqual([
      'departed',
      'planned',
    ]);
  });

  test('When a room is joined fresh, then the data it feeds is what gets loaded again', () => {
    expect(roomQueries('location:l')).toEqual([queryKeys.donations('l'), queryKeys.stock()]);
    expect(roomQueries('shipment:s')).toEqual([queryKeys.shipment('s'), queryKeys.shipments()]);
    expect(roomQueries('nonsense')).toEqual([]);
  });
});
