import {
  createTheme,
  darken,
  defaultVariantColorsResolver,
  parseThemeColor,
  rgba,
  type MantineColorsTuple,
  type VariantColorsResolver,
} from '@mantine/core';

// Karavan blue (#1f4e79 at index 7): dark enough for white text at AA/AAA contrast.
const karavan: MantineColorsTuple = [
  '#eaf2fa',
  '#d3e2f1',
  '#a5c3e3',
  '#74a2d5',
  '#4c87c9',
  '#3475c1',
  '#2a63a5',
  '#1f4e79',
  '#163a5a',
  '#0c2640',
];

/**
 * The "light" variant (notices, quiet buttons): a pale tint of the colour behind dark text of the
 * same hue. Mantine 9 fills a light box given a shade (`red.9`) with that shade itself, under
 * text of the same red: a warning nobody could read. And its own light text (shade 9 on shade 1)
 * is under 4.5:1 for orange and yellow. So: the shade (or shade 6) at 10 % over the page, and
 * shade 9 darkened by a third for the text, at least 5:1 on every colour of the theme.
 */
export const variantColorResolver: VariantColorsResolver = (input) => {
  const resolved = defaultVariantColorsResolver(input);
  if (input.variant !== 'light') return resolved;
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  const shades = parsed.isThemeColor ? input.theme.colors[parsed.color] : undefined;
  if (!shades) return resolved;
  const tint = shades[parsed.shade ?? 6];
  return {
    ...resolved,
    background: rgba(tint, 0.1),
    hover: rgba(tint, 0.16),
    color: darken(shades[9], 0.35),
  };
};

/**
 * One calm, high-contrast look for the whole client: large type and touch targets (44 px at
 * least), strong focus rings, no colour as the only signal.
 */
export const theme = createTheme({
  primaryColor: 'karavan',
  primaryShade: 7,
  colors: { karavan },
  variantColorResolver,
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif",
  defaultRadius: 'md',
  focusRing: 'always',
  cursorType: 'pointer',
  fontSizes: { xs: '0.875rem', sm: '1rem', md: '1.0625rem', lg: '1.1875rem', xl: '1.375rem' },
  components: {
    Button: { defaultProps: { size: 'md' } },
    TextInput: { defaultProps: { size: 'md' } },
    NumberInput: { defaultProps: { size: 'md' } },
    // A select's options are the listbox's own children, never inside a scrolling region of their
    // own (a scrolling region must take the focus, and a listbox may hold nothing focusable but
    // options: axe's scrollable-region-focusable and aria-required-children): a long list makes
    // the page longer, and typing narrows it. No select says "nothing found"
    // inside its list (a listbox must hold options: axe's aria-required-children): with no match the
    // list closes; intake says it under its item field.
    // A closed select's list is not kept in the page (hidden): kept, each select placed its hidden
    // list when the screen was built (a forced layout and a second render of the select, three
    // times in the intake form's first task on a phone). It is built when the select opens.
    Select: { defaultProps: { size: 'md', withScrollArea: false, comboboxProps: { keepMounted: false } } },
    MultiSelect: { defaultProps: { withScrollArea: false } },
    Textarea: { defaultProps: { size: 'md' } },
    Checkbox: { defaultProps: { size: 'md' } },
    Switch: { defaultProps: { size: 'md' } },
    Autocomplete: { defaultProps: { size: 'md' } },
  },
});
