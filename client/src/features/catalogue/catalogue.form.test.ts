import { describe, expect, test } from '@jest/globals';
import {
  itemRequest,
  locationRequest,
  locationValues,
  validateItem,
  validateLocation,
  type ItemValues,
  type LocationValues,
} from './catalogue.form';

const item = (patch: Partial<ItemValues> = {}): ItemValues => ({
  names: { ru: 'Молоко', en: 'Milk', ky: '', kk: '' },
  baseUnit: 'litre',
  packs: [],
  perishable: false,
  shelfLife: '',
  ...patch,
});

const place = (patch: Partial<LocationValues> = {}): LocationValues => ({
  ...locationValues(null),
  names: { ru: 'Пункт приёма №1', en: '', ky: '', kk: '' },
  kind: 'collection_point',
  address: '',
  hours: '',
  lat: '',
  lng: '',
  active: true,
  ...patch,
});

describe('the item form', () => {
  test('When the Russian and English names are blank, then both are required (Kyrgyz and Kazakh are not)', () => {
    expect(validateItem(item({ names: { ru: '  ', en: '', ky: '', kk: '' } }))).toEqual({
      ru: 'wb.fieldErrors.required',
      en: 'wb.fieldErrors.required',
    });
    expect(validateItem(item())).toEqual({});
  });

  test.each([
    ['no unit name', { unit: ' ', size: 12 }],
    ['an empty size', { unit: 'crate', size: '' }],
    ['a size of zero', { unit: 'crate', size: 0 }],
    ['a fractional size', { unit: 'crate', size: 1.5 }],
  ])('When a pack has %s, then the packs are wrong', (_, pack) => {
    expect(validateItem(item({ packs: [{ unit: 'tray', size: 20 }, pack] }))).toEqual({
      packs: 'catalogue.errors.pack',
    });
  });

  test('When an item spoils, then it needs a shelf life of at least an hour; one that does not spoil needs none', () => {
    expect(validateItem(item({ perishable: true, shelfLife: '' }))).toEqual({
      shelfLife: 'catalogue.errors.shelfLife',
    });
    expect(validateItem(item({ perishable: true, shelfLife: 0 }))).toEqual({ shelfLife: 'catalogue.errors.shelfLife' });
    expect(validateItem(item({ perishable: true, shelfLife: 72 }))).toEqual({});
    expect(validateItem(item({ perishable: false, shelfLife: '' }))).toEqual({});
  });

  test('When an item is saved, then names are trimmed, empty translations left out, pack units in lower case', () => {
    expect(
      itemRequest(
        item({
          names: { ru: ' Хлеб ', en: 'Bread ', ky: ' Нан ', kk: '  ' },
          baseUnit: 'loaf',
          packs: [{ unit: ' Tray ', size: '20' }],
          perishable: true,
          shelfLife: '72',
        }),
      ),
    ).toEqual({
      name: { ru: 'Хлеб', en: 'Bread', ky: 'Нан' },
      baseUnit: 'loaf',
      packs: [{ unit: 'tray', size: 20 }],
      perishable: true,
      shelfLifeHours: 72,
    });
  });

  test('When an item that does not spoil is saved, then it has no shelf life, whatever was typed before', () => {
    expect(itemRequest(item({ perishable: false, shelfLife: 48 })).shelfLifeHours).toBeNull();
  });
});

describe('the place form', () => {
  test('When the name is blank, then it is required', () => {
    expect(validateLocation(place({ names: { ru: ' ', en: 'Point 1', ky: '', kk: '' } }))).toEqual({
      ru: 'wb.fieldErrors.required',
    });
  });

  test('When only one coordinate is given, then the missing one is asked for', () => {
    expect(validateLocation(place({ lat: 42.87 }))).toEqual({ lng: 'catalogue.errors.bothCoordinates' });
    expect(validateLocation(place({ lng: 74.59 }))).toEqual({ lat: 'catalogue.errors.bothCoordinates' });
  });

  test('When a coordinate is off the globe, then it is invalid; the edges are fine', () => {
    expect(validateLocation(place({ lat: 91, lng: -181 }))).toEqual({
      lat: 'wb.fieldErrors.invalid',
      lng: 'wb.fieldErrors.invalid',
    });
    expect(validateLocation(place({ lat: -90, lng: 180 }))).toEqual({});
  });

  test('When a place is saved, then empty texts are null and no coordinates means no position', () => {
    expect(
      locationRequest(
        place({
          names: { ru: ' Склад ', en: '', ky: '', kk: '' },
          kind: 'warehouse',
          address: '  ',
          hours: ' звоните ',
        }),
      ),
    ).toEqual({
      name: { ru: 'Склад' },
      kind: 'warehouse',
      address: null,
      openingHours: 'звоните',
      weeklyHours: null,
      position: null,
      active: true,
    });
    expect(locationRequest(place({ lat: 42.87, lng: 74.59, active: false }))).toMatchObject({
      position: { lat: 42.87, lng: 74.59 },
      active: false,
    });
  });

  test('When a place has a name in several languages, then each is sent and the blank ones are left out', () => {
    expect(locationRequest(place({ names: { ru: 'Склад', en: ' Warehouse ', ky: '', kk: 'Қойма' } })).name).toEqual({
      ru: 'Склад',
      en: 'Warehouse',
      kk: 'Қойма',
    });
  });

  test('When hours are typed for some days, then the week is sent with the other days closed', () => {
    const week = { ...place().week, mon: '9–13, 14:00-18:00', sat: '10:00–14:00' };
    expect(locationRequest(place({ week })).weeklyHours).toEqual({
      mon: [
        { opens: '09:00', closes: '13:00' },
        { opens: '14:00', closes: '18:00' },
      ],
      tue: [],
      wed: [],
      thu: [],
      fri: [],
      sat: [{ opens: '10:00', closes: '14:00' }],
      sun: [],
    });
  });

  test('When a day says something that is not a time range, or closes before it opens, then that day is wrong', () => {
    const week = { ...place().week, tue: 'утром', fri: '18–9' };
    expect(validateLocation(place({ week }))).toEqual({ tue: 'catalogue.errors.hours', fri: 'catalogue.errors.hours' });
  });
});
