import { QUANTITY_MAX, parseQuantity } from '@karavan/shared';

const value = (typed: string, locale: string, rules = {}) => parseQuantity(typed, locale, rules);
const NBSP = '\u00a0';
const NNBSP = '\u202f';

describe('parseQuantity', () => {
  describe.each(['ru', 'ky', 'kk'])('in %s (decimal comma, groups with spaces)', (locale) => {
    test('When digits are grouped with spaces of any kind, then they are one whole number', () => {
      expect(value('1500', locale)).toEqual({ ok: true, value: 1500 });
      expect(value('1 500', locale)).toEqual({ ok: true, value: 1500 });
      expect(value(`1${NBSP}500`, locale)).toEqual({ ok: true, value: 1500 });
      expect(value(`1${NNBSP}500${NNBSP}000`, locale)).toEqual({ ok: true, value: 1_500_000 });
      expect(value('  24 ', locale)).toEqual({ ok: true, value: 24 });
    });

    test('When a fraction is typed with a comma or a dot, then it is refused as a decimal, never 15', () => {
      expect(value('1,5', locale)).toEqual({ ok: false, problem: 'decimal' });
      expect(value('1.5', locale)).toEqual({ ok: false, problem: 'decimal' });
      // "1,000" is one to three places in these languages: never read as a thousand
      expect(value('1,000', locale)).toEqual({ ok: false, problem: 'decimal' });
      expect(value('2,0', locale)).toEqual({ ok: false, problem: 'decimal' });
    });
  });

  describe('in en (decimal dot, groups with commas)', () => {
    test('When thousands are grouped with commas or spaces, then they are one whole number', () => {
      expect(value('1,500', 'en')).toEqual({ ok: true, value: 1500 });
      expect(value('1,500,000', 'en')).toEqual({ ok: true, value: 1_500_000 });
      expect(value('1 500', 'en')).toEqual({ ok: true, value: 1500 });
      expect(value(`1${NBSP}500`, 'en')).toEqual({ ok: true, value: 1500 });
    });

    test('When a fraction is typed, then it is refused as a decimal', () => {
      expect(value('1.5', 'en')).toEqual({ ok: false, problem: 'decimal' });
      // not a thousands group: a comma where a point was meant
      expect(value('1,5', 'en')).toEqual({ ok: false, problem: 'decimal' });
    });

    test('When commas group digits wrongly, then it is refused, never read as some number', () => {
      expect(value('15,00', 'en')).toEqual({ ok: false, problem: 'decimal' });
      expect(value('1,50,0', 'en')).toEqual({ ok: false, problem: 'format' });
      expect(value('1,500.5', 'en').ok).toBe(false);
    });
  });

  describe('in a language that groups with dots (de)', () => {
    test('When thousands are grouped with dots, then they are one whole number; a comma is a decimal', () => {
      expect(value('1.500', 'de')).toEqual({ ok: true, value: 1500 });
      expect(value('1,5', 'de')).toEqual({ ok: false, problem: 'decimal' });
    });
  });

  test('When digits of another script are typed, then they count as digits', () => {
    expect(value('١٥٠٠', 'ru')).toEqual({ ok: true, value: 1500 });
    expect(value('１２', 'en')).toEqual({ ok: true, value: 12 });
  });

  test('When a negative number is typed, then it is refused as negative, never made positive', () => {
    expect(value('-5', 'ru')).toEqual({ ok: false, problem: 'negative' });
    expect(value('\u22125', 'en')).toEqual({ ok: false, problem: 'negative' });
    expect(value('-1,5', 'ru')).toEqual({ ok: false, problem: 'negative' });
  });

  test('When zero is typed where at least one is needed, then it is refused; a count may be zero', () => {
    expect(value('0', 'ru')).toEqual({ ok: false, problem: 'tooSmall', limit: 1 });
    expect(value('0', 'ru', { min: 0 })).toEqual({ ok: true, value: 0 });
  });

  test('When the number is above the limit, then it is refused naming the limit', () => {
    expect(value('99 999 999 999', 'ru')).toEqual({ ok: false, problem: 'tooBig', limit: QUANTITY_MAX });
    expect(value(String(QUANTITY_MAX), 'ru')).toEqual({ ok: true, value: QUANTITY_MAX });
    expect(value('1 000 001', 'en', { max: 1_000_000 })).toEqual({ ok: false, problem: 'tooBig', limit: 1_000_000 });
    expect(value('9'.repeat(40), 'en')).toEqual({ ok: false, problem: 'tooBig', limit: QUANTITY_MAX });
  });

  test('When nothing or no number is typed, then it says so', () => {
    expect(value('', 'ru')).toEqual({ ok: false, problem: 'empty' });
    expect(value('   ', 'ru')).toEqual({ ok: false, problem: 'empty' });
    expect(value('abc', 'ru')).toEqual({ ok: false, problem: 'format' });
    expect(value('5 kg', 'en')).toEqual({ ok: false, problem: 'format' });
    expect(value('1e3', 'en')).toEqual({ ok: false, problem: 'format' });
    expect(value('15 00', 'ru')).toEqual({ ok: false, problem: 'format' });
  });
});
