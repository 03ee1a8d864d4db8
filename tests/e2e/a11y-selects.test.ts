import { seriousViolations as settledViolations } from '../support/axe';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import { makeWorld, TABLET } from './workbench-support';

/*
 * axe-core on every workbench screen with a select (a file of its own: the longest browser test,
 * run beside the others): no serious or critical violation with each select open and with a
 * search that finds nothing (a listbox must hold options: axe's aria-required-children).
 */

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  context = await browser.newContext({ baseURL: app.url, viewport: PHONE });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
});

afterEach(async () => {
  await context.close();
});

const seriousViolations = () => settledViolations(page);

/** The workbench's screens with a select (filters, forms), who may open each, and what shows it is ready. */
const SELECT_SCREENS: { path: string; ready: string; as?: 'coordinator' }[] = [
  { path: '/dashboard', ready: 'h1' },
  { path: '/intake', ready: '[data-testid="intake-item"]', as: 'coordinator' },
  { path: '/shipments', ready: 'h1' },
  { path: '/shipments/new', ready: '[data-testid="plan-form"]' },
  { path: '/stock', ready: 'h1' },
  { path: '/campaigns', ready: 'h1' },
  { path: '/volunteers', ready: 'h1' },
  { path: '/users', ready: 'h1' },
  { path: '/catalogue', ready: 'h1' },
];

// Every select opened (and searched for what matches nothing) in English; in Russian, the
// screens as they load. Axe's findings here are about structure, which the language does not
// change; opening each select in both languages would double the longest browser test.
test.each([
  ['en', true],
  ['ru', false],
])(
  'When an organiser opens every screen with a select (%s; every select opened and searched: %s), then axe finds no serious violation',
  async (language, openSelects) => {
    const world = await makeWorld(app.url);
    await page.setViewportSize(TABLET);
    await page.addInitScript((lang) => localStorage.setItem('karavan.language', lang), language);
    let signedInAs: 'organiser' | 'coordinator' | null = null;
    for (const screen of SELECT_SCREENS) {
      const who = screen.as ?? 'organiser';
      if (signedInAs !== who) {
        // Signed out: the session is the refresh token the page keeps.
        if (signedInAs) await page.evaluate(() => localStorage.removeItem('karavan.refreshToken'));
        await page.goto(screen.path);
        await page.locator('[data-testid="login-form"]').waitFor();
        await page.locator('input[type="email"]').fill(world[who].user.email);
        await page.locator('input[type="password"]').fill(world[who].password);
        await page.keyboard.press('Enter');
        signedInAs = who;
      } else await page.goto(screen.path);
      await page.locator(screen.ready).first().waitFor();
      // Lists load: the selects are filled (or stay empty) before axe looks.
      await page.waitForLoadState('networkidle');
      expect([screen.path, await seriousViolations()]).toEqual([screen.path, []]);
      const selects = page.locator('input.mantine-Select-input:not([disabled]), input.mantine-MultiSelect-inputField');
      const count = openSelects ? await selects.count() : 0;
      // A table repeats one select per row (the places of each user): the first row's stands for the rest.
      const seenInRows = new Set<string>();
      for (let i = 0; i < count; i += 1) {
        const select = selects.nth(i);
        if (!(await select.isVisible())) continue;
        const rowKey = await select.evaluate((el) => {
          const cell = el.closest('td');
          return cell ? `${cell.cellIndex}:${el.className}` : null;
        });
        if (rowKey && seenInRows.has(rowKey)) continue;
        if (rowKey) seenInRows.add(rowKey);
        await select.click();
        expect([screen.path, i, 'open', await seriousViolations()]).toEqual([screen.path, i, 'open', []]);
        if ((await select.getAttribute('readonly')) === null) {
          await select.fill('zzzz-nothing');
          expect([screen.path, i, 'nothing', await seriousViolations()]).toEqual([screen.path, i, 'nothing', []]);
          await select.fill('');
        }
        await page.keyboard.press('Escape');
      }
    }
  },
  // Nine screens, each select opened twice, axe each time.
  240_000,
);
