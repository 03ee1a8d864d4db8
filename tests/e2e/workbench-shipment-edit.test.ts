import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ShipmentDto } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { createUser } from '../support/factories';
import {
  choose,
  makeWorld,
  post,
  screenshot,
  seriousViolations,
  signInAt,
  TABLET,
  type Named,
  type World,
} from './workbench-support';

// Changing a shipment's plan on the screens before departure: destination, driver (from the
// drivers list coordinators may read), notes and goods of a loading shipment, whose reservation
// follows; another viewer sees the new plan live.

let app: TestApp;
let browser: Browser;
let contexts: BrowserContext[];
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
  contexts = [];
  pageErrors = [];
});

afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  expect(pageErrors).toEqual([]);
});

async function openPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: app.url, viewport: TABLET });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error));
  return page;
}

const reservedAtPoint = async () => {
  const stock = await request(app.url)
    .get(`/api/stock?locationId=${world.point.id}&itemId=${world.milk.id}`)
    .set(world.coordinator.auth);
  return (stock.body.items as { reserved: number }[]).reduce((sum, row) => sum + row.reserved, 0);
};

test('When a coordinator changes a loading shipment on its page, then destination, driver, notes and goods change, the reservation follows and another viewer sees it live', async () => {
  const hour = 3_600_000;
  await post(app.url, world.coordinator.auth, '/api/donations', {
    campaignId: world.campaign.id,
    locationId: world.point.id,
    lines: [{ itemId: world.milk.id, quantity: 40, expiresAt: new Date(Date.now() + 200 * hour).toISOString() }],
  });
  const driver = await createUser({ role: 'driver', name: `Айбек Водитель ${world.tag}` });
  const depotName = `Распределение ${world.tag}`;
  const depot = await post<Named>(app.url, world.organiser.auth, '/api/locations', {
    name: depotName,
    kind: 'distribution_point',
  });
  const planned = await post<ShipmentDto>(app.url, world.coordinator.auth, '/api/shipments', {
    campaignId: world.campaign.id,
    originId: world.point.id,
    destinationId: world.warehouse.id,
    lines: [{ itemId: world.milk.id, quantity: 10 }],
  });
  const loading = await request(app.url)
    .post(`/api/shipments/${planned.id}/updates`)
    .set(world.coordinator.auth)
    .send({ id: crypto.randomUUID(), status: 'loading', at: new Date().toISOString() });
  expect(loading.status).toBe(200);
  expect(await reservedAtPoint()).toBe(10);

  // An organiser watches the shipment's page meanwhile.
  const watcher = await openPage();
  await signInAt(watcher, `/shipments/${planned.id}`, world.organiser);
  await watcher.getByTestId('shipment').and(watcher.locator('[data-status="loading"]')).waitFor();

  const page = await openPage();
  await signInAt(page, `/shipments/${planned.id}`, world.coordinator);
  await page.getByTestId('shipment').waitFor();
  await page.getByTestId('edit-shipment').click();
  await page.getByTestId('edit-form').waitFor();
  await page.getByTestId('edit-loading-hint').waitFor();
  // The reserved lot shows under the line.
  await page
    .getByTestId('line-fefo')
    .getByText(/10 литров/)
    .waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'shipment-edit');

  await page
    .getByRole('textbox', { name: 'Куда', exact: true })
    .or(page.getByRole('combobox', { name: 'Куда', exact: true }))
    .first()
    .fill('');
  await choose(page, 'Куда', depotName);
  await choose(page, 'Водитель', driver.user.name);
  await page.getByLabel('Заметки').fill('Позвонить на КПП заранее');
  // More than the point holds: the server says what is missing, and nothing typed is lost.
  await page.getByLabel('Количество 1').fill('100');
  await page.getByTestId('line-fefo-missing').waitFor();
  await page.getByTestId('edit-submit').click();
  await page
    .getByTestId('lines-error')
    .getByText(/не хватает 60 литров/)
    .waitFor();
  expect(await page.getByLabel('Заметки').inputValue()).toBe('Позвонить на КПП заранее');
  expect(await reservedAtPoint()).toBe(10);

  await page.getByLabel('Количество 1').fill('25');
  await page.getByTestId('edit-submit').click();
  await page.getByTestId('shipment').and(page.locator('[data-status="loading"]')).waitFor();
  await page.getByTestId('shipment-notes').getByText('Позвонить на КПП заранее').waitFor();
  await page.getByRole('heading', { name: new RegExp(depotName) }).waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  const res = await request(app.url).get(`/api/shipments/${planned.id}`).set(world.coordinator.auth);
  expect(res.body).toMatchObject({
    status: 'loading',
    destinationId: depot.id,
    destinationKind: 'distribution_point',
    driverId: driver.user.id,
    notes: 'Позвонить на КПП заранее',
  });
  expect(res.body.lines[0].quantity).toBe(25);
  expect(res.body.lines[0].lots.map((lot: { quantity: number }) => lot.quantity)).toEqual([25]);
  expect(await reservedAtPoint()).toBe(25);

  // The organiser's page took the new plan without a reload.
  await watcher.getByTestId('shipment-notes').getByText('Позвонить на КПП заранее').waitFor();
  await watcher
    .getByTestId('manifest-lot')
    .getByText(/^25 литров/)
    .waitFor();
});

test('When the shipment has departed, then its page offers no change and the edit address says why', async () => {
  await post(app.url, world.coordinator.auth, '/api/donations', {
    campaignId: world.campaign.id,
    locationId: world.point.id,
    lines: [{ itemId: world.milk.id, quantity: 5 }],
  });
  const shipment = await post<ShipmentDto>(app.url, world.coordinator.auth, '/api/shipments', {
    campaignId: world.campaign.id,
    originId: world.point.id,
    destinationId: world.warehouse.id,
    lines: [{ itemId: world.milk.id, quantity: 5 }],
  });
  for (const status of ['loading', 'departed']) {
    const res = await request(app.url)
      .post(`/api/shipments/${shipment.id}/updates`)
      .set(world.coordinator.auth)
      .send({ id: crypto.randomUUID(), status, at: new Date().toISOString() });
    expect(res.status).toBe(200);
  }
  const page = await openPage();
  await signInAt(page, `/shipments/${shipment.id}`, world.coordinator);
  await page.getByTestId('shipment').and(page.locator('[data-status="departed"]')).waitFor();
  expect(await page.getByTestId('edit-shipment').count()).toBe(0);
  await page.goto(`/shipments/${shipment.id}/edit`);
  await page.getByTestId('edit-closed').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
});
