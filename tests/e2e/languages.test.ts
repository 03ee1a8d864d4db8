import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { signedIn } from '../support/factories';
import { sendUpdate } from '../support/shipments';
import { post } from './workbench-support';

const SHOTS = 'test-results/screenshots';
const LANGUAGES = ['ru', 'en', 'ky', 'kk'] as const;
type Language = (typeof LANGUAGES)[number];
const hour = 3_600_000;

let app: TestApp;
let browser: Browser;
let drive: Awaited<ReturnType<typeof aDrive>>;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchChromium();
  fs.mkdirSync(SHOTS, { recursive: true });
  drive = await aDrive();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Every message of the interface in one language (all the client's message files). */
function messages(language: Language): string[] {
  const root = path.resolve(__dirname, '../../client/src');
  const files = [
    `i18n/${language}.json`,
    `ui/i18n/${language}.json`,
    `ui/i18n/pager.${language}.json`,
    ...fs
      .readdirSync(path.join(root, 'features'))
      .map((feature) => `features/${feature}/i18n/${language}.json`)
      .filter((file) => fs.existsSync(path.join(root, file))),
  ];
  const values = (value: unknown): string[] =>
    typeof value === 'string' ? [value] : Object.values(value as object).flatMap(values);
  return files.flatMap((file) => values(JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'))));
}

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((word) => word.length >= 3);

/**
 * Words that only a Russian text would have: those of the Russian interface that no Kyrgyz,
 * Kazakh or English message uses, and what a browser's Russian fallback writes for times.
 */
const RUSSIAN_ONLY = (() => {
  const elsewhere = new Set(['ky', 'kk', 'en'].flatMap((language) => messages(language as Language).flatMap(words)));
  const only = new Set(
    messages('ru')
      .flatMap(words)
      .filter((word) => !elsewhere.has(word)),
  );
  for (const word of [
    'назад',
    'через',
    'часа',
    'часов',
    'минуту',
    'минуты',
    'дней',
    'дня',
    'вчера',
    'завтра',
    'сегодня',
    'нояб',
  ])
    only.add(word);
  return only;
})();

/** What a browser writes when it has no data for the language: English words and ISO-ish dates. */
const FALLBACKS: [RegExp, string][] = [
  [/\b\d+ (?:h|hr|min|ago)\b|\bin \d+ (?:hours?|minutes?|days?)\b|\b(?:hours?|minutes?|days?) ago\b/i, 'English time'],
  [/\bM\d{1,2}\b/, 'month as M<number>'],
  [/\d,\d{3}\b/, 'number grouped with a comma'],
  [/\d{4} г\./, 'Russian year'],
];

/** Words the test's own data adds (names of its items, places, people), not the interface's. */
let dataWords = new Set<string>();

async function problems(page: Page): Promise<string[]> {
  const text = await page.locator('main, body').first().innerText();
  const found: string[] = [];
  for (const word of new Set(words(text)))
    if (RUSSIAN_ONLY.has(word) && !dataWords.has(word)) found.push(`Russian: ${word}`);
  for (const [pattern, what] of FALLBACKS) {
    const match = pattern.exec(text);
    if (match) found.push(`${what}: ${match[0]}`);
  }
  return found;
}

interface Clipped {
  what: string;
  text: string;
  scrollWidth: number;
  clientWidth: number;
}

/**
 * Badges whose text is cut (ellipsis or overflow) and tables wider than what shows them: a
 * table must fit the page, or sit in a box that scrolls sideways.
 */
async function clipped(page: Page): Promise<Clipped[]> {
  return page.evaluate(() => {
    const found: Clipped[] = [];
    const pageWidth = document.documentElement.clientWidth;
    for (const badge of Array.from(
      document.querySelectorAll<HTMLElement>('.mantine-Badge-root, .mantine-Badge-label'),
    )) {
      if (badge.scrollWidth > badge.clientWidth + 1 || badge.getBoundingClientRect().right > pageWidth + 1)
        found.push({
          what: 'badge',
          text: badge.textContent ?? '',
          scrollWidth: badge.scrollWidth,
          clientWidth: badge.clientWidth,
        });
    }
    for (const table of Array.from(document.querySelectorAll<HTMLElement>('table'))) {
      const box = table.getBoundingClientRect();
      let scroller: HTMLElement | null = table.parentElement;
      while (scroller && !['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX))
        scroller = scroller.parentElement;
      const visibleRight = scroller ? scroller.getBoundingClientRect().right : pageWidth;
      const cellsOverflow = Array.from(table.querySelectorAll<HTMLElement>('th, td')).some(
        (cell) => cell.scrollWidth > cell.clientWidth + 1 && getComputedStyle(cell).overflow !== 'visible',
      );
      const reachable = scroller ? scroller.scrollWidth >= table.scrollWidth : box.right <= pageWidth + 1;
      if (!reachable || cellsOverflow || (!scroller && box.right > visibleRight + 1))
        found.push({
          what: 'table',
          text: (table.querySelector('th')?.textContent ?? '').slice(0, 40),
          scrollWidth: Math.round(box.width),
          clientWidth: Math.round(visibleRight - box.left),
        });
    }
    if (document.documentElement.scrollWidth > pageWidth + 1)
      found.push({
        what: 'page',
        text: document.title,
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: pageWidth,
      });
    return found;
  });
}

/** A drive with bread, milk and a truck on the road: each screen has numbers, dates and badges. */
async function aDrive() {
  const tag = Math.random().toString(16).slice(2, 8);
  // One after the other: sign-ins hash passwords, a dozen at once would crowd a small machine.
  const people: {
    locale: Language;
    role: string;
    user: { id: string; email: string };
    password: string;
    auth: { Authorization: string };
  }[] = [];
  for (const locale of LANGUAGES)
    for (const role of ['organiser', 'coordinator', 'driver'] as const)
      people.push({ locale, role, ...(await signedIn(app.url, { role, locale })) });
  const who = (role: string, locale: Language) => people.find((p) => p.role === role && p.locale === locale)!;
  const organiser = who('organiser', 'ru');
  const bread = await post<{ id: string }>(app.url, organiser.auth, '/api/items', {
    name: { ru: `Хлеб ${tag}`, en: `Bread ${tag}`, ky: `Нан ${tag}`, kk: `Нан ${tag}` },
    baseUnit: 'loaf',
    perishable: true,
    shelfLifeHours: 72,
  });
  const milk = await post<{ id: string }>(app.url, organiser.auth, '/api/items', {
    name: { ru: `Молоко ${tag}`, en: `Milk ${tag}`, ky: `Сүт ${tag}`, kk: `Сүт ${tag}` },
    baseUnit: 'litre',
    packs: [{ unit: 'crate', size: 12 }],
    perishable: true,
    shelfLifeHours: 240,
  });
  const place = (name: string, kind: string, lat: number, lng: number) =>
    post<{ id: string }>(app.url, organiser.auth, '/api/locations', { name, kind, position: { lat, lng } });
  const point = await place(`Bishkek-1 ${tag}`, 'collection_point', 42.87, 74.6);
  const border = await place(`Korday ${tag}`, 'checkpoint', 43.04, 74.7);
  const almaty = await place(`Almaty-2 ${tag}`, 'distribution_point', 43.24, 76.89);
  const campaign = await post<{ id: string }>(app.url, organiser.auth, '/api/campaigns', {
    name: `KG-KZ ${tag}`,
    status: 'active',
    targets: [
      { itemId: bread.id, quantity: 15000 },
      { itemId: milk.id, quantity: 15000 },
    ],
  });
  const coordinator = who('coordinator', 'ru');
  await post(app.url, coordinator.auth, '/api/donations', {
    campaignId: campaign.id,
    locationId: point.id,
    lines: [
      { itemId: bread.id, quantity: 2000, expiresAt: new Date(Date.now() + 20 * hour).toISOString() },
      { itemId: milk.id, quantity: 1500, expiresAt: new Date(Date.now() + 200 * hour).toISOString() },
    ],
  });
  // One truck per driver, on the road; each driver sees theirs.
  for (const locale of LANGUAGES) {
    const driver = who('driver', locale);
    const shipment = await post<{ id: string }>(app.url, organiser.auth, '/api/shipments', {
      campaignId: campaign.id,
      originId: point.id,
      destinationId: almaty.id,
      driverId: driver.user.id,
      vehicle: { plate: `01KG${locale.toUpperCase()}${tag.slice(0, 3)}`, kind: 'truck' },
      route: [border.id],
      lines: [{ itemId: milk.id, quantity: 100 }],
    });
    expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading')).status).toBeLessThan(300);
    expect((await sendUpdate(app.url, driver.auth, shipment.id, 'departed')).status).toBeLessThan(300);
  }
  dataWords = new Set(words(`Bread Milk Bishkek Korday Almaty ${tag}`));
  return { who, campaign, tag, point, bread };
}

const SCREENS = [
  {
    path: (campaignId: string) => `/dashboard?campaign=${campaignId}`,
    role: 'organiser',
    ready: 'table[data-testid="progress"]',
  },
  { path: () => '/stock', role: 'coordinator', ready: 'table' },
  { path: () => '/intake', role: 'coordinator', ready: '[data-testid="intake"] form' },
  { path: () => '/shipments', role: 'coordinator', ready: 'table' },
  { path: () => '/driver', role: 'driver', ready: '[data-testid="shipment-card"]' },
];

async function signIn(page: Page, to: string, who: { user: { email: string }; password: string }) {
  await page.goto(to);
  await page.getByLabel('Электронная почта').fill(who.user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(who.password);
  await page.keyboard.press('Enter');
}

test('When the interface is in Kyrgyz or Kazakh, then no screen shows a Russian word, an English fallback or a foreign date and number format', async () => {
  const inBrowser = {
    ky: {
      // What Chromium cannot write itself (it has no ky data): 2 000 with a space, a Kyrgyz relative time.
      number: /2[\u00a0\u202f ]000/,
      relative: /(?:\d+ (?:мүнөт|саат) мурун|ушул мүнөттө)/,
    },
    kk: { number: /2[\u00a0\u202f ]000/, relative: /(?:\d+ (?:минут|сағат) бұрын|осы минут)/ },
  };
  for (const language of ['ky', 'kk'] as const) {
    for (const screen of SCREENS) {
      const context = await browser.newContext({ baseURL: app.url, viewport: { width: 1440, height: 900 } });
      context.setDefaultTimeout(15_000);
      const page = await context.newPage();
      const errors: Error[] = [];
      page.on('pageerror', (error) => errors.push(error));
      await signIn(page, screen.path(drive.campaign.id), drive.who(screen.role, language));
      await page.locator(`html[lang="${language}"]`).waitFor();
      await page.locator(screen.ready).first().waitFor();
      if (screen.role === 'organiser') {
        await page.locator('[data-testid="progress"]').getByText(inBrowser[language].number).first().waitFor();
        await page.locator('[data-testid="shipments"]').getByText(inBrowser[language].relative).first().waitFor();
      }
      if (screen.path('') === '/stock') {
        // The bread's expiry, written as a browser with full ky/kk data (Node's) writes it.
        const lots = await request(app.url)
          .get(`/api/stock?locationId=${drive.point.id}&itemId=${drive.bread.id}`)
          .set(drive.who('organiser', 'ru').auth);
        const expiresAt = (lots.body as { items: { expiresAt: string }[] }).items[0]!.expiresAt;
        const expiry = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' }).format(
          new Date(expiresAt),
        );
        await page.getByText(expiry).first().waitFor();
      }
      expect([language, screen.path(''), await problems(page)]).toEqual([language, screen.path(''), []]);
      await page.screenshot({
        path: `${SHOTS}/${language}-${screen.path('').split('?')[0]!.slice(1)}.png`,
        fullPage: true,
      });
      expect(errors).toEqual([]);
      await context.close();
    }
  }
}, 300_000);

test('When any screen is shown at 360 or 1440 px in any language, then no badge is cut and no table is clipped', async () => {
  const found: string[] = [];
  for (const language of LANGUAGES)
    for (const screen of SCREENS) {
      const context = await browser.newContext({ baseURL: app.url, viewport: { width: 1440, height: 900 } });
      context.setDefaultTimeout(15_000);
      const page = await context.newPage();
      await signIn(page, screen.path(drive.campaign.id), drive.who(screen.role, language));
      await page.locator(`html[lang="${language}"]`).waitFor();
      await page.locator(screen.ready).first().waitFor();
      for (const width of [1440, 360]) {
        await page.setViewportSize({ width, height: 900 });
        await page.evaluate(
          () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
        );
        for (const problem of await clipped(page))
          found.push(
            `${language} ${width}px ${screen.path('')}: ${problem.what} "${problem.text}" ${problem.scrollWidth} > ${problem.clientWidth}`,
          );
        if (width === 360 && language === 'kk')
          await page.screenshot({
            path: `${SHOTS}/kk-360-${screen.path('').split('?')[0]!.slice(1)}.png`,
            fullPage: true,
          });
      }
      await context.close();
    }
  expect(found).toEqual([]);
}, 300_000);
