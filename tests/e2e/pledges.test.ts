import fs from 'node:fs';
import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { seriousViolations } from '../support/axe';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import { signedIn } from '../support/factories';

/*
 * Issue 20 end to end: a donor on a phone pledges on the public board without an account; the
 * coordinator sees the pledge at intake and receives it in one action; the board shows it
 * pledged, then collected; the organiser's "enough" shows first on the board.
 */

const SHOTS = 'test-results/screenshots';
type Auth = { Authorization: string };

let app: TestApp;
let browser: Browser;
let organiser: Awaited<ReturnType<typeof signedIn>>;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let bread: { id: string };
let milk: { id: string };
let point: { id: string };
let campaign: { id: string };
const pageErrors: Error[] = [];

async function post<T>(auth: Auth, path: string, body: object): Promise<T> {
  const res = await request(app.url).post(path).set(auth).send(body);
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchChromium();
  fs.mkdirSync(SHOTS, { recursive: true });
  organiser = await signedIn(app.url, { role: 'organiser' });
  coordinator = await signedIn(app.url, { role: 'coordinator' });
  bread = await post(organiser.auth, '/api/items', {
    name: { ru: 'Хлеб', en: 'Bread', ky: 'Нан', kk: 'Нан' },
    baseUnit: 'loaf',
    packs: [{ unit: 'tray', size: 20 }],
    perishable: true,
    shelfLifeHours: 72,
  });
  milk = await post(organiser.auth, '/api/items', {
    name: { ru: 'Молоко', en: 'Milk', ky: 'Сүт', kk: 'Сүт' },
    baseUnit: 'litre',
    perishable: true,
    shelfLifeHours: 120,
  });
  point = await post(organiser.auth, '/api/locations', {
    name: 'Пункт «Ала-Тоо»',
    kind: 'collection_point',
    address: 'Бишкек, ул. Киевская 1',
    position: { lat: 42.8746, lng: 74.5698 },
  });
  // The coordinator works at the point: its pledges' donor contacts are theirs to see.
  await request(app.url)
    .patch(`/api/users/${coordinator.user.id}`)
    .set(organiser.auth)
    .send({ locationIds: [point.id] })
    .expect(200);
  campaign = await post(organiser.auth, '/api/campaigns', {
    name: 'Хлеб и молоко',
    status: 'active',
    public: true,
    targets: [
      { itemId: bread.id, quantity: 1000 },
      { itemId: milk.id, quantity: 500 },
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  expect(pageErrors).toEqual([]);
});

const breadCard = (page: Page) => page.locator(`[data-item="${bread.id}"]`);

test('When a donor on a phone pledges, then the coordinator receives it at intake and the board shows it pledged, then collected', async () => {
  const donor = await browser.newContext({
    baseURL: app.url,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    locale: 'ru-RU', // a donor in Bishkek: the board comes in the browser's language
  });
  donor.setDefaultTimeout(15_000);
  const board = await donor.newPage();
  board.on('pageerror', (error) => pageErrors.push(error));
  await board.goto(`/needs/${campaign.id}`);
  await board.getByRole('heading', { level: 1, name: 'Хлеб и молоко' }).waitFor();
  await board
    .getByTestId('needs-updated')
    .getByText(/Обновлено/)
    .waitFor();
  await board.getByRole('link', { name: 'Открыть на карте' }).waitFor();

  const form = board.getByTestId('pledge-form');
  await form.getByLabel('Что').selectOption({ label: 'Хлеб' });
  await form.getByLabel('Сколько').fill('2');
  await form.getByLabel('В чём').selectOption('tray');
  await form.getByLabel('Куда').selectOption({ label: 'Пункт «Ала-Тоо»' });
  await form.getByLabel('Имя (необязательно)').fill('Айгуль');
  await form.getByLabel('Телефон (необязательно)').fill('+996 555 123 456');
  await form.getByLabel('Со мной можно связаться по этому телефону').check();
  expect(await seriousViolations(board)).toEqual([]);
  await form.getByRole('button', { name: 'Обещаю принести' }).click();
  await form.getByText('Спасибо! Пункт сбора будет вас ждать.').waitFor();
  // Pledged, not collected; the donor's name is not on the public board.
  await breadCard(board).getByText('Обещано: 40').waitFor();
  expect(await breadCard(board).textContent()).toContain('Собрано: 0');
  expect(await board.locator('.needs-list').textContent()).not.toContain('Айгуль');
  await board.screenshot({ path: `${SHOTS}/pledge-board-phone.png`, fullPage: true });

  // The coordinator, at intake, sees it and receives it in one action.
  const desk = await browser.newContext({ baseURL: app.url, viewport: { width: 1024, height: 768 } });
  desk.setDefaultTimeout(15_000);
  const intake = await desk.newPage();
  intake.on('pageerror', (error) => pageErrors.push(error));
  await intake.goto('/intake');
  await intake.getByLabel('Электронная почта').fill(coordinator.user.email);
  await intake.getByLabel('Пароль', { exact: true }).fill(coordinator.password);
  await intake.keyboard.press('Enter');
  const due = intake.getByTestId('pledges-due');
  await due.getByText(/Хлеб: 40/).waitFor();
  await due.getByText('Айгуль, +996 555 123 456').waitFor();
  await intake.screenshot({ path: `${SHOTS}/pledge-intake.png`, fullPage: true });
  await due.getByRole('button', { name: /Принять: Хлеб: 40/ }).click();
  await due.getByText('На сегодня обещаний нет').waitFor();

  const donations = await request(app.url)
    .get(`/api/donations?locationId=${point.id}`)
    .set(coordinator.auth)
    .expect(200);
  expect(donations.body.items).toHaveLength(1);
  expect(donations.body.items[0].lines[0]).toMatchObject({ itemId: bread.id, quantity: 40 });
  expect(donations.body.items[0].donor).toMatchObject({ kind: 'person', name: 'Айгуль' });
  const pledges = await request(app.url)
    .get('/api/pledges')
    .query({ campaignId: campaign.id, status: 'fulfilled' })
    .set(coordinator.auth)
    .expect(200);
  expect(pledges.body.items).toHaveLength(1);
  await desk.close();

  // The board, reloaded: collected, no longer pledged.
  await board.reload();
  await breadCard(board).getByText('Собрано: 40').waitFor();
  expect(await breadCard(board).textContent()).toContain('Обещано: 0');
  await donor.close();
});

test('When the organiser says there is enough bread, then the board shows it first and loudest, in every language', async () => {
  const desk = await browser.newContext({ baseURL: app.url, viewport: { width: 1280, height: 900 } });
  desk.setDefaultTimeout(15_000);
  const dashboard = await desk.newPage();
  dashboard.on('pageerror', (error) => pageErrors.push(error));
  await dashboard.goto('/dashboard');
  await dashboard.getByLabel('Электронная почта').fill(organiser.user.email);
  await dashboard.getByLabel('Пароль', { exact: true }).fill(organiser.password);
  await dashboard.keyboard.press('Enter');
  const switches = dashboard.getByTestId('enough-switches');
  const breadSwitch = switches.getByRole('switch', { name: /Хлеб/ });
  await breadSwitch.click();
  await switches.locator('input[role="switch"][data-checked="true"]').waitFor();
  await dashboard.getByTestId('pledge-totals').getByText('Пункт «Ала-Тоо»').waitFor();
  await expect_(async () => {
    const res = await request(app.url).get(`/api/campaigns/${campaign.id}`).set(organiser.auth).expect(200);
    return res.body.enoughItemIds as string[];
  }, [bread.id]);
  await desk.close();

  const donor = await browser.newContext({
    baseURL: app.url,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    locale: 'ru-RU', // a donor in Bishkek: the board comes in the browser's language
  });
  donor.setDefaultTimeout(15_000);
  const board = await donor.newPage();
  board.on('pageerror', (error) => pageErrors.push(error));
  await board.goto(`/needs/${campaign.id}`);
  const banner = board.getByTestId('needs-enough');
  await banner.getByText(/Хватает — больше не несите/).waitFor();
  expect(await banner.textContent()).toContain('Хлеб');
  // The banner is the first thing on the page, above the title; bread's card leads the list.
  const bannerBox = (await banner.boundingBox())!;
  const titleBox = (await board.getByRole('heading', { level: 1 }).boundingBox())!;
  expect(bannerBox.y).toBeLessThan(titleBox.y);
  expect(await board.locator('.needs-list > li').first().getAttribute('data-item')).toBe(bread.id);
  // Bread is no longer offered in the pledge form.
  const options = await board.getByTestId('pledge-form').getByLabel('Что').locator('option').allTextContents();
  expect(options).toEqual(['Молоко']);
  expect(await seriousViolations(board)).toEqual([]);
  for (const [button, text] of [
    ['EN', 'Enough — please stop bringing:'],
    ['KY', 'Жетиштүү — мындан ары алып келбеңиз:'],
    ['KK', 'Жеткілікті — енді әкелмеңіз:'],
  ] as const) {
    await board.getByRole('button', { name: button, exact: true }).click();
    await banner.getByText(text).waitFor();
  }
  await board.screenshot({ path: `${SHOTS}/pledge-board-enough-kk.png`, fullPage: true });
  await donor.close();
});

/** Polls `read` until it gives `expected` (5 s), then asserts it. */
async function expect_<T>(read: () => Promise<T>, expected: T): Promise<void> {
  let value = await read();
  for (let i = 0; i < 50 && JSON.stringify(value) !== JSON.stringify(expected); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  expect(value).toEqual(expected);
}
