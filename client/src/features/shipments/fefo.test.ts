import { describe, expect, test } from '@jest/globals';
import type { StockRowDto } from '@karavan/shared';
import { fefo } from './fefo';

let n = 0;
const lot = (patch: Partial<StockRowDto>): StockRowDto =>
  ({
    locationId: 'warehouse',
    lotId: `lot-${++n}`,
    itemId: 'milk',
    campaignId: 'camp-1',
    expiresAt: null,
    expired: false,
    onHand: 0,
    reserved: 0,
    ...patch,
  }) as StockRowDto;

describe('the FEFO load preview', () => {
  test('When a line is loaded, then the lots that expire first are taken first, as much as each has free', () => {
    const rows = [
      lot({ lotId: 'late', expiresAt: '2026-12-01T00:00:00.000Z', onHand: 100 }),
      lot({ lotId: 'soon', expiresAt: '2026-11-27T00:00:00.000Z', onHand: 30, reserved: 10 }),
      lot({ lotId: 'middle', expiresAt: '2026-11-28T00:00:00.000Z', onHand: 24 }),
    ];
    expect(fefo(rows, 'milk', 50)).toEqual({
      lots: [
        { lotId: 'soon', quantity: 20, expiresAt: '2026-11-27T00:00:00.000Z' },
        { lotId: 'middle', quantity: 24, expiresAt: '2026-11-28T00:00:00.000Z' },
        { lotId: 'late', quantity: 6, expiresAt: '2026-12-01T00:00:00.000Z' },
      ],
      missing: 0,
    });
  });

  test('When goods that do not spoil are in stock, then they come after every lot with an expiry', () => {
    const rows = [
      lot({ lotId: 'keeps', expiresAt: null, onHand: 50 }),
      lot({ lotId: 'spoils', expiresAt: '2027-06-01T00:00:00.000Z', onHand: 5 }),
    ];
    expect(fefo(rows, 'milk', 8).lots.map((l) => [l.lotId, l.quantity])).toEqual([
      ['spoils', 5],
      ['keeps', 3],
    ]);
  });

  test('When lots are expired, fully reserved or of another item, then they are not suggested', () => {
    const rows = [
      lot({ lotId: 'expired', expiresAt: '2026-11-20T00:00:00.000Z', expired: true, onHand: 40 }),
      lot({ lotId: 'reserved', expiresAt: '2026-11-27T00:00:00.000Z', onHand: 12, reserved: 12 }),
      lot({ lotId: 'bread', itemId: 'bread', expiresAt: '2026-11-27T00:00:00.000Z', onHand: 40 }),
      lot({ lotId: 'good', expiresAt: '2026-11-29T00:00:00.000Z', onHand: 40 }),
    ];
    expect(fefo(rows, 'milk', 10).lots.map((l) => l.lotId)).toEqual(['good']);
  });

  test('When there is not enough free stock, then the shortfall is said', () => {
    const rows = [lot({ expiresAt: '2026-11-29T00:00:00.000Z', onHand: 30, reserved: 5 })];
    expect(fefo(rows, 'milk', 40)).toMatchObject({ lots: [{ quantity: 25 }], missing: 15 });
    expect(fefo([], 'milk', 40)).toEqual({ lots: [], missing: 40 });
  });

  test('When exactly enough is in the first lot, then no other lot is touched', () => {
    const rows = [
      lot({ lotId: 'a', expiresAt: '2026-11-27T00:00:00.000Z', onHand: 12 }),
      lot({ lotId: 'b', expiresAt: '2026-11-28T00:00:00.000Z', onHand: 12 }),
    ];
    expect(fefo(rows, 'milk', 12)).toEqual({
      lots: [{ lotId: 'a', quantity: 12, expiresAt: '2026-11-27T00:00:00.000Z' }],
      missing: 0,
    });
  });
});
