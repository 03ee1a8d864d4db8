import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import { createUser } from '../support/factories';
import { BREAD, fakeShipments, KORDAI, MILK, SHIPMENT } from '../support/fake-shipments';

/*
 * The driver's phone screens. The shipments component (server) is not written yet: its routes
 * are played by a stand-in (tests/support/fake-shipments.ts). Sign-in, the app, the live
 * connection and the outbox are the real ones.
 */

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: Error[];

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  context = await browser.newContext({
    baseURL: app.url,
    viewport: PHONE,
    // The stand-in answers in place of the server: requests must reach it, not a service worker.
    serviceWorkers: 'block',
    permissions: ['geolocation'],
    geolocation: { latitude: 43.0412, longitude: 74.9856, accuracy: 30 },
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
  const { user, password } = await createUser({ role: 'driver', name: 'Бакыт Асанов' });
  await page.goto('/driver');
  await page.getByLabel('Электронная почта').fill(user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Мои рейсы', level: 1 }).waitFor();
}

const historyStates = () =>
  page.getByTestId('history-entry').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-state')));

test('When a driver makes three updates offline, then they wait on the phone and arrive once and in order when the network returns', async () => {
  const server = await fakeShipments(context);
  await signInAsDriver();
  await page.getByTestId('shipment-card').filter({ hasText: 'Бишкек, склад → Алматы, пункт раздачи' }).click();
  await page.getByTestId('shipment-status').and(page.locator('[data-status="loading"]')).waitFor();
  expect(new URL(page.url()).pathname).toBe(`/driver/${SHIPMENT}`);

  await context.setOffline(true);
  await page.getByRole('button', { name: 'Выехал' }).click();
  await page.getByRole('button', { name: 'На пункте пропуска: Кордай' }).click();
  await page.getByLabel('Заметка').fill('Очередь на границе, около 40 машин');
  await page.getByRole('button', { name: 'Выехал с пункта: Кордай' }).click();
  await page.getByRole('checkbox', { name: 'Товарно-транспортная накладная' }).check();
  await page.getByText('4 записи ждут отправки').waitFor();
  expect(await historyStates()).toEqual(['waiting', 'waiting', 'waiting']);
  expect(await page.getByTestId('shipment-status').getAttribute('data-status')).toBe('departed');
  expect(server.received).toEqual([]);

  await context.setOffline(false);
  await page.getByTestId('outbox').waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Прибыл на место' }).waitFor();
  expect(await historyStates()).toEqual(['sent', 'sent', 'sent']);

  const statuses = server.received.map((attempt) => attempt.body.status);
  expect(statuses).toEqual(['departed', 'at_checkpoint', 'departed']);
  expect(server.received.every((attempt) => attempt.key === attempt.body.id)).toBe(true);
  expect(new Set(server.received.map((attempt) => attempt.body.id)).size).toBe(3);
  const times = server.received.map((attempt) => Date.parse(attempt.body.at));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  expect(server.received[1]?.body).toMatchObject({ checkpointId: KORDAI, position: { lat: 43.0412, lng: 74.9856 } });
  expect(server.received[2]?.body).toMatchObject({ note: 'Очередь на границе, около 40 машин', checkpointId: KORDAI });
  expect(server.history.map((update) => update.status)).toEqual(['departed', 'at_checkpoint', 'departed']);
  expect(server.other).toEqual([
    { method: 'POST', path: `/api/shipments/${SHIPMENT}/documents/waybill`, body: { checked: true } },
  ]);
  expect(await page.getByRole('checkbox', { name: 'Товарно-транспортная накладная' }).isChecked()).toBe(true);
});

test('When the driver delivers with a shortfall, then a reason is required and the received quantities are reported; privacy mode sends no position on the road', async () => {
  const server = await fakeShipments(context);
  await signInAsDriver();
  await page.goto(`/driver/${SHIPMENT}`);
  await page.getByRole('switch', { name: 'Режим приватности' }).check();
  expect(await page.getByRole('switch', { name: 'Режим приватности' }).isChecked()).toBe(true);
  await page.getByRole('button', { name: 'Выехал' }).click();
  await page.getByRole('button', { name: 'На пункте пропуска: Кордай' }).click();
  await page.getByRole('button', { name: 'Выехал с пункта: Кордай' }).click();
  await page.getByRole('button', { name: 'Прибыл на место' }).click();
  await page.getByRole('button', { name: 'Сдать груз' }).click();

  await page.getByLabel('Кто принял груз').fill('Гульнара Сапарова');
  await page.getByLabel('Принято: Молоко').fill('228');
  await page.getByRole('button', { name: 'Подтвердить сдачу' }).click();
  await page.getByText('Укажите причину недостачи').waitFor();
  await page.getByLabel('Причина недостачи').selectOption('spoiled');
  await page.getByRole('button', { name: 'Подтвердить сдачу' }).click();

  await page.getByTestId('shipment-status').and(page.locator('[data-status="delivered"]')).waitFor();
  await page.getByText('Рейс завершён.').waitFor();
  await page.getByTestId('outbox').waitFor({ state: 'detached' });
  const bodies = server.received.map((attempt) => attempt.body);
  expect(bodies.map((body) => body.status)).toEqual(['departed', 'at_checkpoint', 'departed', 'arrived', 'delivered']);
  expect(bodies.map((body) => body.position !== undefined)).toEqual([false, true, false, true, true]);
  expect(server.other).toEqual([
    { method: 'PATCH', path: `/api/shipments/${SHIPMENT}/privacy`, body: { privacyMode: true } },
  ]);
  expect(bodies[4]).toMatchObject({
    receivedBy: 'Гульнара Сапарова',
    lines: [
      { itemId: BREAD, received: 600 },
      { itemId: MILK, received: 228, reason: 'spoiled' },
    ],
  });
});
