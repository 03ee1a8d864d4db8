/** @jest-environment jsdom */
import { afterAll, describe, expect, test } from '@jest/globals';
import { act, renderHook } from '@testing-library/react';
import { setLanguage, type Language } from '../i18n';
import { useUnitLabel } from './units';

const milk = {
  baseUnit: 'litre' as const,
  packs: [
    { unit: 'crate', size: 12 },
    { unit: 'jerrycan', size: 20 },
  ],
};
const plain = (text: string) => text.replace(/\s/g, ' ');

async function inLanguage(language: Language) {
  await act(() => setLanguage(language));
}

afterAll(() => setLanguage('ru'));

describe('quantities with their units', () => {
  test('When the interface is in Russian, then units take the plural form the number asks for', async () => {
    await inLanguage('ru');
    const { result } = renderHook(() => useUnitLabel());
    expect(result.current.quantity(1, 'loaf')).toBe('1 буханка');
    expect(result.current.quantity(24, 'loaf')).toBe('24 буханки');
    expect(result.current.quantity(5, 'loaf')).toBe('5 буханок');
    expect(result.current.quantity(2, 'crate')).toBe('2 ящика');
    expect(plain(result.current.quantity(15000, 'litre'))).toBe('15 000 литров');
  });

  test('When the interface is in English, then numbers and units are English', async () => {
    await inLanguage('en');
    const { result } = renderHook(() => useUnitLabel());
    expect(result.current.quantity(1, 'tray')).toBe('1 tray');
    expect(result.current.quantity(15000, 'litre')).toBe('15,000 litres');
  });

  test('When a pack unit is not one Karavan knows, then it is shown as the catalogue names it', async () => {
    await inLanguage('en');
    const { result } = renderHook(() => useUnitLabel());
    expect(result.current.quantity(3, 'jerrycan')).toBe('3 jerrycan');
  });

  test('When a quantity may be given in several units, then the base unit comes first, then each pack with its size', async () => {
    await inLanguage('ru');
    const { result } = renderHook(() => useUnitLabel());
    expect(result.current.choices(milk)).toEqual([
      { value: 'litre', label: 'литр' },
      { value: 'crate', label: 'ящик (12 литров)' },
      { value: 'jerrycan', label: 'jerrycan (20 литров)' },
    ]);
  });
});
