import { seriousViolations as settledViolations } from '../support/axe';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, sendUpdate } from '../support/shipments';

/*
 * axe-core on the screens of the foundation, in Russian and English: no serious or critical
 * violation. The workbench's selects, open and searched, are in a11y-selects.test.ts.
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

test.each(['ru', 'en'])(
  'When a driver uses the login, start, shipments and one shipment with updates waiting (%s), then axe finds no serious violation',
  async (language) => {
    const scene = await buildScene(app.url);
    const coordinator = await signedIn(app.url, { role: 'coordinator' });
    const shipment = await createShipment(app.url, coordinator.auth, scene, { documents: [{ key: 'waybill' }] });
    expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading')).status).toBe(200);
    await page.addInitScript((lang) => localStorage.setItem('karavan.language', lang), language);
    const { email } = scene.driver.user;
    const { password } = scene.driver;
    await page.goto('/driver');
    await page.locator('[data-testid="login-form"]').waitFor();
    expect(await seriousViolations()).toEqual([]);

    await page.locator('input[type="email"]').fill(email);
    await page.locator('input[type="password"]').fill(password);
    await page.keyboard.press('Enter');
    await page.getByTestId('shipment-card').waitFor();
    expect(await seriousViolations()).toEqual([]);

    await page.getByTestId('shipment-card').click();
    await page.getByTestId('driver-actions').getByRole('button').first().waitFor();
    await context.setOffline(true);
    await page.getByTestId('driver-actions').getByRole('button').first().click();
    await page.getByTestId('outbox').waitFor();
    expect(await seriousViolations()).toEqual([]);
    await context.setOffline(false);
    await page.getByTestId('outbox').waitFor({ state: 'detached' });

    await page.goto('/');
    await page.getByTestId('home').waitFor();
    expect(await seriousViolations()).toEqual([]);

    await page.goto('/intake');
    await page.getByTestId('not-for-role').waitFor();
    expect(await seriousViolations()).toEqual([]);
    expect(new URL(page.url()).pathname).toBe('/intake');
  },
);
