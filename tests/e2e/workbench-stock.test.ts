import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import {
  choose,
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

test('When a coordinator writes off spoiled milk and counts a lot on the stock screen, then the numbers change', async () => {
  const hour = 3_600_000;
  // Lots of goods that keep this long are dated to the day (UTC), rounded down: 30 hours ahead is
  // still tomorrow or later whatever the hour the test runs (20 hours ahead, at 00:30, is today and
  // so already past its lot's date).
  await post(app.url, world.coordinator.auth, '/api/donations', {
    campaignId: world.campaign.id,
    locationId: world.point.id,
    lines: [{ itemId: world.milk.id, quantity: 30, expiresAt: new Date(Date.now() + 30 * hour).toISOString() }],
  });
  await post(app.url, world.coordinator.auth, '/api/donations', {
    campaignId: world.campaign.id,
    locationId: world.point.id,
    lines: [{ itemId: world.milk.id, quantity: 12, expiresAt: new Date(Date.now() + 200 * hour).toISOString() }],
  });
  const onHand = async () => {
    const res = await request(app.url)
      .get(`/api/stock?locationId=${world.point.id}&itemId=${world.milk.id}`)
      .set(world.coordinator.auth);
    return (res.body.items as { onHand: number; expiresAt: string }[])
      .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))
      .map((row) => row.onHand);
  };
  expect(await onHand()).toEqual([30, 12]);

  await signInAt(page, '/stock', world.coordinator);
  await page.getByRole('heading', { name: 'Склад', level: 1 }).waitFor();
  await choose(page, 'Место', world.point.name);
  const rows = page.getByTestId('stock-row');
  await rows.nth(1).waitFor();
  expect(await rows.count()).toBe(2);
  // Expiring first.
  expect(await page.getByTestId('stock-on-hand').allTextContents()).toEqual(['30 литров', '12 литров']);
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'stock');

  // Write off 1 crate (12 litres) of the first lot; "other" without a note is refused next to the field.
  await rows.first().getByRole('button', { name: 'Списать' }).click();
  const form = page.getByTestId('write-off-form');
  await form.getByLabel('Количество').fill('1');
  await form.getByLabel('Единица').selectOption('crate');
  await form.getByLabel('Причина').selectOption('other');
  await page.getByTestId('write-off-submit').click();
  await form.getByText('Для причины «другое» нужно примечание').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'stock-write-off');
  await form.getByLabel('Причина').selectOption('spoiled');
  await page.getByTestId('write-off-submit').click();
  await page.getByTestId('stock-done').getByText('Списано: 12 литров').waitFor();
  await page.getByTestId('stock-on-hand').first().getByText('18 литров').waitFor();
  expect(await onHand()).toEqual([18, 12]);

  // A count of the second lot finds 10 litres.
  await rows.nth(1).getByRole('button', { name: 'Пересчёт' }).click();
  await page.getByTestId('adjust-form').getByLabel('Насчитано').fill('10');
  await page.keyboard.press('Enter');
  await page.getByTestId('stock-done').getByText('Пересчёт записан: 10 литров').waitFor();
  expect(await onHand()).toEqual([18, 10]);

  // The first lot's movements: received, then written off.
  await rows.first().getByRole('button', { name: 'Движения' }).click();
  const movements = page.getByTestId('movement');
  await movements.nth(1).waitFor();
  expect(await movements.allTextContents()).toEqual([
    expect.stringContaining('списано-12 литров'),
    expect.stringContaining('принято+30 литров'),
  ]);
  expect(await seriousViolations(page)).toEqual([]);
});

test('When milk at a place has expired, then the stock screen says so in a readable notice and one click writes it all off', async () => {
  const day = 24 * 3_600_000;
  // Received 12 days ago: milk here keeps 10 days, so it expired 2 days ago; fresh milk beside it.
  await post(app.url, world.coordinator.auth, '/api/donations', {
    campaignId: world.campaign.id,
    locationId: world.point.id,
    receivedAt: new Date(Date.now() - 12 * day).toISOString(),
    lines: [{ itemId: world.milk.id, quantity: 24 }],
  });
  await post(app.url, world.coordinator.auth, '/api/donations', {
    campaignId: world.campaign.id,
    locationId: world.point.id,
    lines: [{ itemId: world.milk.id, quantity: 6 }],
  });

  await signInAt(page, '/stock', world.coordinator);
  const notice = page.getByTestId('to-write-off-place');
  // The place's own name, never wrapped in a second pair of quotes (names often carry their own: «Ош базары»).
  await notice.getByText(`${world.point.name} — списать: срок годности истёк`, { exact: true }).waitFor();
  expect(await notice.locator('li').allTextContents()).toEqual([expect.stringMatching(/24 литр/)]);
  // The notice's words are readable on its pale red (Mantine 9 alone filled it with the red itself).
  expect(await seriousViolations(page)).toEqual([]);
  expect(await notice.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgb(201, 42, 42)');
  await screenshot(page, 'stock-expired');

  await page.getByTestId('write-off-expired').click();
  await page.getByTestId('stock-done').waitFor();
  await notice.waitFor({ state: 'detached' });
  const res = await request(app.url)
    .get(`/api/stock?locationId=${world.point.id}&itemId=${world.milk.id}`)
    .set(world.coordinator.auth)
    .expect(200);
  // What expired is gone; the fresh milk stays.
  expect((res.body.items as { onHand: number; expired: boolean }[]).map((r) => [r.onHand, r.expired])).toEqual([
    [6, false],
  ]);
  expect(await seriousViolations(page)).toEqual([]);
});
