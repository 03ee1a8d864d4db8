import type { Page } from 'playwright-core';

/**
 * Picks an option of a searchable select the way a quick volunteer does with the keyboard: focus,
 * type over whatever the field shows (intake preselects the only point or campaign), Enter. Like a
 * person, it presses Enter once the option is on the screen: the page may still be loading its
 * choices when the field appears (a fresh phone has nothing cached), and an Enter before they
 * arrive picks nothing.
 */
export async function choose(page: Page, label: string, text: string): Promise<void> {
  await page
    .getByRole('combobox', { name: label, exact: true })
    .or(page.getByRole('textbox', { name: label, exact: true }))
    .first()
    .focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
  await page.getByRole('option', { name: text }).first().waitFor();
  await page.keyboard.press('Enter');
}
