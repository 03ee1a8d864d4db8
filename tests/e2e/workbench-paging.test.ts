import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Volunteer } from '../../server/src/volunteers/volunteers.model';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { signedIn } from '../support/factories';
import { screenshot, seriousViolations, signInAt, TABLET } from './workbench-support';

// Lists longer than one page: every row the server has is reachable, with "showing N of M",
// previous/next, and the filters kept while paging.

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

test('When 230 volunteers match a search, then the list pages through all of them (row 201 and beyond too), keeping the search', async () => {
  const coordinator = await signedIn(app.url, { role: 'coordinator' });
  const tag = `Стр${Math.random().toString(16).slice(2, 8)}`;
  // Written straight to the database: 230 rows in one insert.
  await Volunteer.insertMany(
    Array.from({ length: 230 }, (_, n) => ({
      name: `${tag} ${String(n + 1).padStart(3, '0')}`,
      languages: ['ru'],
      skills: { licenceCategories: n % 2 ? ['C'] : [], vehicle: null, other: [] },
      availability: { available: true, note: null },
    })),
  );
  // Others that the search must keep out.
  await Volunteer.insertMany([{ name: `Другой ${tag.slice(3)}`, languages: [], availability: { available: true } }]);
  const api = await request(app.url).get('/api/volunteers').query({ q: tag, limit: 1 }).set(coordinator.auth);
  expect(api.body.total).toBe(230);

  await signInAt(page, '/volunteers', coordinator);
  await page.getByRole('heading', { name: 'Волонтёры', level: 1 }).waitFor();
  await page.getByLabel('Поиск').fill(tag);
  const status = page.getByTestId('pager-status');
  await status.getByText('Показаны 1–100 из 230').waitFor();
  await page.getByRole('cell', { name: `${tag} 001` }).waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByTestId('pager-next').click();
  await status.getByText('Показаны 101–200 из 230').waitFor();
  await page.getByRole('cell', { name: `${tag} 200` }).waitFor();
  await page.getByTestId('pager-next').click();
  await status.getByText('Показаны 201–230 из 230').waitFor();
  await page.getByRole('cell', { name: `${tag} 201` }).waitFor();
  await page.getByRole('cell', { name: `${tag} 230` }).waitFor();
  expect(await page.getByTestId('pager-next').isDisabled()).toBe(true);
  expect(await page.getByLabel('Поиск').inputValue()).toBe(tag);
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'volunteers-page-3');

  // Back one page; a narrower filter starts again at its first page.
  await page.getByTestId('pager-previous').click();
  await status.getByText('Показаны 101–200 из 230').waitFor();
  await page.getByLabel('Навык').fill('C');
  await status.getByText('Показаны 1–100 из 115').waitFor();
});
