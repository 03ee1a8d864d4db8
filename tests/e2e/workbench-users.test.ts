import request from 'supertest';
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

test('When an organiser invites a coordinator, then the coordinator signs in with the one-time password and must change it', async () => {
  await signInAt(page, '/users', world.organiser);
  await page.getByRole('heading', { name: 'Пользователи', level: 1 }).waitFor();
  await page.getByTestId('users-table').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'users');

  await page.getByTestId('invite').click();
  const form = page.getByTestId('invite-form');
  // Without an email and a name the form says so next to them.
  await page.getByTestId('invite-submit').click();
  expect(await form.getByText('Заполните это поле').count()).toBe(2);
  expect(await seriousViolations(page)).toEqual([]);
  const email = `coordinator-${world.tag}@example.org`;
  await form.getByLabel('Электронная почта').fill(email);
  await form.getByLabel('Имя').fill(`Айгуль ${world.tag}`);
  await form.getByLabel('Роль').selectOption('coordinator');
  await page.getByTestId('invite-submit').click();
  const password = (await page.getByTestId('password-value').textContent())!;
  expect(password).toMatch(/^[A-Za-z0-9]{14}$/);
  const row = page.locator(`[data-testid="user-row"][data-email="${email}"]`);
  await row.getByText('должен сменить пароль').waitFor();
  await screenshot(page, 'users-invited');

  // The new coordinator signs in on another device and must set their own password first.
  const other = await browser.newContext({ baseURL: app.url, viewport: TABLET });
  const second = await other.newPage();
  await signInAt(second, '/', { user: { email }, password });
  await second.getByRole('heading', { name: 'Смените пароль' }).waitFor();
  expect(await seriousViolations(second)).toEqual([]);
  await second.getByLabel('Текущий пароль').fill(password);
  await second.getByLabel('Новый пароль', { exact: true }).fill('моё-новое-пароль-2026');
  await second.getByLabel('Повторите новый пароль').fill('моё-новое-пароль-2026');
  await second.keyboard.press('Enter');
  await second.getByTestId('home-link-intake').waitFor();
  await other.close();

  // Disabled, then their password reset: a new one-time password is shown once.
  await page.reload();
  await row.getByRole('button', { name: 'Отключить' }).click();
  await row.getByText('отключён').waitFor();
  await row.getByRole('button', { name: 'Сбросить пароль' }).click();
  await page.getByTestId('reset-confirm').click();
  const reset = (await page.getByTestId('password-value').textContent())!;
  expect(reset).not.toBe(password);
  await row.getByLabel(`Роль: Айгуль ${world.tag}`).selectOption('driver');
  await row.getByLabel(`Роль: Айгуль ${world.tag}`).and(page.locator(':not([disabled])')).waitFor();
  expect(await seriousViolations(page)).toEqual([]);
});

test('When an organiser picks where a coordinator works, then it is kept (the donor contacts of that point are theirs to see)', async () => {
  await signInAt(page, '/users', world.organiser);
  const row = page.locator(`[data-testid="user-row"][data-email="${world.coordinator.user.email}"]`);
  const places = row.getByLabel(`Пункты, где работает ${world.coordinator.user.name}`);
  await places.click();
  await page.getByRole('option', { name: `Пункт ${world.tag}` }).click();
  await page.keyboard.press('Escape');
  // Saved at once: what the server keeps.
  const kept = async () =>
    (
      (await request(app.url).get(`/api/users/${world.coordinator.user.id}`).set(world.organiser.auth).expect(200))
        .body as { locationIds: string[] }
    ).locationIds;
  for (let i = 0; i < 50 && (await kept()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await kept()).toEqual([world.point.id]);
  expect(await seriousViolations(page)).toEqual([]);
});
