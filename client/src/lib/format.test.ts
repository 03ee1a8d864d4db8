import { beforeAll, describe, expect, test } from '@jest/globals';
import i18n from 'i18next';
import {
  ensureLocaleData,
  formatDate,
  formatDateTime,
  formatMinutes,
  formatNumber,
  formatRelative,
  formatTime,
  textOrder,
  toLocalDateInput,
  toLocalInput,
} from './format';

const AT = '2026-11-26T09:05:00.000Z';

/** The device's wall-clock time of an instant, from its UTC offset: [YYYY-MM-DD, HH:MM]. */
function wall(iso: string): [string, string] {
  const time = Date.parse(iso);
  const local = new Date(time - new Date(time).getTimezoneOffset() * 60_000).toISOString();
  return [local.slice(0, 10), local.slice(11, 16)];
}
const plain = (text: string) => text.replace(/\s/g, ' ');
const nativeNumberFormat = Intl.NumberFormat;

beforeAll(async () => {
  await i18n.init({ lng: 'ru', fallbackLng: 'ru', resources: {} });
});

async function inLanguage(language: string) {
  await ensureLocaleData(language);
  await i18n.changeLanguage(language);
}

describe('numbers, dates and durations in the interface language', () => {
  test.each([
    ['ru', '15 000,5'],
    ['en', '15,000.5'],
    ['ky', '15 000,5'],
    ['kk', '15 000,5'],
  ])('When the interface is in %s, then numbers are grouped and pointed as there', async (language, expected) => {
    await inLanguage(language);
    expect(plain(formatNumber(15000.5))).toBe(expected);
  });

  test('When a time is shown, then it is in the device’s time zone and the language’s order', async () => {
    const [date, time] = wall(AT);
    const [year = '', month, day] = date.split('-');
    await inLanguage('ru');
    expect(formatDateTime(AT)).toBe(`${day}.${month}.${year}, ${time}`);
    await inLanguage('en');
    const hours = Number(time.slice(0, 2));
    expect(plain(formatDateTime(AT))).toBe(
      `${Number(month)}/${Number(day)}/${year.slice(2)}, ${hours % 12 || 12}:${time.slice(3)} ${hours < 12 ? 'AM' : 'PM'}`,
    );
  });

  test('When a date is not a date, then nothing is shown rather than "Invalid Date"', async () => {
    await inLanguage('ru');
    expect(formatDateTime('yesterday-ish')).toBe('');
  });

  test('When a time is relative, then it says how long ago or how soon, in the language', async () => {
    const now = Date.parse(AT);
    await inLanguage('ru');
    expect(formatRelative(now - 2 * 3_600_000, now)).toBe('2 часа назад');
    expect(formatRelative(now + 3 * 86_400_000, now)).toBe('через 3 дня');
    expect(formatRelative(now + 20_000, now)).toBe('в эту минуту');
    await inLanguage('en');
    expect(formatRelative(now - 5 * 60_000, now)).toBe('5 minutes ago');
    await inLanguage('kk');
    expect(formatRelative(now - 2 * 3_600_000, now)).toBe('2 сағат бұрын');
  });

  test('When a wait is shown, then hours and minutes are in the language’s short units', async () => {
    await inLanguage('ru');
    expect(formatMinutes(85)).toBe('1 ч 25 мин');
    expect(formatMinutes(45)).toBe('45 мин');
    await inLanguage('en');
    expect(formatMinutes(125)).toBe('2 hr 5 min');
  });

  test('When a form field takes a local date and time, then it gets the device’s wall-clock time', () => {
    expect(toLocalInput(new Date(AT))).toBe(wall(AT).join('T'));
    const lateEvening = '2026-11-26T23:30:00.000Z';
    expect(toLocalDateInput(new Date(lateEvening))).toBe(wall(lateEvening)[0]);
  });

  test('When the interface is in Kyrgyz or Kazakh, then dates, times, relative times and units come from the bundled data, not the browser', async () => {
    // What a browser without ky/kk data would do is what the bundled data replaces: the
    // Intl the formatters use here is FormatJS's (the globals are the browser's own again after).
    const now = Date.parse(AT);
    const [date, time] = wall(AT);
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    await inLanguage('ky');
    expect(formatRelative(now - 4 * 3_600_000, now)).toBe('4 саат мурун');
    expect(formatRelative(now + 3 * 86_400_000, now)).toBe('3 күндөн кийин');
    expect(plain(formatNumber(2000))).toBe('2 000');
    expect(formatTime(AT)).toBe(time);
    expect(formatDate(AT)).toBe(
      `${year}-ж., ${day}-${['', '', '', '', '', '', '', '', '', '', '', 'ноя.', 'дек.'][month]}`,
    );
    expect(plain(formatMinutes(85))).toBe('1 ст 25 мүн');
    await inLanguage('kk');
    expect(formatRelative(now - 4 * 3_600_000, now)).toBe('4 сағат бұрын');
    expect(plain(formatNumber(2000))).toBe('2 000');
    expect(plain(formatDate(AT))).toBe(
      `${year} ж. ${day} ${['', '', '', '', '', '', '', '', '', '', '', 'қар.', 'жел.'][month]}`,
    );
    expect(formatDateTime(AT)).toContain(time);
    expect(plain(formatMinutes(85))).toBe('1 сағ 25 мин');
    // The browser's own Intl is left as it was.
    expect(Intl.NumberFormat).toBe(nativeNumberFormat);
  });
});

describe('order of texts', () => {
  test('When names are sorted in Russian and in English, then each language orders them its own way', () => {
    const names = ['Яблоки', 'мука', 'Ёлка', 'Апельсины', 'Ежевика'];
    // (the same order as localeCompare in that language, with one collator made per language)
    expect([...names].sort(textOrder('ru'))).toEqual(['Апельсины', 'Ежевика', 'Ёлка', 'мука', 'Яблоки']);
    expect([...names].sort(textOrder('ru'))).toEqual([...names].sort((a, b) => a.localeCompare(b, 'ru')));
    expect(['b', 'A', 'a', 'B'].sort(textOrder('en'))).toEqual(['a', 'A', 'b', 'B']);
    expect(textOrder('ru')).toBe(textOrder('ru'));
  });
});
