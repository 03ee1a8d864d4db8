import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seriousViolations as settledViolations } from '../support/axe';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { signedIn } from '../support/factories';
import { ensureLot, runStockOp } from '../../server/src/stock';

/*
 * Intake that tells the truth: the only place and campaign are chosen already, a quantity typed
 * as "1,5" litres is refused (never recorded as 15), and "Recorded" shows only once the server
 * has the donation ("Saved on this device" until then).
 */

const TABLET = { width: 1024, height: 768 };
type Auth = { Authorization: string };

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: Error[];
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let milk: { id: string; name: { ru: string; en: string } };
let point: { id: string; name: string | { ru: string } };
let campaign: { id: string; name: string | { ru: string } };
/** A name as the Russian interface shows it (names may come back translated: `{ ru, en, ... }`). */
const ru = (name: string | { ru: string }) => (typeof name === 'string' ? name : name.ru);

async function post<T>(auth: Auth, path: string, body: object): Promise<T> {
  const res = await request(app.url).post(path).set(auth).send(body);
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchChromium();
  // One collection point and one active campaign in the whole database.
  const organiser = await signedIn(app.url, { role: 'organiser' });
  coordinator = await signedIn(app.url, { role: 'coordinator' });
  milk = await post(organiser.auth, '/api/items', {
    name: { ru: 'Молоко', en: 'Milk' },
    baseUnit: 'litre',
    packs: [{ unit: 'crate', size: 12 }],
    perishable: true,
    shelfLifeHours: 120,
  });
  point = await post(organiser.auth, '/api/locations', { name: 'Пункт «Ала-Тоо»', kind: 'collection_point' });
  campaign = await post(organiser.auth, '/api/campaigns', {
    name: 'Молоко детям',
    status: 'active',
    targets: [{ itemId: milk.id, quantity: 1000 }],
  });
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

const seriousViolations = () => settledViolations(page);
const itemInput = (name = 'Товар') => page.getByRole('combobox', { name, exact: true });

async function signIn(): Promise<void> {
  await page.goto('/intake');
  await page.getByLabel('Электронная почта').fill(coordinator.user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(coordinator.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Приём пожертвований', level: 1 }).waitFor();
}

async function donations(): Promise<{ lines: { quantity: number }[] }[]> {
  const res = await request(app.url).get(`/api/donations?locationId=${point.id}`).set(coordinator.auth).expect(200);
  return res.body.items;
}

test('When there is one collection point and one campaign, then intake has them chosen and records at once', async () => {
  await signIn();
  const chosen = (label: string, value: string) =>
    page.getByRole('combobox', { name: label, exact: true }).and(page.locator(`[value="${value}"]`));
  await chosen('Пункт приёма', ru(point.name)).waitFor();
  await chosen('Кампания', ru(campaign.name)).waitFor();

  await itemInput().focus();
  await page.keyboard.type('Молоко');
  await page.keyboard.press('Enter');
  // From the quantity, "+ item" and the donor are a few Tabs away: the expiry is one stop ("Изменить"), not its date fields.
  const focused = () =>
    page.evaluate(() => document.activeElement?.textContent || document.activeElement?.getAttribute('data-testid'));
  await page.keyboard.press('Tab'); // the unit
  expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('intake-unit');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('Изменить');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('+ Ещё товар');
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.closest('[role="radiogroup"]') !== null)).toBe(true);
  await page.getByTestId('intake-quantity').focus();
  // Grouped the Russian way, with a no-break space: one thousand five hundred.
  await page.keyboard.type('1\u00a0500');
  expect((await page.getByTestId('intake-total').textContent())?.replace(/\s/g, ' ')).toBe('Итого: 1 500 литров');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="intake-saved"][data-state="recorded"]').waitFor();
  expect((await page.getByTestId('intake-saved').textContent())?.replace(/\s/g, ' ')).toBe(
    'Записано: Молоко — 1 500 литров',
  );
  // The item list stays closed when the cursor comes back for the next donation.
  expect(await itemInput().evaluate((element) => element === document.activeElement)).toBe(true);
  expect(await itemInput().getAttribute('aria-expanded')).toBe('false');
  expect(await page.locator('.mantine-Select-dropdown:visible').count()).toBe(0);
  expect((await donations()).map((d) => d.lines[0]!.quantity)).toContain(1500);
});

test('When "1,5" litres, "-5" or 99 999 999 999 is typed, then the field says what is allowed and nothing is recorded', async () => {
  await signIn();
  const before = (await donations()).length;
  const posted: string[] = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/donations') posted.push(req.url());
  });
  await itemInput().focus();
  await page.keyboard.type('Молоко');
  await page.keyboard.press('Enter');
  const quantity = page.getByTestId('intake-quantity');

  for (const [typed, message] of [
    ['1,5', 'Только целые литры, без дробей; для товара в упаковках выберите единицу-упаковку'],
    ['1.5', 'Только целые литры, без дробей; для товара в упаковках выберите единицу-упаковку'],
    ['-5', 'Количество не может быть отрицательным'],
    ['99 999 999 999', 'Не больше 1 000 000 000'],
    ['0', 'Не меньше 1'],
  ] as const) {
    await quantity.fill(typed);
    await page.getByTestId('intake-submit').click();
    // The message sits next to the field (in its wrapper, named by its aria-describedby).
    const error = page.locator('.mantine-InputWrapper-root', { has: quantity }).locator('.mantine-InputWrapper-error');
    await error.waitFor();
    await page.waitForFunction(
      ([id, text]) => document.getElementById(id!)?.textContent?.replace(/\s/g, ' ') === text,
      [await error.getAttribute('id'), message] as const,
    );
    expect(await quantity.getAttribute('aria-describedby')).toContain((await error.getAttribute('id'))!);
    expect(await quantity.getAttribute('aria-invalid')).toBe('true');
    // What was typed stays as typed: "1,5" never turns into 15.
    expect(await quantity.inputValue()).toBe(typed);
  }
  expect(await page.getByTestId('intake-saved').textContent()).toBe('');
  expect(posted).toEqual([]);
  expect(await page.getByTestId('outbox').count()).toBe(0);
  expect(await donations()).toHaveLength(before);
  expect(await seriousViolations()).toEqual([]);
});

test('When the network is down, then a donation says "saved on this device" with the waiting count, and "recorded" once the server has it', async () => {
  await signIn();
  await page.getByTestId('recent-donations').or(page.getByText('Здесь пока ничего не записано.')).waitFor();
  await context.setOffline(true);
  await itemInput().focus();
  for (const amount of ['7', '8']) {
    await page.keyboard.type('Молоко');
    await page.keyboard.press('Enter');
    await page.keyboard.type(amount);
    await page.keyboard.press('Enter');
    await page.getByText(`Молоко — ${amount} литров`, { exact: false }).first().waitFor();
  }
  const status = page.getByTestId('intake-saved');
  await page.locator('[data-testid="intake-saved"][data-state="waiting"]').waitFor();
  expect(await status.textContent()).toBe(
    'Сохранено на этом устройстве, будет отправлено: Молоко — 8 литров. Ждут отправки: 2.',
  );
  // Not the green "recorded" look: its own style.
  const colour = await status.evaluate((element) => getComputedStyle(element).color);
  expect(colour).not.toBe('rgb(30, 107, 52)');
  expect(await status.evaluate((element) => getComputedStyle(element).fontStyle)).toBe('italic');
  expect(await seriousViolations()).toEqual([]);

  await context.setOffline(false);
  await page.locator('[data-testid="intake-saved"][data-state="recorded"]').waitFor();
  expect(await status.textContent()).toBe('Записано: Молоко — 8 литров');
  expect(await status.evaluate((element) => getComputedStyle(element).color)).toBe('rgb(30, 107, 52)');
});

/** Puts `quantity` litres of milk at the point in a lot expiring exactly `hours` from now. */
async function milkExpiringIn(hours: number, quantity: number): Promise<string> {
  const expiresAt = new Date(Date.now() + hours * 3_600_000);
  const lot = await ensureLot(campaign.id, milk.id, expiresAt);
  await runStockOp({
    kind: 'test_receipt',
    actorId: coordinator.user.id,
    movements: [
      {
        kind: 'received',
        locationId: point.id,
        itemId: milk.id,
        campaignId: campaign.id,
        lotId: lot.id,
        expiresAt,
        quantity,
      },
    ],
  });
  return lot.id;
}

test("When goods at the point come within 24 h or 48 h of expiry, then the point's intake screen says so, live", async () => {
  const soon = await milkExpiringIn(20, 11);
  await signIn();
  const alert = page.getByTestId('intake-expiring');
  await alert
    .locator(`[data-lot="${soon}"]`)
    .getByText(/Молоко — 11 литров: осталось меньше 24 ч/)
    .waitFor();

  // A lot entering the 48 h window while the screen is open: the alert (stock.expiring) brings it in.
  const later = await milkExpiringIn(40, 13);
  await app.karavan.stock.checkExpiry();
  await alert
    .locator(`[data-lot="${later}"]`)
    .getByText(/Молоко — 13 литров: осталось меньше 48 ч/)
    .waitFor();
  expect(await seriousViolations()).toEqual([]);
});

// Last: switching the language is kept in the coordinator's profile (applied at the next sign-in).
test('When a coordinator works in English, then intake has no serious accessibility violation', async () => {
  await signIn();
  await page.getByRole('button', { name: 'EN', exact: true }).click();
  await page.getByRole('heading', { name: 'Donation intake', level: 1 }).waitFor();
  expect(await seriousViolations()).toEqual([]);
  await itemInput('Item').focus();
  await page.keyboard.type('Mil');
  await page.locator('.mantine-Select-dropdown:visible').waitFor();
  expect(await settledViolations(page)).toEqual([]);
  await page.keyboard.type('kzz');
  expect(await settledViolations(page)).toEqual([]);
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Enter');
  await page.keyboard.type('3');
  expect(await seriousViolations()).toEqual([]);
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="intake-saved"][data-state="recorded"]').waitFor();
  expect(await seriousViolations()).toEqual([]);
}, 60_000);
