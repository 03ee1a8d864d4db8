import { describe, expect, test } from '@jest/globals';
import type Joi from 'joi';
// The server's request schemas, by path: the client itself imports only the Joi-free entry.
import {
  adjustmentBody,
  createDonationBody,
  createItemBody,
  createLocationBody,
  createShipmentBody,
  createUserBody,
  createVolunteerBody,
  MOVE_QUANTITY_MAX,
  PACK_SIZE_MAX,
  parseQuantity,
  QUANTITY_MAX,
  SHELF_LIFE_HOURS_MAX,
  VEHICLE_CAPACITY_KG_MAX,
  writeOffBody,
} from '../../../shared/src/index';
import { validateItem, validateLocation, locationValues, type ItemValues } from '../features/catalogue/catalogue.form';
import { phoneProblem } from '../features/intake/donation';
import { validateAdjust, validateWriteOff } from '../features/stock/stock.form';
import { validateInvite } from '../features/users/invite.form';
import { validateVolunteer, volunteerValues } from '../features/volunteers/volunteer.form';

/*
 * The client's form checks and the server's schemas read the same field rules (shared/src/rules.ts):
 * for each field, the same inputs are accepted by both and refused by both.
 */

const accepts = (schema: Joi.Schema, value: unknown) => schema.validate(value).error === undefined;
/** The inputs of `inputs` each side accepts: the client's check and the server's schema. */
function agreement<T>(inputs: T[], client: (input: T) => boolean, server: (input: T) => boolean) {
  return { client: inputs.filter(client), server: inputs.filter(server) };
}

const PHONES = [
  '+996 (555) 12-34-56',
  '0555123456',
  '12345',
  '1234',
  '+996 555 abc',
  '++996555123',
  '5'.repeat(20),
  '5'.repeat(21),
  '+7 (727) 000-00-00',
  '(0312) 62-12-34',
  '-555-1234',
  '+ 996 555 123',
  '1'.repeat(5) + ' '.repeat(21),
];

describe('the field rules the client and the server share', () => {
  test('When phone numbers are typed in an invitation, a volunteer and a donor, then each form takes exactly those the API takes', () => {
    const invite = agreement(
      PHONES,
      (phone) => !validateInvite({ email: 'a@example.org', name: 'A', role: 'driver', locale: 'ru', phone }).phone,
      (phone) => accepts(createUserBody.extract('phone'), phone.trim()),
    );
    expect(invite.client).toEqual(invite.server);
    expect(invite.client).toContain('+996 (555) 12-34-56');
    expect(invite.client).not.toContain('1234');
    // The client's own pattern refused '+ 996 555 123' and took 21 digits; the API does the opposite.
    expect(invite.client).toContain('+ 996 555 123');
    expect(invite.client).not.toContain('5'.repeat(21));

    const volunteer = agreement(
      PHONES,
      (phone) => !validateVolunteer({ ...volunteerValues(null), name: 'A', phone }).phone,
      (phone) => accepts(createVolunteerBody.extract('phone'), phone.trim()),
    );
    expect(volunteer.client).toEqual(volunteer.server);

    const donor = agreement(
      PHONES,
      (phone) => !phoneProblem('person', phone).phone,
      (phone) => accepts(createDonationBody.extract('donor.phone'), phone.trim()),
    );
    expect(donor.client).toEqual(donor.server);
  });

  test('When language codes and a vehicle capacity are typed for a volunteer, then the form takes those the API takes', () => {
    const codes = ['ru', 'RU', ' en ', 'kky', 'k', 'russ', 'r1', 'ру'];
    const languages = agreement(
      codes,
      (languages) => !validateVolunteer({ ...volunteerValues(null), name: 'A', languages }).languages,
      (code) => accepts(createVolunteerBody.extract('languages'), [code]),
    );
    expect(languages.client).toEqual(languages.server);
    expect(languages.client).toEqual(['ru', 'RU', ' en ', 'kky']);

    const capacities = [1, 0, 2.5, VEHICLE_CAPACITY_KG_MAX, VEHICLE_CAPACITY_KG_MAX + 1];
    const capacity = agreement(
      capacities,
      (capacityKg) =>
        !validateVolunteer({ ...volunteerValues(null), name: 'A', vehicleKind: 'van', capacityKg }).capacityKg,
      (capacityKg) => accepts(createVolunteerBody.extract('skills.vehicle.capacityKg'), capacityKg),
    );
    expect(capacity.client).toEqual(capacity.server);
    expect(capacity.client).toEqual([1, VEHICLE_CAPACITY_KG_MAX]);
  });

  test('When item names, pack sizes and shelf lives are typed, then the item form takes those the API takes', () => {
    const item = (patch: Partial<ItemValues>): ItemValues => ({
      names: { ru: 'Хлеб', en: 'Bread', ky: '', kk: '' },
      baseUnit: 'loaf',
      packs: [],
      perishable: true,
      shelfLife: 24,
      ...patch,
    });
    const names = ['Хлеб', ' ', 'x'.repeat(120), 'x'.repeat(121), '😀'.repeat(120), '😀'.repeat(121)];
    const name = agreement(
      names,
      (ru) => !validateItem(item({ names: { ru, en: 'Bread', ky: '', kk: '' } })).ru,
      (ru) => accepts(createItemBody.extract('name.ru'), ru.trim()),
    );
    expect(name.client).toEqual(name.server);
    expect(name.client).toEqual(['Хлеб', 'x'.repeat(120), '😀'.repeat(120)]);

    const sizes = [1, 0, 2.5, PACK_SIZE_MAX, PACK_SIZE_MAX + 1];
    const pack = agreement(
      sizes,
      (size) => !validateItem(item({ packs: [{ unit: 'crate', size }] })).packs,
      (size) => accepts(createItemBody.extract('packs'), [{ unit: 'crate', size }]),
    );
    expect(pack.client).toEqual(pack.server);
    expect(pack.client).toEqual([1, PACK_SIZE_MAX]);

    const lives = [1, 0, 1.5, SHELF_LIFE_HOURS_MAX, SHELF_LIFE_HOURS_MAX + 1];
    const life = agreement(
      lives,
      (shelfLife) => !validateItem(item({ shelfLife })).shelfLife,
      (hours) => accepts(createItemBody.extract('shelfLifeHours'), hours),
    );
    expect(life.client).toEqual(life.server);
  });

  test('When coordinates are typed for a place, then the form takes those the API takes', () => {
    const positions: [number, number][] = [
      [42.87, 74.59],
      [90, 180],
      [-90, -180],
      [90.1, 0],
      [0, -180.5],
    ];
    const position = agreement(
      positions,
      ([lat, lng]) => {
        const found = validateLocation({
          ...locationValues(null),
          names: { ru: 'Склад', en: '', ky: '', kk: '' },
          lat,
          lng,
        });
        return !found.lat && !found.lng;
      },
      ([lat, lng]) => accepts(createLocationBody.extract('position'), { lat, lng }),
    );
    expect(position.client).toEqual(position.server);
    expect(position.client).toHaveLength(3);
  });

  test('When quantities are written off or counted, then the stock forms take those the API takes', () => {
    const row = { onHand: 1e12, reserved: 0 };
    const quantities = [1, 0, 1.5, MOVE_QUANTITY_MAX, MOVE_QUANTITY_MAX + 1];
    const writeOff = agreement(
      quantities,
      (quantity) => !validateWriteOff(row, { quantity, size: 1, reason: 'spoiled', note: '' }).quantity,
      (quantity) => accepts(writeOffBody.extract('quantity'), quantity),
    );
    expect(writeOff.client).toEqual(writeOff.server);
    expect(writeOff.client).toEqual([1, MOVE_QUANTITY_MAX]);

    const counts = [0, -1, 2.5, MOVE_QUANTITY_MAX, MOVE_QUANTITY_MAX + 1];
    const count = agreement(
      counts,
      (counted) => !validateAdjust(row, { counted, size: 1, reason: 'count', note: '' }).counted,
      (counted) => accepts(adjustmentBody.extract('countedQuantity'), counted),
    );
    expect(count.client).toEqual(count.server);
    expect(count.client).toEqual([0, MOVE_QUANTITY_MAX]);
  });

  test('When quantities are typed at intake and in a shipment plan, then the parser takes those the API takes', () => {
    const typed = [
      '1',
      '0',
      '-5',
      '1,5',
      String(QUANTITY_MAX),
      String(QUANTITY_MAX + 1),
      String(MOVE_QUANTITY_MAX + 1),
    ];
    const donation = agreement(
      typed,
      (text) => parseQuantity(text, 'ru').ok,
      (text) =>
        accepts(createDonationBody.extract('lines'), [
          { itemId: 'a'.repeat(24), quantity: Number(text.replace(',', '.')) },
        ]),
    );
    expect(donation.client).toEqual(donation.server);
    expect(donation.client).toEqual(['1', String(QUANTITY_MAX), String(MOVE_QUANTITY_MAX + 1)]);

    const shipment = agreement(
      typed,
      (text) => parseQuantity(text, 'ru', { max: MOVE_QUANTITY_MAX }).ok,
      (text) =>
        accepts(createShipmentBody.extract('lines'), [
          { itemId: 'a'.repeat(24), quantity: Number(text.replace(',', '.')) },
        ]),
    );
    expect(shipment.client).toEqual(shipment.server);
    expect(shipment.client).toEqual(['1']);
  });

  test('When an email is typed for an invitation, then whatever the form refuses the API refuses too', () => {
    const emails = [
      'a@example.org',
      'no-at-sign',
      'two@@example.org',
      'spa ce@example.org',
      '',
      'x@' + 'y'.repeat(260),
    ];
    const refusedByForm = emails.filter(
      (email) => validateInvite({ email, name: 'A', role: 'driver', locale: 'ru', phone: '' }).email,
    );
    expect(refusedByForm.length).toBeGreaterThan(3);
    for (const email of refusedByForm) expect(accepts(createUserBody.extract('email'), email.trim())).toBe(false);
  });
});
