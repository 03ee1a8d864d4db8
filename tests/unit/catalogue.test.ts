import {
  createCampaignBody,
  createItemBody,
  createLocationBody,
  listVolunteersQuery,
  toBaseQuantity,
  type ItemDto,
} from '@karavan/shared';

const kefir: Pick<ItemDto, 'baseUnit' | 'packs'> = {
  baseUnit: 'litre',
  packs: [
    { unit: 'pack', size: 1 },
    { unit: 'crate', size: 12 },
  ],
};
const bread: Pick<ItemDto, 'baseUnit' | 'packs'> = { baseUnit: 'loaf', packs: [{ unit: 'tray', size: 20 }] };

describe('toBaseQuantity', () => {
  test('When no unit or the base unit is given, then the quantity is already in base units', () => {
    expect(toBaseQuantity(kefir, 7)).toBe(7);
    expect(toBaseQuantity(kefir, 7, 'litre')).toBe(7);
    expect(toBaseQuantity(bread, 3, 'loaf')).toBe(3);
  });

  test('When a pack unit is given, then the quantity is multiplied by its size', () => {
    expect(toBaseQuantity(kefir, 5, 'crate')).toBe(60);
    expect(toBaseQuantity(kefir, 5, 'pack')).toBe(5);
    expect(toBaseQuantity(bread, 3, 'tray')).toBe(60);
  });

  test('When the unit differs only in case or spaces, then it still matches', () => {
    expect(toBaseQuantity(kefir, 2, ' Crate ')).toBe(24);
  });

  test('When the unit is not one of the item, then there is no result', () => {
    expect(toBaseQuantity(kefir, 2, 'tray')).toBeUndefined();
    expect(toBaseQuantity(kefir, 2, 'loaf')).toBeUndefined();
    expect(toBaseQuantity(bread, 2, 'crate')).toBeUndefined();
  });

  test('When the quantity is not an integer or the result is too large, then there is no result', () => {
    expect(toBaseQuantity(kefir, 1.5, 'crate')).toBeUndefined();
    expect(toBaseQuantity(kefir, 1.5)).toBeUndefined();
    expect(toBaseQuantity({ baseUnit: 'kg', packs: [{ unit: 'big', size: 2 ** 30 }] }, 2 ** 30, 'big')).toBeUndefined();
  });
});

describe('catalogue request schemas', () => {
  test('When an item has a pack named like a base unit or two packs of one name, then it is refused', () => {
    const { error } = createItemBody.validate(
      {
        name: { ru: 'Хлеб', en: 'Bread' },
        baseUnit: 'loaf',
        packs: [
          { unit: 'kg', size: 2 },
          { unit: 'Tray', size: 20 },
          { unit: 'tray', size: 10 },
        ],
      },
      { abortEarly: false },
    );
    expect(error?.details.map((d) => d.path.join('.'))).toEqual(['packs.0.unit', 'packs.2']);
  });

  test('When text holds a control character, then it is refused; line breaks only where text is multi-line', () => {
    expect(createLocationBody.validate({ name: 'Склад\u0000', kind: 'warehouse' }).error?.details[0]?.path).toEqual([
      'name',
    ]);
    expect(createLocationBody.validate({ name: 'Склад\n2', kind: 'warehouse' }).error).toBeDefined();
    expect(
      createLocationBody.validate({ name: 'Склад', kind: 'warehouse', openingHours: 'Пн-Пт 9-18\nСб 10-14' }).error,
    ).toBeUndefined();
  });

  test('When two targets name the same item, then the second is refused', () => {
    const itemId = 'a'.repeat(24);
    const { error } = createCampaignBody.validate({
      name: 'Январь',
      targets: [
        { itemId, quantity: 1 },
        { itemId, quantity: 2, unit: 'crate' },
      ],
    });
    expect(error?.details[0]?.path).toEqual(['targets', 1]);
  });

  test('When a search is longer than 100 characters, then it is refused', () => {
    expect(listVolunteersQuery.validate({ q: 'x'.repeat(101) }).error?.details[0]?.path).toEqual(['q']);
    expect(listVolunteersQuery.validate({ q: 'x'.repeat(100) }).error).toBeUndefined();
  });
});
