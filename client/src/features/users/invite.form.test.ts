import { describe, expect, test } from '@jest/globals';
import { inviteRequest, validateInvite, type InviteValues } from './invite.form';

const values = (patch: Partial<InviteValues> = {}): InviteValues => ({
  email: 'aigul@example.org',
  name: 'Айгуль',
  role: 'coordinator',
  locale: 'ky',
  phone: '',
  ...patch,
});

describe('the invitation form', () => {
  test('When the email is empty or not an address, then it says which', () => {
    expect(validateInvite(values({ email: ' ' }))).toEqual({ email: 'wb.fieldErrors.required' });
    expect(validateInvite(values({ email: 'aigul.example.org' }))).toEqual({ email: 'wb.fieldErrors.email' });
    expect(validateInvite(values({ email: 'a b@example.org' }))).toEqual({ email: 'wb.fieldErrors.email' });
  });

  test('When the name is blank or the phone is not a phone, then those fields are wrong; no phone is fine', () => {
    expect(validateInvite(values({ name: '', phone: 'call me' }))).toEqual({
      name: 'wb.fieldErrors.required',
      phone: 'wb.fieldErrors.format',
    });
    expect(validateInvite(values({ phone: '+996 555 123 456' }))).toEqual({});
    expect(validateInvite(values())).toEqual({});
  });

  test('When the invitation is sent, then it carries the one-time password, trimmed values and the phone only when given', () => {
    expect(inviteRequest(values({ email: ' aigul@example.org ', name: ' Айгуль ' }), 'Pw3xYk9MmN4qR7')).toEqual({
      email: 'aigul@example.org',
      name: 'Айгуль',
      role: 'coordinator',
      locale: 'ky',
      password: 'Pw3xYk9MmN4qR7',
    });
    expect(inviteRequest(values({ phone: ' +996555123456 ' }), 'p')).toMatchObject({ phone: '+996555123456' });
  });
});
