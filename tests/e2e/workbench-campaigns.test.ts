import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { signedIn } from '../support/factories';
import { choose, post, screenshot, seriousViolations, signInAt, TABLET } from './workbench-support';

// Issue 16 §1: on a fresh install an organiser starts a drive from the screen, and a coordinator
// records into it at once, reading its name in their own language.

// One long flow through two screens and two people: more than the default 30 s on a busy machine.
jest.setTimeout(180_000);

let app: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: Error[] = [];

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  expect(pageErrors).toEqual([]);
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: app.url, viewport: TABLET });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error));
  return page;
}

test('When an organiser creates and publishes a campaign from the screen, then a coordinator records a donation into it, seeing its name in English', async () => {
  const [organiser, coordinator] = await Promise.all([
    signedIn(app.url, { role: 'organiser' }),
    signedIn(app.url, { role: 'coordinator' }),
  ]);
  const tag = Math.random().toString(16).slice(2, 8);
  const bread = await post<{ id: string }>(app.url, organiser.auth, '/api/items', {
    name: { ru: `Хлеб ${tag}`, en: `Bread ${tag}` },
    baseUnit: 'loaf',
    packs: [{ unit: 'tray', size: 20 }],
    perishable: true,
    shelfLifeHours: 72,
  });
  const point = await post<{ id: string }>(app.url, organiser.auth, '/api/locations', {
    name: { ru: `Пункт «Вефа» ${tag}`, en: `Vefa point ${tag}` },
    kind: 'collection_point',
    address: 'Бишкек, ул. Горького 27',
    weeklyHours: Object.fromEntries(
      ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, [{ opens: '00:00', closes: '24:00' }]]),
    ),
  });
  // The coordinator reads the workbench in English.
  await request(app.url).patch('/api/users/me').set(coordinator.auth).send({ locale: 'en' }).expect(200);

  // A fresh install: no campaign. The dashboard says so and leads to creating the first one.
  const page = await newPage();
  await signInAt(page, '/dashboard', organiser);
  await page.getByTestId('no-campaign').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByTestId('no-campaign-action').click();
  await page.getByRole('heading', { name: 'Кампании', level: 1 }).waitFor();
  const form = page.getByTestId('campaign-form');
  await form.waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  // Nothing typed: the Russian name is asked for, and nothing is sent.
  await page.getByTestId('campaign-submit').click();
  await form.getByText('Заполните это поле').waitFor();

  await form.getByLabel('Название по-русски').fill(`Хлеб для Алматы ${tag}`);
  await form.getByLabel('Название по-английски').fill(`Bread for Almaty ${tag}`);
  await form.getByLabel('Название по-кыргызски').fill(`Алматыга нан ${tag}`);
  await form.getByLabel('Название по-казахски').fill(`Алматыға нан ${tag}`);
  await form.getByLabel('Описание по-русски').fill('Хлеб в лотках по 20 буханок');
  await form.getByLabel('Первый день').fill('2026-12-01');
  await form.getByLabel('Последний день').fill('2026-12-31');
  // The deployment's zone is the default.
  expect(await form.getByRole('combobox', { name: 'Часовой пояс' }).inputValue()).toBe('Asia/Bishkek');

  // A target typed in trays is shown in loaves.
  await form.getByTestId('campaign-add-target').click();
  await choose(page, 'Товар 1', `Хлеб ${tag}`);
  await form.getByLabel('Количество 1').fill('750');
  expect(await form.getByLabel('Единица 1').inputValue()).toBe('tray');
  await form
    .getByTestId('campaign-target-base')
    .getByText(/15\s000 буханок/)
    .waitFor();

  // The collection point taking part, with today's hours.
  const pointChoice = form.getByRole('checkbox', { name: `Пункт «Вефа» ${tag}` });
  await pointChoice.check();
  await form.getByText(/Сегодня: 00:00–24:00 · сейчас открыто/).waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'campaign-form');
  await page.getByTestId('campaign-submit').click();

  const row = page.getByTestId('campaign-row').filter({ hasText: `Хлеб для Алматы ${tag}` });
  await row.and(page.locator('[data-status="draft"]')).waitFor();
  await page.getByTestId('campaigns-notice').waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  // Published: draft -> active, after saying what it means.
  await row.getByTestId('campaign-publish').click();
  await page.getByTestId('campaign-move-confirm').click();
  await row.and(page.locator('[data-status="active"]')).waitFor();
  await row.getByTestId('campaign-close').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'campaigns');

  const campaigns = await request(app.url).get('/api/campaigns').set(organiser.auth).expect(200);
  const campaign = campaigns.body.items.find((c: { name: { ru: string } }) => c.name.ru === `Хлеб для Алматы ${tag}`);
  expect(campaign).toMatchObject({
    name: {
      ru: `Хлеб для Алматы ${tag}`,
      en: `Bread for Almaty ${tag}`,
      ky: `Алматыга нан ${tag}`,
      kk: `Алматыға нан ${tag}`,
    },
    description: { ru: 'Хлеб в лотках по 20 буханок' },
    status: 'active',
    timeZone: 'Asia/Bishkek',
    // Midnight in Bishkek (UTC+6) on the first day; the end of the last day.
    startsAt: '2026-11-30T18:00:00.000Z',
    endsAt: '2026-12-31T17:59:59.999Z',
    targets: [{ itemId: bread.id, quantity: 15_000 }],
    locationIds: [point.id],
  });

  // The coordinator, in English, records a donation into it at /intake.
  const desk = await newPage();
  await signInAt(desk, '/intake', coordinator);
  await desk.getByRole('heading', { name: 'Donation intake', level: 1 }).waitFor();
  await choose(desk, 'Collection point', `Vefa point ${tag}`);
  await choose(desk, 'Campaign', `Bread for Almaty ${tag}`);
  expect(await desk.getByRole('combobox', { name: 'Campaign', exact: true }).inputValue()).toBe(
    `Bread for Almaty ${tag}`,
  );
  await desk.getByRole('combobox', { name: 'Item', exact: true }).focus();
  await desk.keyboard.type(`Bread ${tag}`);
  await desk.keyboard.press('Enter');
  await desk.keyboard.type('24');
  await desk.keyboard.press('Enter');
  await desk
    .getByText(new RegExp(`Bread ${tag} — 24 loaves`))
    .first()
    .waitFor();
  expect(await seriousViolations(desk)).toEqual([]);

  const donations = await request(app.url)
    .get('/api/donations')
    .query({ campaignId: campaign.id })
    .set(coordinator.auth)
    .expect(200);
  expect(donations.body.items).toHaveLength(1);
  expect(donations.body.items[0]).toMatchObject({
    campaignId: campaign.id,
    locationId: point.id,
    lines: [{ itemId: bread.id, quantity: 24 }],
  });
});
