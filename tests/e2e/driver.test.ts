import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ShipmentDto } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import { signedIn } from '../support/factories';
import { signInAt } from './workbench-support';
import { buildScene, createShipment, expectReconciled, sendUpdate, type Scene } from '../support/shipments';

/*
 * The driver's phone against the real server: a coordinator plans and loads a shipment from
 * Bishkek through the Kordai checkpoint to Almaty; the driver reports from a phone that goes
 * offline on the way.
 */

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: Error[];
let scene: Scene;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let shipment: ShipmentDto;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  scene = await buildScene(app.url);
  coordinator = await signedIn(app.url, { role: 'coordinator' });
  shipment = await createShipment(app.url, coordinator.auth, scene, { documents: [{ key: 'waybill' }] });
  const loaded = await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading');
  expect(loaded.status).toBe(200);
  context = await browser.newContext({
    baseURL: app.url,
    viewport: PHONE,
    permissions: ['geolocation'],
    geolocation: { latitude: 43.0386, longitude: 74.7059, accuracy: 30 },
  });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
});

afterEach(async () => {
  await context.close();
  expect(pageErrors).toEqual([]);
});

async function signInAsDriver(): Promise<void> {
  await page.goto('/driver');
  await page.getByLabel('Электронная почта').fill(scene.driver.user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(scene.driver.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Мои рейсы', level: 1 }).waitFor();
}

async function shipmentNow(): Promise<ShipmentDto> {
  const res = await request(app.url).get(`/api/shipments/${shipment.id}`).set(coordinator.auth);
  expect(res.status).toBe(200);
  return res.body as ShipmentDto;
}

const historyStates = () =>
  page.getByTestId('history-entry').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-state')));

test('When a driver makes three updates offline, then they wait on the phone and arrive once and in order when the network returns', async () => {
  await signInAsDriver();
  await page.getByTestId('shipment-card').first().click();
  await page.getByTestId('shipment-status').and(page.locator('[data-status="loading"]')).waitFor();
  expect(new URL(page.url()).pathname).toBe(`/driver/${shipment.id}`);

  await context.setOffline(true);
  await page.getByRole('button', { name: 'Выехал' }).click();
  await page.getByRole('button', { name: /^На пункте пропуска/ }).click();
  await page.getByLabel('Заметка').fill('Очередь на границе, около 40 машин');
  await page.getByRole('button', { name: /^Выехал с пункта/ }).click();
  await page.getByRole('checkbox', { name: 'Товарно-транспортная накладная' }).check();
  await page.getByText('4 записи ждут отправки').waitFor();
  expect(await historyStates()).toEqual(['waiting', 'waiting', 'waiting', 'sent']);
  expect(await page.getByTestId('shipment-status').getAttribute('data-status')).toBe('departed');
  expect((await shipmentNow()).status).toBe('loading');

  await context.setOffline(false);
  await page.getByTestId('outbox').waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Прибыл на место' }).waitFor();
  await page.locator('[data-testid="history-entry"][data-state="waiting"]').waitFor({ state: 'detached' });
  expect(await historyStates()).toEqual(['sent', 'sent', 'sent', 'sent']);

  const now = await shipmentNow();
  expect(now.status).toBe('departed');
  const history = now.history.filter((update) => update.status !== 'loading');
  expect(history.map((update) => [update.status, update.applied])).toEqual([
    ['departed', true],
    ['at_checkpoint', true],
    ['departed', true],
  ]);
  expect(new Set(history.map((update) => update.id)).size).toBe(3);
  expect(history[1]).toMatchObject({ checkpointId: scene.checkpoint.id, position: { lat: 43.0386, lng: 74.7059 } });
  expect(history[2]).toMatchObject({ checkpointId: scene.checkpoint.id, note: 'Очередь на границе, около 40 машин' });
  expect(now.documents).toEqual([expect.objectContaining({ key: 'waybill', checked: true })]);
  await expectReconciled();
});

test("When the phone reports offline, then its updates arrive signed by its device key and verified, and the organiser's page shows the chain intact", async () => {
  const registered = page.waitForResponse(
    (res) => new URL(res.url()).pathname === '/api/devices' && res.request().method() === 'POST',
  );
  await signInAsDriver();
  expect((await registered).status()).toBe(201);
  await page.getByTestId('shipment-card').first().click();
  await page.getByTestId('shipment-status').and(page.locator('[data-status="loading"]')).waitFor();

  await context.setOffline(true);
  await page.getByRole('button', { name: 'Выехал' }).click();
  await page.getByRole('button', { name: /^На пункте пропуска/ }).click();
  await page.getByText('2 записи ждут отправки').waitFor();
  await context.setOffline(false);
  await page.getByTestId('outbox').waitFor({ state: 'detached' });

  const devices = await request(app.url).get('/api/devices').set(scene.driver.auth).expect(200);
  expect(devices.body.items).toHaveLength(1);
  const deviceId = devices.body.items[0].id as string;
  const custody = await request(app.url).get(`/api/shipments/${shipment.id}/custody`).set(coordinator.auth).expect(200);
  expect(custody.body.intact).toBe(true);
  expect(custody.body.records.map((r: { verified: boolean; deviceId?: string }) => [r.verified, r.deviceId])).toEqual([
    [false, undefined],
    [true, deviceId],
    [true, deviceId],
  ]);

  const desk = await browser.newContext({ baseURL: app.url });
  try {
    const organiserPage = await desk.newPage();
    organiserPage.on('pageerror', (error) => pageErrors.push(error));
    await signInAt(organiserPage, `/shipments/${shipment.id}`, coordinator);
    await organiserPage.getByTestId('custody-state').getByText('Цепочка цела').waitFor();
    await organiserPage
      .getByTestId('custody')
      .getByText(`подписано устройством …${deviceId.slice(-6)}`)
      .first()
      .waitFor();
  } finally {
    await desk.close();
  }
});

test('When the driver delivers with a shortfall, then a reason is required and the received quantities arrive; privacy mode keeps no position on the road', async () => {
  await signInAsDriver();
  await page.goto(`/driver/${shipment.id}`);
  await page.getByRole('switch', { name: 'Режим приватности' }).check();
  expect(await page.getByRole('switch', { name: 'Режим приватности' }).isChecked()).toBe(true);
  await page.getByRole('button', { name: 'Выехал' }).click();
  await page.getByRole('button', { name: /^На пункте пропуска/ }).click();
  await page.getByRole('button', { name: /^Выехал с пункта/ }).click();
  await page.getByRole('button', { name: 'Прибыл на место' }).click();
  await page.getByRole('button', { name: 'Сдать груз' }).click();

  await page.getByLabel('Кто принял груз').fill('Гульнара Сапарова');
  await page.getByLabel(/^Принято:/).fill('95');
  await page.getByRole('button', { name: 'Подтвердить сдачу' }).click();
  await page.getByText('Укажите причину недостачи').waitFor();
  await page.getByLabel('Причина недостачи').selectOption('spoiled');
  await page.getByRole('button', { name: 'Подтвердить сдачу' }).click();

  await page.getByTestId('shipment-status').and(page.locator('[data-status="delivered"]')).waitFor();
  await page.getByTestId('outbox').waitFor({ state: 'detached' });
  await page.getByText('Рейс завершён.').waitFor();

  const now = await shipmentNow();
  expect(now).toMatchObject({ status: 'delivered', privacyMode: true, receivedBy: 'Гульнара Сапарова' });
  expect(now.lines[0]).toMatchObject({ quantity: 100, received: 95, writtenOff: 5, reason: 'spoiled' });
  const positions = now.history
    .filter((update) => update.status !== 'loading')
    .map((update) => [update.status, update.position !== null]);
  expect(positions).toEqual([
    ['departed', false],
    ['at_checkpoint', true],
    ['departed', false],
    ['arrived', true],
    ['delivered', true],
  ]);
  await expectReconciled();
});
