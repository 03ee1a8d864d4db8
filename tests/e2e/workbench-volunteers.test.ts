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

test('When an organiser adds a driver volunteer linked to an account, then a search by licence and language finds them', async () => {
  await signInAt(page, '/volunteers', world.organiser);
  await page.getByRole('heading', { name: 'Волонтёры', level: 1 }).waitFor();
  await page.getByTestId('volunteers-empty').or(page.getByTestId('volunteers-table')).waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByTestId('volunteer-new').click();
  const form = page.getByTestId('volunteer-form');
  await form.getByLabel('Языки').fill('ru, xyz1');
  await page.getByTestId('volunteer-submit').click();
  await form.getByText('Заполните это поле').waitFor();
  await form.getByText('Коды языков из 2–3 латинских букв через запятую').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'volunteer-form');

  const name = `Бакыт ${world.tag}`;
  await form.getByLabel('Имя').fill(name);
  await form.getByLabel('Языки').fill('ru, ky');
  await form.getByRole('checkbox', { name: 'C', exact: true }).check();
  await form.getByLabel('Своя машина').fill('Камаз');
  await page.getByRole('combobox', { name: 'Учётная запись' }).focus();
  await page.keyboard.type(world.coordinator.user.email);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.getByTestId('volunteer-submit').click();
  await page.getByTestId('volunteer-form').waitFor({ state: 'detached' });

  await page.getByLabel('Навык').fill('C');
  await page.getByRole('textbox', { name: 'Язык', exact: true }).fill('ky');
  const row = page.getByTestId('volunteer-row').filter({ hasText: name });
  await row.getByText('права C').waitFor();
  await row.getByText(world.coordinator.user.email).waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'volunteers');
  await page.getByRole('textbox', { name: 'Язык', exact: true }).fill('kk');
  await page.getByTestId('volunteers-empty').waitFor();
});
