import { describe, expect, test } from '@jest/globals';
import { ApiRequestError } from '../lib/http';
import { isPhoneNumber, isWhole } from '@karavan/shared';
import { apiFieldProblems, commaList } from './forms';

const FIELDS = {
  'body.name.ru': 'ru',
  'body.name.en': 'en',
  'body.packs': 'packs',
  'body.position': 'lat',
  'body.position.lng': 'lng',
} as const;

describe('the API’s field errors on a form', () => {
  test('When a 400 names fields, then each reaches its form field in words, by exact path, by prefix or by index', () => {
    const error = new ApiRequestError(400, 'VALIDATION_FAILED', [
      { path: 'body.name.ru', message: 'x', type: 'string.empty' },
      { path: 'body.name.en', message: 'x', type: 'string.max' },
      { path: 'body.packs[1].size', message: 'x', type: 'number.min' },
      { path: 'body.position.lat', message: 'x', type: 'number.max' },
    ]);
    expect(apiFieldProblems(error, FIELDS)).toEqual({
      ru: 'wb.fieldErrors.required',
      en: 'wb.fieldErrors.tooLong',
      packs: 'wb.fieldErrors.tooSmall',
      lat: 'wb.fieldErrors.tooBig',
    });
  });

  test('When a password is refused, then the rule it broke is said (too common, the email), not "invalid"', () => {
    const password = { 'body.password': 'password' } as const;
    const problem = (type: string) =>
      apiFieldProblems(
        new ApiRequestError(400, 'VALIDATION_FAILED', [{ path: 'body.password', message: 'x', type }]),
        password,
      );
    expect(problem('password.common')).toEqual({ password: 'wb.fieldErrors.passwordCommon' });
    expect(problem('password.email')).toEqual({ password: 'wb.fieldErrors.passwordEmail' });
    expect(problem('string.min')).toEqual({ password: 'wb.fieldErrors.tooShort' });
  });

  test('When a field has several problems, then the first is shown; an unknown type is "invalid"', () => {
    const error = new ApiRequestError(422, 'UNPROCESSABLE', [
      { path: 'body.packs', message: 'x', type: 'some.new.rule' },
      { path: 'body.packs[0].unit', message: 'x', type: 'unit' },
    ]);
    expect(apiFieldProblems(error, FIELDS)).toEqual({ packs: 'wb.fieldErrors.invalid' });
  });

  test('When a 409 names a field (a duplicate), then that field says so', () => {
    const error = new ApiRequestError(409, 'CONFLICT', [{ path: 'body.name.ru', message: 'x', type: 'duplicate' }]);
    expect(apiFieldProblems(error, FIELDS)).toEqual({ ru: 'wb.fieldErrors.duplicate' });
  });

  test('When the path only shares a beginning with a field (body.packsize), then it is not that field', () => {
    const error = new ApiRequestError(400, 'VALIDATION_FAILED', [
      { path: 'body.packsize', message: 'x', type: 'any.required' },
      { path: 'query.limit', message: 'x', type: 'number.max' },
    ]);
    expect(apiFieldProblems(error, FIELDS)).toEqual({});
  });

  test.each([
    ['no answer', new ApiRequestError(0, 'NETWORK')],
    ['a server failure', new ApiRequestError(500, 'INTERNAL', [{ path: 'body.name.ru', message: 'x' }])],
    ['a refusal', new ApiRequestError(403, 'FORBIDDEN', [{ path: 'body.name.ru', message: 'x' }])],
    ['something else thrown', new Error('body.name.ru')],
  ])('When the error is %s, then no field is blamed', (_, error) => {
    expect(apiFieldProblems(error, FIELDS)).toEqual({});
  });
});

describe('form value helpers', () => {
  test('When comma-separated text is read, then it gives the trimmed, non-empty parts', () => {
    expect(commaList(' ru, en ,, ky ,')).toEqual(['ru', 'en', 'ky']);
    expect(commaList('  ')).toEqual([]);
  });

  test('When a number input is checked for a whole number, then empty, fractions and too small ones fail', () => {
    expect(isWhole('', { min: 0 })).toBe(false);
    expect(isWhole(0, { min: 0 })).toBe(true);
    expect(isWhole(0)).toBe(false);
    expect(isWhole(2.5)).toBe(false);
    expect(isWhole('12')).toBe(true);
    expect(isWhole('abc')).toBe(false);
    expect(isWhole(13, { max: 12 })).toBe(false);
  });

  test('When a phone is checked, then digits, spaces, brackets, dashes and a leading + pass, the rest not', () => {
    expect(['+996 (555) 12-34-56', '0555123456', '12345'].filter(isPhoneNumber)).toHaveLength(3);
    expect(['1234', '+996 555 abc', '++996555123', '5'.repeat(26)].filter(isPhoneNumber)).toEqual([]);
  });
});
