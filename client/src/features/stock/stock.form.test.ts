import { describe, expect, test } from '@jest/globals';
import type { StockRowDto } from '@karavan/shared';
import { byExpiry, lotChange, unitSize, validateAdjust, validateWriteOff } from './stock.form';

const row = (patch: Partial<StockRowDto> = {}): StockRowDto =>
  ({
    locationId: 'loc-1',
    lotId: 'lot-1',
    itemId: 'milk',
    campaignId: 'camp-1',
    expiresAt: null,
    expired: false,
    onHand: 100,
    reserved: 0,
    ...patch,
  }) as StockRowDto;

const milk = { baseUnit: 'litre' as const, packs: [{ unit: 'crate', size: 12 }] };

describe('the stock list', () => {
  test('When lots are listed, then the earliest expiry comes first and goods that do not spoil last', () => {
    const rows = [
      row({ lotId: 'never', expiresAt: null }),
      row({ lotId: 'late', expiresAt: '2026-12-05T00:00:00.000Z' }),
      row({ lotId: 'b-soon', expiresAt: '2026-11-27T00:00:00.000Z' }),
      row({ lotId: 'a-soon', expiresAt: '2026-11-27T00:00:00.000Z' }),
    ];
    expect([...rows].sort(byExpiry).map((r) => r.lotId)).toEqual(['a-soon', 'b-soon', 'late', 'never']);
  });

  test('When a quantity is given in a pack, then it counts the pack’s size in base units', () => {
    expect(unitSize(milk, 'crate')).toBe(12);
    expect(unitSize(milk, 'litre')).toBe(1);
    expect(unitSize(undefined, 'crate')).toBe(1);
  });
});

describe('the write-off form', () => {
  const free = row({ onHand: 30, reserved: 6 });

  test('When the quantity is empty, zero or fractional, then it is asked for; a reason is required', () => {
    for (const quantity of ['', 0, 1.5])
      expect(validateWriteOff(free, { quantity, size: 1, reason: '', note: '' })).toEqual({
        quantity: 'stock.errors.quantity',
        reason: 'wb.fieldErrors.required',
      });
  });

  test('When more is written off than is free (on hand less reserved), counted in the chosen unit, then it is refused', () => {
    expect(validateWriteOff(free, { quantity: 24, size: 1, reason: 'spoiled', note: '' })).toEqual({});
    expect(validateWriteOff(free, { quantity: 25, size: 1, reason: 'spoiled', note: '' })).toEqual({
      quantity: 'stock.errors.moreThanAvailable',
    });
    expect(validateWriteOff(free, { quantity: 2, size: 12, reason: 'spoiled', note: '' })).toEqual({});
    expect(validateWriteOff(free, { quantity: 3, size: 12, reason: 'spoiled', note: '' })).toEqual({
      quantity: 'stock.errors.moreThanAvailable',
    });
  });

  test('When the reason is "other", then a note is needed', () => {
    expect(validateWriteOff(free, { quantity: 1, size: 1, reason: 'other', note: ' ' })).toEqual({
      note: 'stock.errors.noteForOther',
    });
    expect(validateWriteOff(free, { quantity: 1, size: 1, reason: 'other', note: 'rats' })).toEqual({});
  });
});

describe('the count form', () => {
  test('When the count is empty, negative or fractional, then it is asked for; zero is a count', () => {
    for (const counted of ['', -1, 2.5])
      expect(validateAdjust(row(), { counted, size: 1, reason: 'count', note: '' })).toEqual({
        counted: 'stock.errors.counted',
      });
    expect(validateAdjust(row(), { counted: 0, size: 1, reason: 'count', note: '' })).toEqual({});
  });

  test('When the count is below what shipments reserved, then it is refused, in the chosen unit', () => {
    const reserved = row({ onHand: 40, reserved: 24 });
    expect(validateAdjust(reserved, { counted: 23, size: 1, reason: 'count', note: '' })).toEqual({
      counted: 'stock.errors.belowReserved',
    });
    expect(validateAdjust(reserved, { counted: 2, size: 12, reason: 'count', note: '' })).toEqual({});
    expect(validateAdjust(reserved, { counted: 1, size: 12, reason: 'other', note: '' })).toEqual({
      counted: 'stock.errors.belowReserved',
      note: 'stock.errors.noteForOther',
    });
  });

  test('When a write-off or count is sent, then the unit goes only when it is a pack, the note only when typed', () => {
    expect(lotChange(row(), milk, 'litre', '  ')).toEqual({ locationId: 'loc-1', lotId: 'lot-1' });
    expect(lotChange(row(), milk, 'crate', ' broken crate ')).toEqual({
      locationId: 'loc-1',
      lotId: 'lot-1',
      unit: 'crate',
      note: 'broken crate',
    });
  });
});
