import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import {
  choose,
  localInput,
  makeWorld,
  post,
  screenshot,
  seriousViolations,
  signInAt,
  TABLET,
  type World,
} from './workbench-support';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: Error[];
let world: World;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  world = await makeWorld(app.url);
  context = await browser.newContext({ baseURL: app.url, viewport: TABLET });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
});

afterEach(async () => {
  await context.close();
  expect(pageErrors).toEqual([]);
});

test('When a coordinator plans and loads a shipment on the screens, then the FEFO lots and the expiry warning show', async () => {
  const hour = 3_600_000;
  const soon = new Date(Date.now() + 30 * hour).toISOString();
  const later = new Date(Date.now() + 200 * hour).toISOString();
  // Two lots at the point: 10 litres expiring in 30 hours, 20 litres in 200 hours.
  await post(app.url, world.coordinator.auth, '/api/donations', {
    campaignId: world.campaign.id,
    locationId: world.point.id,
    lines: [{ itemId: world.milk.id, quantity: 20, expiresAt: later }],
  });
  await post(app.url, world.coordinator.auth, '/api/donations', {
    campaignId: world.campaign.id,
    locationId: world.point.id,
    lines: [{ itemId: world.milk.id, quantity: 10, expiresAt: soon }],
  });

  await signInAt(page, '/shipments', world.coordinator);
  await page.getByRole('heading', { name: 'Рейсы', level: 1 }).waitFor();
  await page.getByTestId('shipments-empty').or(page.getByTestId('shipments-table')).waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'shipments-list');

  await page.getByTestId('plan-shipment').click();
  await page.getByRole('heading', { name: 'Новый рейс', level: 1 }).waitFor();
  // Submitting empty tells what is missing next to the fields.
  await page.getByTestId('plan-submit').click();
  await page.getByTestId('lines-error').waitFor();
  expect(await page.getByText('Заполните это поле').count()).toBeGreaterThanOrEqual(3);

  await choose(page, 'Кампания', world.campaign.name);
  await choose(page, 'Откуда', world.point.name);
  await choose(page, 'Куда', world.warehouse.name);
  await page.getByRole('combobox', { name: 'Пункты пропуска' }).focus();
  await page.keyboard.type(world.checkpoint.name);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  await page.getByLabel('Машина (марка, тип)').fill('ГАЗель');
  await page.getByLabel('Госномер').fill('01KG123ABC');
  await page.getByLabel('Выезд по плану').fill(localInput(new Date(Date.now() + hour)));
  await page.getByLabel('Или часов в пути').fill('48');
  await choose(page, 'Товар 1', world.milk.name.ru);
  await page.getByLabel('Количество 1').fill('15');
  await page.getByTestId('plan-line').getByText('15 литров').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'shipment-plan');
  await page.getByTestId('plan-submit').click();

  await page.getByTestId('shipment').and(page.locator('[data-status="planned"]')).waitFor();
  const shipmentId = new URL(page.url()).pathname.split('/').pop()!;
  // Before loading: the FEFO suggestion from the stock now, the earliest expiry first.
  const suggested = page.getByTestId('fefo-lot');
  await suggested.first().waitFor();
  expect(await suggested.allTextContents()).toEqual([
    expect.stringMatching(/^10 литров · годен до /),
    expect.stringMatching(/^5 литров · годен до /),
  ]);
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByTestId('action-loading').click();
  await page.getByTestId('shipment').and(page.locator('[data-status="loading"]')).waitFor();
  const lots = page.getByTestId('manifest-lot');
  await lots.nth(1).waitFor();
  expect(await lots.allTextContents()).toEqual([
    expect.stringMatching(/^10 литров · годен до /),
    expect.stringMatching(/^5 литров · годен до /),
  ]);
  // The 30-hour lot will not last the 48 hours on the road.
  await page.locator('[data-testid="shipment-warning"][data-code="EXPIRES_BEFORE_ARRIVAL"]').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'shipment-loaded');

  const res = await request(app.url).get(`/api/shipments/${shipmentId}`).set(world.coordinator.auth);
  expect(res.body.status).toBe('loading');
  expect(res.body.route).toEqual([world.checkpoint.id]);
  expect(res.body.vehicle).toMatchObject({ plate: '01KG123ABC', kind: 'ГАЗель' });
  expect(res.body.lines[0].lots.map((lot: { quantity: number }) => lot.quantity)).toEqual([10, 5]);

  // Cancelled before departure: the reservation is released.
  await page.getByTestId('action-cancel').click();
  await page.getByTestId('cancel-confirm').click();
  await page.getByTestId('shipment').and(page.locator('[data-status="cancelled"]')).waitFor();
  const reserved = async () => {
    const stock = await request(app.url)
      .get(`/api/stock?locationId=${world.point.id}&itemId=${world.milk.id}`)
      .set(world.coordinator.auth);
    return (stock.body.items as { reserved: number }[]).reduce((sum, row) => sum + row.reserved, 0);
  };
  await page.getByTestId('outbox').waitFor({ state: 'detached' });
  expect(await reserved()).toBe(0);
});
