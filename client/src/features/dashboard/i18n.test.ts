import { describe, expect, test } from '@jest/globals';
import dashboardEn from './i18n/en.json';
import dashboardKk from './i18n/kk.json';
import dashboardKy from './i18n/ky.json';
import dashboardRu from './i18n/ru.json';
import needsEn from '../needs/i18n/en.json';
import needsKk from '../needs/i18n/kk.json';
import needsKy from '../needs/i18n/ky.json';
import needsRu from '../needs/i18n/ru.json';

function keys(messages: object, prefix = ''): string[] {
  return Object.entries(messages)
    .flatMap(([key, value]) =>
      typeof value === 'object' && value !== null ? keys(value as object, `${prefix}${key}.`) : [prefix + key],
    )
    .sort();
}

describe('dashboard and needs translations', () => {
  test.each([
    ['dashboard en', dashboardRu, dashboardEn],
    ['dashboard ky', dashboardRu, dashboardKy],
    ['dashboard kk', dashboardRu, dashboardKk],
    ['needs en', needsRu, needsEn],
    ['needs ky', needsRu, needsKy],
    ['needs kk', needsRu, needsKk],
  ])('When the %s messages are read, then they have exactly the Russian keys', (_, reference, messages) => {
    expect(keys(messages)).toEqual(keys(reference));
  });
});
