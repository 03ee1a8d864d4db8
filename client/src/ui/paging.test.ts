import { describe, expect, test } from '@jest/globals';
import type { StockRowDto } from '@karavan/shared';
import { fefo } from '../features/shipments/components/fefo';
import { slicePage } from './usePagedList';

describe('slicePage', () => {
  const all = { items: Array.from({ length: 230 }, (_, n) => n + 1), total: 230, limit: 230, offset: 0 };

  test('When the third page of 230 rows is asked, then rows 201 to 230 come with the whole total', () => {
    expect(slicePage(all, { limit: 100, offset: 200 })).toEqual({
      items: all.items.slice(200),
      total: 230,
      limit: 100,
      offset: 200,
    });
  });

  test('When nothing is loaded yet, then there is no page', () => {
    expect(slicePage(undefined, { limit: 100, offset: 0 })).toBeUndefined();
  });
});

describe('fefo', () => {
  const row = (lotId: string, expiresAt: string | null, onHand: number, reserved = 0, expired = false): StockRowDto =>
    ({ locationId: 'p', itemId: 'milk', campaignId: 'c', lotId, expiresAt, onHand, reserved, expired }) as StockRowDto;

  test('When lots expire at different times, then the earliest is taken first, skipping expired and reserved stock', () => {
    const rows = [
      row('late', '2030-01-10T00:00:00.000Z', 50),
      row('none', null, 100),
      row('soon', '2030-01-02T00:00:00.000Z', 20, 15),
      row('gone', '2020-01-01T00:00:00.000Z', 99, 0, true),
    ];
    expect(fefo(rows, 'milk', 60)).toEqual({
      lots: [
        { lotId: 'soon', quantity: 5, expiresAt: '2030-01-02T00:00:00.000Z' },
        { lotId: 'late', quantity: 50, expiresAt: '2030-01-10T00:00:00.000Z' },
        { lotId: 'none', quantity: 5, expiresAt: null },
      ],
      missing: 0,
    });
  });

  test('When the place holds too little, then the missing quantity is said', () => {
    expect(fefo([row('a', null, 7)], 'milk', 10)).toEqual({
      lots: [{ lotId: 'a', quantity: 7, expiresAt: null }],
      missing: 3,
    });
  });
});
