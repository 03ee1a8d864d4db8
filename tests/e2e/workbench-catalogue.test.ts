import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { makeWorld, screenshot, seriousViolations, signInAt, TABLET, type World } from './workbench-support';

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

test('When an organiser adds an item with translated names and packs and a place with coordinates, then both are listed', async () => {
  await signInAt(page, '/catalogue', world.organiser);
  await page.getByRole('heading', { name: 'Каталог и места', level: 1 }).waitFor();
  await page.getByTestId('items-table').waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByTestId('item-new').click();
  const form = page.getByTestId('item-form');
  await page.getByTestId('item-submit').click();
  expect(await form.getByText('Заполните это поле').count()).toBe(2);
  expect(await seriousViolations(page)).toEqual([]);
  await form.getByLabel('Название по-русски').fill(`Кефир ${world.tag}`);
  await form.getByLabel('Название по-английски').fill(`Kefir ${world.tag}`);
  await form.getByLabel('Название по-кыргызски').fill(`Кефир ${world.tag}`);
  await form.getByLabel('Название по-казахски').fill(`Айран ${world.tag}`);
  await form.getByLabel('Базовая единица').selectOption('litre');
  await form.getByRole('button', { name: 'Добавить упаковку' }).click();
  await form.getByLabel('Упаковка 1').fill('crate');
  await form.getByLabel(/Сколько в упаковке 1/).fill('12');
  await form.getByLabel('Скоропортящийся').check();
  await form.getByLabel('Срок годности, часов').fill('120');
  await screenshot(page, 'catalogue-item');
  await page.getByTestId('item-submit').click();
  const itemRow = page.getByTestId('item-row').filter({ hasText: `Кефир ${world.tag}` });
  await itemRow.getByText('ящик = 12 литров').waitFor();

  await page.getByText('Места', { exact: true }).click();
  await page.getByTestId('location-new').click();
  const place = page.getByTestId('location-form');
  await place.getByLabel('Название по-русски').fill(`Пункт выдачи ${world.tag}`);
  await place.getByLabel('Название по-английски').fill(`Almaty point ${world.tag}`);
  await place.getByLabel('Тип').selectOption('distribution_point');
  await place.getByLabel('Адрес').fill('Алматы, ул. Абая, 1');
  await place.getByLabel('Понедельник').fill('9:00–18:00');
  await place.getByRole('button', { name: 'Как в понедельник — каждый день' }).click();
  await place.getByLabel('Воскресенье').fill('');
  // A click on the map picks a position (no tiles here: a plain background); typing overrides it.
  await page.getByTestId('map-picker').click();
  expect(await place.getByLabel('Широта').inputValue()).not.toBe('');
  expect(await place.getByLabel('Долгота').inputValue()).not.toBe('');
  await place.getByLabel('Долгота').fill('');
  await place.getByLabel('Широта').fill('43.2389');
  await page.getByTestId('location-submit').click();
  await place.getByText('Нужны обе координаты').waitFor();
  await place.getByLabel('Долгота').fill('76.8897');
  await page.getByTestId('location-submit').click();
  const row = page.getByTestId('location-row').filter({ hasText: `Пункт выдачи ${world.tag}` });
  await row.getByText('пункт выдачи', { exact: true }).waitFor();
  await row.getByText(/43,2389/).waitFor();
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'catalogue-places');
});
