import { describe, expect, test } from '@jest/globals';
import type { ItemDto } from '@karavan/shared';
import {
  MAX_QUANTITY,
  baseTotal,
  defaultExpiry,
  donationRequest,
  lineProblems,
  matchesItem,
  phoneProblem,
  type DonationLine,
  type Donor,
} from './donation';

/** The device's wall-clock time of an instant as a datetime-local value, from its UTC offset. */
function wall(time: number): string {
  return new Date(time - new Date(time).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

const item = (patch: Partial<ItemDto>): ItemDto =>
  ({
    id: 'item',
    name: { ru: 'Товар', en: 'Item' },
    baseUnit: 'piece',
    packs: [],
    perishable: false,
    shelfLifeHours: null,
    active: true,
    ...patch,
  }) as ItemDto;

const bread = item({
  id: 'bread',
  name: { ru: 'Хлеб', en: 'Bread', ky: 'Нан' },
  baseUnit: 'loaf',
  packs: [{ unit: 'tray', size: 20 }],
  perishable: true,
  shelfLifeHours: 72,
});
const milk = item({
  id: 'milk',
  name: { ru: 'Молоко', en: 'Milk' },
  baseUnit: 'litre',
  packs: [{ unit: 'crate', size: 12 }],
  perishable: true,
  shelfLifeHours: 120,
});
const water = item({ id: 'water', name: { ru: 'Вода', en: 'Water' } });

const anonymous: Donor = { kind: 'anonymous', name: '', phone: '', consent: false };
const line = (patch: Partial<DonationLine>): DonationLine => ({
  item: bread,
  quantity: 1,
  unit: 'loaf',
  expires: '',
  expiresSet: false,
  ...patch,
});
const request = (lines: DonationLine[], donor = anonymous, locale: 'ru' | 'en' | null = 'ru') =>
  donationRequest({
    campaignId: 'camp',
    locationId: 'point',
    receivedAt: new Date('2026-11-26T04:00:00.000Z'),
    lines,
    donor,
    locale: locale ?? undefined,
  });

describe('intake: quantities and expiry', () => {
  test('When a quantity is typed in packs, then the total is shown in base units', () => {
    expect(baseTotal(milk, 2, 'crate')).toBe(24);
    expect(baseTotal(bread, 3, 'tray')).toBe(60);
    expect(baseTotal(bread, 24, 'loaf')).toBe(24);
    expect(baseTotal(bread, 24, '')).toBe(24);
  });

  test('When there is no item, no whole positive quantity or a unit the item lacks, then no total is shown', () => {
    expect(baseTotal(undefined, 2, 'crate')).toBeUndefined();
    expect(baseTotal(milk, '', 'crate')).toBeUndefined();
    expect(baseTotal(milk, 0, 'crate')).toBeUndefined();
    expect(baseTotal(milk, 1.5, 'crate')).toBeUndefined();
    expect(baseTotal(milk, 2, 'tray')).toBeUndefined();
  });

  test('When a perishable item is chosen, then the expiry defaults to now plus its shelf life, in local time', () => {
    const now = new Date('2026-11-26T04:30:00.000Z');
    expect(defaultExpiry(bread, now)).toBe(wall(Date.parse('2026-11-29T04:30:00.000Z')));
    expect(defaultExpiry(milk, now)).toBe(wall(Date.parse('2026-12-01T04:30:00.000Z')));
  });

  test('When the item does not spoil (or has no shelf life), then there is no default expiry', () => {
    expect(defaultExpiry(water)).toBe('');
    expect(defaultExpiry(item({ perishable: true, shelfLifeHours: null }))).toBe('');
  });

  test('When a line is incomplete, then the item, the quantity and a broken expiry are each named', () => {
    expect(lineProblems(undefined, Number.NaN, '')).toEqual({
      item: 'intake.errors.item',
      quantity: 'intake.errors.quantity',
    });
    expect(lineProblems(bread, 0, 'not a date')).toEqual({
      quantity: 'intake.errors.quantity',
      expires: 'intake.errors.expires',
    });
    expect(lineProblems(bread, MAX_QUANTITY + 1, '')).toEqual({ quantity: 'intake.errors.quantity' });
    expect(lineProblems(bread, MAX_QUANTITY, '2026-11-29T10:30')).toEqual({});
  });
});

describe('intake: the request', () => {
  test('When lines are in base units and the expiry was left as defaulted, then neither unit nor expiry is sent', () => {
    const body = request([line({ quantity: 24, expires: '2026-11-29T10:00', expiresSet: false })]);
    expect(body).toEqual({
      campaignId: 'camp',
      locationId: 'point',
      receivedAt: '2026-11-26T04:00:00.000Z',
      lines: [{ itemId: 'bread', quantity: 24 }],
      donor: { kind: 'anonymous', locale: 'ru' },
    });
  });

  test('When a line is in packs with an expiry set by hand, then both are sent, the expiry as an instant', () => {
    const expiresAt = '2026-11-30T03:00:00.000Z';
    const typed = wall(Date.parse(expiresAt));
    const body = request([
      line({ item: milk, quantity: 2, unit: 'crate', expires: typed, expiresSet: true }),
      line({ item: water, quantity: 6, unit: 'piece', expires: typed, expiresSet: true }),
    ]);
    expect(body.lines).toEqual([
      { itemId: 'milk', quantity: 2, unit: 'crate', expiresAt },
      { itemId: 'water', quantity: 6 },
    ]);
  });

  test('When a named donor leaves a phone, then it is kept only with their consent to be contacted', () => {
    const donor: Donor = { kind: 'person', name: ' Айбек ', phone: ' +996 555 123456 ', consent: false };
    expect(request([line({})], donor).donor).toEqual({ kind: 'person', name: 'Айбек', locale: 'ru' });
    expect(request([line({})], { ...donor, consent: true }, 'en').donor).toEqual({
      kind: 'person',
      name: 'Айбек',
      phone: '+996 555 123456',
      consentToContact: true,
      locale: 'en',
    });
  });

  test('When an anonymous donation is made in a language without a receipt, then no donor is sent at all', () => {
    expect(request([line({})], anonymous, null)).not.toHaveProperty('donor');
    expect(request([line({})], { ...anonymous, phone: '+996555', consent: true }, null)).not.toHaveProperty('donor');
  });

  test('When the phone is checked, then only a named donor’s typed phone must look like one', () => {
    expect(phoneProblem('person', 'call me')).toEqual({ phone: 'intake.errors.phone' });
    expect(phoneProblem('organisation', '+996 555 12 34 56')).toEqual({});
    expect(phoneProblem('person', '  ')).toEqual({});
    expect(phoneProblem('anonymous', 'call me')).toEqual({});
  });
});

describe('intake: item search', () => {
  test('When an item is searched, then any of its names matches, whatever the case, and the shown label too', () => {
    expect(matchesItem(bread.name, 'Хлеб', 'bread')).toBe(true);
    expect(matchesItem(bread.name, 'Хлеб', ' нан ')).toBe(true);
    expect(matchesItem(bread.name, 'Хлеб', 'ХЛЕ')).toBe(true);
    expect(matchesItem(bread.name, 'Хлеб', 'молоко')).toBe(false);
    expect(matchesItem({}, 'Bread (old)', 'old')).toBe(true);
    expect(matchesItem(milk.name, 'Молоко', '  ')).toBe(true);
  });
});
