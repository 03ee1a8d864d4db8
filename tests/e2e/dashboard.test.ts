import fs from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, sendUpdate, type Scene } from '../support/shipments';

const BIG_SCREEN = { width: 1600, height: 1000 };
const SHOTS = 'test-results/screenshots';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: Error[];

type Auth = Record<string, string>;
let organiser: Awaited<ReturnType<typeof signedIn>>;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let scene: Scene;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchChromium();
  fs.mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  [organiser, coordinator] = await Promise.all([
    signedIn(app.url, { role: 'organiser' }),
    signedIn(app.url, { role: 'coordinator' }),
  ]);
  scene = await buildScene(app.url, { stock: 1000 });
  await request(app.url)
    .patch(`/api/campaigns/${scene.campaign.id}`)
    .set(organiser.auth)
    .send({ targets: [{ itemId: scene.item.id, quantity: 5000 }] })
    .expect(200);
  context = await browser.newContext({ baseURL: app.url, viewport: BIG_SCREEN });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
});

afterEach(async () => {
  await context.close();
  expect(pageErrors).toEqual([]);
});

async function donate(quantity: number, auth: Auth = coordinator.auth) {
  const res = await request(app.url)
    .post('/api/donations')
    .set(auth)
    .send({
      campaignId: scene.campaign.id,
      locationId: scene.origin.id,
      donor: { kind: 'person', name: 'Айгуль Секретова', phone: '+996555123456', consentToContact: true },
      lines: [{ itemId: scene.item.id, quantity }],
    });
  if (res.status !== 201) throw new Error(`donation: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

async function openDashboard(): Promise<void> {
  await page.goto(`/dashboard?campaign=${scene.campaign.id}`);
  await page.getByRole('heading', { name: 'Вход' }).waitFor();
  await page.getByLabel('Электронная почта').fill(organiser.user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(organiser.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Панель операции', level: 1 }).waitFor();
  await page.locator('[data-testid="connection"][data-status="connected"]').waitFor();
}

const cell = (column: string) =>
  page.locator(`[data-testid="progress"] tr[data-item="${scene.item.id}"] td[data-column="${column}"]`);

/** Waits until the item's cell in `column` shows `value` (digits only; the grouping space aside). */
async function waitForCell(column: string, value: string): Promise<void> {
  const selector = `[data-testid="progress"] tr[data-item="${scene.item.id}"] td[data-column="${column}"]`;
  await page.waitForFunction(
    ([sel, expected]) => document.querySelector(sel!)?.textContent?.replace(/\s/g, '') === expected,
    [selector, value],
  );
}

async function seriousViolations(): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.nodes.map((node) => `${node.target.join(' ')} ${node.failureSummary ?? ''}`).join(', ')}`,
    );
}

test('When a donation is recorded through the API, then the dashboard shows it without a reload', async () => {
  await openDashboard();
  await waitForCell('donated', '1000');
  let navigations = 0;
  page.on('framenavigated', () => (navigations += 1));

  await donate(24);
  await waitForCell('donated', '1024');
  await waitForCell('usable', '1024');
  await page.locator('[data-testid="feed"] li[data-kind="donation"]').first().waitFor();
  expect(await page.locator('[data-testid="feed"]').textContent()).toContain('Пожертвование');
  expect(await page.locator('[data-testid="feed"] li[data-kind="donation"]').first().textContent()).toContain(
    scene.origin.name.ru,
  );
  // The chart counts it in its hour.
  await page.getByText('Всего пожертвований за 48 ч: 1').first().waitFor();
  // The stock of the origin shows the lots.
  await page.locator('[data-testid="stock"]').getByText(scene.origin.name.ru).waitFor();
  expect(navigations).toBe(0);
  // No donor's name or phone on the big screen.
  const text = (await page.locator('body').textContent()) ?? '';
  expect(text).not.toContain('Айгуль');
  expect(text).not.toContain('+996555123456');

  expect(await seriousViolations()).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/dashboard-ru.png`, fullPage: true });
  await page.getByRole('button', { name: 'EN', exact: true }).click();
  await page.getByRole('heading', { name: 'Operation dashboard', level: 1 }).waitFor();
  expect(await seriousViolations()).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/dashboard-en.png`, fullPage: true });
});

test('When a truck departs and reaches the border, then the list, the map and the feed show it live', async () => {
  const shipment = await createShipment(app.url, organiser.auth, scene);
  await openDashboard();
  await page.getByText('Нет машин в пути').waitFor();

  expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading')).status).toBeLessThan(300);
  // Loading is not on the road yet: "Trucks on the road" stays empty.
  await app.karavan.live.idle();
  await page.getByText('Нет машин в пути').waitFor();
  expect(await page.locator(`[data-testid="shipments"] tr[data-shipment="${shipment.id}"]`).count()).toBe(0);
  expect((await sendUpdate(app.url, scene.driver.auth, shipment.id, 'departed')).status).toBeLessThan(300);
  const row = page.locator(`[data-testid="shipments"] tr[data-shipment="${shipment.id}"]`);
  await page.locator(`[data-testid="shipments"] tr[data-shipment="${shipment.id}"][data-status="departed"]`).waitFor();
  expect(await row.textContent()).toContain('01KG777AAA');
  // Where from and where to, in the viewer's language (not "[object Object]").
  expect(await row.textContent()).toContain(`${scene.origin.name.ru} → ${scene.destination.name.ru}`);
  await page.locator('[data-testid="feed"]').getByText('Машина 01KG777AAA выехала').waitFor();
  // The map: the truck, its route and the checkpoint on a plain background (no tile server here).
  await page.getByTestId('tiles-offline').waitFor();
  expect(await page.locator('.dashboard-map path.leaflet-interactive').count()).toBeGreaterThanOrEqual(2);
  expect(await page.locator('.dashboard-map .dashboard-truck').count()).toBe(1);
  await page.locator('.leaflet-tooltip', { hasText: '01KG777AAA · выехала' }).waitFor();

  expect(
    (
      await sendUpdate(app.url, scene.driver.auth, shipment.id, 'at_checkpoint', {
        checkpointId: scene.checkpoint.id,
        position: { lat: 43.0386, lng: 74.7059 },
      })
    ).status,
  ).toBeLessThan(300);
  await page
    .locator(`[data-testid="shipments"] tr[data-shipment="${shipment.id}"][data-status="at_checkpoint"]`)
    .waitFor();
  await page.locator('[data-testid="feed"]').getByText('Машина 01KG777AAA на границе / КПП').waitFor();
  await page.locator('.leaflet-tooltip', { hasText: '01KG777AAA · на границе' }).waitFor();
  await waitForCell('inTransit', '100');
});

test('When the connection is cut and restored, then the dashboard catches up with the right numbers and no duplicates', async () => {
  await openDashboard();
  await waitForCell('donated', '1000');
  await donate(5);
  await waitForCell('donated', '1005');

  await context.setOffline(true);
  await page.locator('[data-testid="connection"][data-status="reconnecting"]').waitFor();
  expect(await page.getByTestId('connection').textContent()).toContain('Переподключение');
  await donate(7);
  await donate(11);
  await context.setOffline(false);

  await page.locator('[data-testid="connection"][data-status="connected"]').waitFor();
  await waitForCell('donated', '1023');
  await waitForCell('usable', '1023');
  const feed = page.locator('[data-testid="feed"] li[data-kind="donation"]');
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="feed"] li[data-kind="donation"]').length >= 3,
  );
  const seqs = await feed.evaluateAll((items) => items.map((item) => item.getAttribute('data-seq')));
  expect(seqs).toHaveLength(3);
  expect(new Set(seqs).size).toBe(3);
  expect((await cell('donated').textContent())?.replace(/\s/g, '')).toBe('1023');
});

test("When the dashboard opens after events happened, then the feed shows them at once, in the viewer's language, each once", async () => {
  const shipment = await createShipment(app.url, organiser.auth, scene);
  const first = await donate(3);
  const second = await donate(4);
  expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading')).status).toBeLessThan(300);
  expect((await sendUpdate(app.url, scene.driver.auth, shipment.id, 'departed')).status).toBeLessThan(300);
  await app.karavan.live.idle();

  await openDashboard();
  const feed = page.locator('[data-testid="feed"]');
  await feed.getByText('Машина 01KG777AAA выехала').waitFor();
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="feed"] li[data-kind="donation"]').length >= 2,
  );
  expect(await feed.textContent()).toContain('Пожертвование');
  // Newest first: the truck's updates, then the two donations.
  const kinds = await feed.locator('li').evaluateAll((items) => items.map((item) => item.getAttribute('data-kind')));
  expect(kinds.slice(-2)).toEqual(['donation', 'donation']);
  expect(kinds[0]).toBe('shipment');
  expect(first.id).not.toBe(second.id);

  // A live donation joins them; nothing shows twice.
  await donate(5);
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="feed"] li[data-kind="donation"]').length >= 3,
  );
  const seqs = await feed.locator('li').evaluateAll((items) => items.map((item) => item.getAttribute('data-seq')));
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(seqs).toHaveLength(kinds.length + 1);

  await page.getByRole('button', { name: 'EN', exact: true }).click();
  await feed.getByText('Truck 01KG777AAA departed').waitFor();
  expect(await feed.textContent()).toContain('Donation');
});

test('When donations arrive while the dashboard is open, then it updates from the live events alone, without asking the API again', async () => {
  await openDashboard();
  await waitForCell('donated', '1000');
  await page.getByText('Нет машин в пути').waitFor();
  await page.locator('[data-testid="stock"]').waitFor();
  await page.waitForLoadState('networkidle');
  const asked: string[] = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/api/')) asked.push(`${req.method()} ${url.pathname}${url.search}`);
  });

  for (const quantity of [2, 3, 4]) await donate(quantity);
  await waitForCell('donated', '1009');
  await waitForCell('usable', '1009');
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="feed"] li[data-kind="donation"]').length === 3,
  );
  await page.getByText('Всего пожертвований за 48 ч: 3').first().waitFor();
  await app.karavan.live.idle();
  await page.waitForLoadState('networkidle');
  // Progress, stock, chart and feed all moved; not one of them was fetched again.
  expect(asked).toEqual([]);
});
