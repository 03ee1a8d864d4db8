import { describe, expect, test } from '@jest/globals';
import type { VolunteerDto } from '@karavan/shared';
import { validateVolunteer, volunteerRequest, volunteerValues, type VolunteerValues } from './volunteer.form';

const values = (patch: Partial<VolunteerValues> = {}): VolunteerValues => ({
  ...volunteerValues(null),
  name: 'Айгуль',
  ...patch,
});

describe('the volunteer form', () => {
  test('When a new volunteer is added, then the form starts speaking Russian, available, linked to no account', () => {
    expect(volunteerValues(null)).toMatchObject({ languages: 'ru', available: true, userId: null, capacityKg: '' });
  });

  test('When a volunteer is edited, then the form shows their lists as comma-separated text', () => {
    const volunteer = {
      id: 'v1',
      name: 'Бакыт',
      phone: '+996 555 123456',
      languages: ['ky', 'ru'],
      skills: {
        licenceCategories: ['B', 'C'],
        vehicle: { kind: 'truck', plate: '01KG123ABC', capacityKg: 5000 },
        other: [
          { ru: 'первая помощь', en: 'first aid' },
          { ru: 'готовка', en: 'cooking', ky: 'тамак жасоо' },
        ],
      },
      availability: { available: false, note: 'after 18:00' },
      notes: null,
      userId: 'u1',
    } as unknown as VolunteerDto;
    expect(volunteerValues(volunteer, 'en')).toEqual({
      name: 'Бакыт',
      phone: '+996 555 123456',
      languages: 'ky, ru',
      licence: ['B', 'C'],
      vehicleKind: 'truck',
      plate: '01KG123ABC',
      capacityKg: 5000,
      other: 'first aid, cooking',
      otherSaved: volunteer.skills.other,
      locale: 'en',
      available: false,
      note: 'after 18:00',
      notes: '',
      userId: 'u1',
    });
  });

  test('When the name is blank or a language is not a 2–3 letter code, then those fields are wrong', () => {
    expect(validateVolunteer(values({ name: ' ', languages: 'ru, russian, k1' }))).toEqual({
      name: 'wb.fieldErrors.required',
      languages: 'volunteers.errors.language',
    });
    expect(validateVolunteer(values({ languages: 'ru, kir, EN' }))).toEqual({});
  });

  test('When a plate or a capacity is given without the vehicle kind, then the kind is required', () => {
    expect(validateVolunteer(values({ plate: '01KG' }))).toEqual({ vehicleKind: 'wb.fieldErrors.required' });
    expect(validateVolunteer(values({ capacityKg: 1500 }))).toEqual({ vehicleKind: 'wb.fieldErrors.required' });
    expect(validateVolunteer(values({ plate: '01KG', vehicleKind: 'van' }))).toEqual({});
  });

  test('When a volunteer is saved, then languages are lower case without repeats, skills without repeats, empty texts null', () => {
    const body = volunteerRequest(
      values({
        name: ' Айгуль ',
        phone: '  ',
        languages: 'RU, ky, ru',
        vehicleKind: ' van ',
        plate: '',
        capacityKg: '',
        other: 'cooking, cooking , driving',
        note: ' ',
        notes: ' knows the border ',
      }),
      false,
    );
    expect(body).toEqual({
      name: 'Айгуль',
      phone: null,
      languages: ['ru', 'ky'],
      skills: {
        licenceCategories: [],
        vehicle: { kind: 'van', plate: null, capacityKg: null },
        other: ['cooking', 'driving'],
      },
      availability: { available: true, note: null },
      notes: 'knows the border',
    });
  });

  test('When the vehicle kind is blank, then no vehicle is sent', () => {
    expect(volunteerRequest(values({ vehicleKind: '  ' }), false).skills?.vehicle).toBeNull();
  });

  test('When the user may link accounts, then the link is sent (also its removal); otherwise it is left as it is', () => {
    expect(volunteerRequest(values({ userId: 'u7' }), true).userId).toBe('u7');
    expect(volunteerRequest(values({ userId: null }), true)).toHaveProperty('userId', null);
    expect(volunteerRequest(values({ userId: 'u7' }), false)).not.toHaveProperty('userId');
  });

  test('When skills are shown in English and one is kept, one added, then the kept one keeps its translations', () => {
    const saved = [{ ru: 'первая помощь', en: 'first aid', kk: 'алғашқы көмек' }];
    const body = volunteerRequest(values({ other: 'First aid, driving', otherSaved: saved, locale: 'en' }), false);
    expect(body.skills?.other).toEqual([saved[0], 'driving']);
  });
});
