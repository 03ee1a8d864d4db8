import { describe, expect, test } from '@jest/globals';
import { DEFAULT_THEME, defaultVariantColorsResolver, mergeMantineTheme, toRgba } from '@mantine/core';
import { theme, variantColorResolver } from './theme';

const full = mergeMantineTheme(DEFAULT_THEME, theme);

/** A colour drawn over the white page (the tint's alpha mixes with white). */
function overWhite(color: string): [number, number, number] {
  const { r, g, b, a } = toRgba(color);
  return [r, g, b].map((c) => c * a + 255 * (1 - a)) as [number, number, number];
}

function contrast(text: string, background: string): number {
  const lum = (rgb: [number, number, number]) => {
    const [r, g, b] = rgb.map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(overWhite(text)), lum(overWhite(background))].sort((x, y) => y - x) as [number, number];
  return (a + 0.05) / (b + 0.05);
}

describe('The light variant of every colour (notices: errors, warnings, done)', () => {
  const colours = Object.keys(full.colors).flatMap((name) => [name, `${name}.6`, `${name}.9`]);
  test.each(colours)('When a notice is %s, then its words stand out from its box (at least 4.5:1)', (color) => {
    const resolved = variantColorResolver({ color, theme: full, variant: 'light' });
    // A pale box, never the colour itself behind the words (Mantine 9 fills `red.9` so).
    expect(contrast(resolved.background, '#ffffff')).toBeLessThan(1.3);
    expect(contrast(resolved.color, resolved.background)).toBeGreaterThanOrEqual(4.5);
  });

  test('When a notice is red, then it still reads as red (its words are a dark red)', () => {
    const { r, g, b } = toRgba(variantColorResolver({ color: 'red.9', theme: full, variant: 'light' }).color);
    expect(r).toBeGreaterThan(2 * Math.max(g, b));
  });

  test('When a button is filled, then Mantine decides its colours as before', () => {
    const input = { color: 'red.9', theme: full, variant: 'filled' } as const;
    expect(variantColorResolver(input)).toEqual(defaultVariantColorsResolver(input));
  });
});
