import fs from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import { signedIn } from '../support/factories';
import { ensureLot, runStockOp } from '../../server/src/stock';
import { buildScene, createShipment, sendUpdate, type Scene } from '../support/shipments';

const SHOTS = 'test-results/screenshots';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: Error[];
let organiser: Awaited<ReturnType<typeof signedIn>>;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let scene: Scene;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchChromium();
  fs.mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  [organiser, coordinator] = await Promise.all([
    signedIn(app.url, { role: 'organiser' }),
    signedIn(app.url, { role: 'coordinator' }),
  ]);
  scene = await buildScene(app.url, { stock: 0 });
  await request(app.url)
    .patch(`/api/locations/${scene.origin.id}`)
    .set(organiser.auth)
    .send({ openingHours: 'Пн–Сб 9:00–18:00', contact: { name: 'Бакыт Связной', phone: '+996700111222' } })
    .expect(200);
  // A donor in Bishkek: the browser asks for Russian (the board is written in the browser's language).
  context = await browser.newContext({ baseURL: app.url, viewport: PHONE, locale: 'ru-RU' });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
});

afterEach(async () => {
  await context.close();
  expect(pageErrors).toEqual([]);
});

async function makePublic(extra: object = {}) {
  await request(app.url)
    .patch(`/api/campaigns/${scene.campaign.id}`)
    .set(organiser.auth)
    .send({
      public: true,
      name: `Хлеб <b>"детям"</b> ${scene.campaign.id.slice(-4)}`,
      targets: [{ itemId: scene.item.id, quantity: 500 }],
      ...extra,
    })
    .expect(200);
}

async function donate(quantity: number) {
  const res = await request(app.url)
    .post('/api/donations')
    .set(coordinator.auth)
    .send({
      campaignId: scene.campaign.id,
      locationId: scene.origin.id,
      donor: { kind: 'person', name: 'Айгуль Секретова', phone: '+996555123456', consentToContact: true },
      lines: [{ itemId: scene.item.id, quantity }],
    });
  if (res.status !== 201) throw new Error(`donation: ${res.status} ${JSON.stringify(res.body)}`);
}

async function seriousViolations(): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.nodes.map((node) => `${node.target.join(' ')} ${node.failureSummary ?? ''}`).join(', ')}`,
    );
}

test('When a public campaign is opened without signing in, then it shows what is needed and where, and no personal data', async () => {
  await makePublic();
  await donate(120);
  const shipment = await createShipment(app.url, organiser.auth, scene, {
    lines: [{ itemId: scene.item.id, quantity: 20 }],
  });
  expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading')).status).toBeLessThan(300);

  await page.goto(`/needs/${scene.campaign.id}`);
  await page.getByRole('heading', { level: 1, name: /детям/ }).waitFor();
  const needs = page.getByTestId('needs');
  await needs.getByText(/Ещё нужно: 380/).waitFor();
  expect(await needs.textContent()).toMatch(/Готово к отправке: 120/);
  await page.getByText('Пн–Сб 9:00–18:00').waitFor();
  await page.locator('.needs-points').getByText(scene.origin.name.ru).waitFor();
  // Nobody's name or phone: no donor, no contact person, no driver.
  const text = (await page.locator('body').textContent()) ?? '';
  for (const secret of ['Айгуль', '+996555123456', 'Бакыт', '+996700111222', scene.driver.user.email]) {
    expect(text).not.toContain(secret);
  }
  expect(await page.getByRole('heading', { name: 'Вход' }).count()).toBe(0);

  expect(await seriousViolations()).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/needs-ru.png`, fullPage: true });
  await page.getByRole('button', { name: 'EN', exact: true }).click();
  await page.getByText(/Still needed: 380/).waitFor();
  expect(await seriousViolations()).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/needs-en.png`, fullPage: true });
});

test('When the needs API and link are fetched, then they are cacheable, shareable and refuse campaigns that are not public', async () => {
  const hidden = await request(app.url).get(`/api/public/campaigns/${scene.campaign.id}`);
  expect(hidden.status).toBe(404);
  expect((await request(app.url).get(`/needs/${scene.campaign.id}`).set('Accept', 'text/html')).text).not.toContain(
    'og:title',
  );

  await makePublic();
  await donate(30);
  const res = await request(app.url).get(`/api/public/campaigns/${scene.campaign.id}`).expect(200);
  expect(res.headers['cache-control']).toBe('public, max-age=30, stale-while-revalidate=30');
  expect(res.body.needs).toEqual([
    expect.objectContaining({ itemId: scene.item.id, target: 500, collected: 30, delivered: 0, needed: 470 }),
  ]);
  const body = JSON.stringify(res.body);
  for (const secret of ['Айгуль', '+996555123456', '+996700111222', 'Бакыт']) expect(body).not.toContain(secret);

  const html = await request(app.url).get(`/needs/${scene.campaign.id}`).set('Accept', 'text/html').expect(200);
  expect(html.text).toContain('<title>Хлеб &lt;b&gt;&quot;детям&quot;&lt;/b&gt;');
  expect(html.text).toMatch(/<meta property="og:title" content="Хлеб &lt;b&gt;&quot;детям&quot;/);
  expect(html.text).toContain('name="twitter:card"');
  expect(html.text).not.toContain('<b>"детям"</b>');
});

test('When a lot on hand expires, then the need comes back on the public page', async () => {
  await makePublic();
  await donate(100);
  // 300 more in a lot that expires a few seconds from now (as bread does, overnight).
  const expiresAt = new Date(Date.now() + 4_000);
  const lot = await ensureLot(scene.campaign.id, scene.item.id, expiresAt);
  await runStockOp({
    kind: 'test_receipt',
    actorId: organiser.user.id,
    movements: [
      {
        kind: 'received',
        locationId: scene.origin.id,
        itemId: scene.item.id,
        campaignId: scene.campaign.id,
        lotId: lot.id,
        expiresAt,
        quantity: 300,
      },
    ],
  });
  await page.goto(`/needs/${scene.campaign.id}`);
  const needs = page.getByTestId('needs');
  await needs.getByText(/Ещё нужно: 100/).waitFor();
  expect(await needs.textContent()).toMatch(/Готово к отправке: 400/);

  // Once it has expired it is no longer usable: it waits to be written off, and donors are asked again.
  // (The answer may be cached for a minute: a donor opening the link afterwards sees it at once.)
  await page.waitForTimeout(Math.max(0, expiresAt.getTime() - Date.now()) + 500);
  const later = await (await browser.newContext({ baseURL: app.url, viewport: PHONE, locale: 'ru-RU' })).newPage();
  await later.goto(`/needs/${scene.campaign.id}`);
  await later
    .getByTestId('needs')
    .getByText(/Ещё нужно: 400/)
    .waitFor();
  expect(await later.getByTestId('needs').textContent()).toMatch(/Готово к отправке: 100/);
  await later.context().close();
  const api = await request(app.url).get(`/api/public/campaigns/${scene.campaign.id}`).expect(200);
  expect(api.body.needs[0]).toMatchObject({ target: 500, collected: 400, usable: 100, needed: 400 });
});

test('When the needs page opens on a 390×844 phone, then the first screen shows what is needed now', async () => {
  await makePublic({ description: 'Собираем хлеб и молоко для семей. '.repeat(12) });
  await donate(120);
  await page.goto(`/needs/${scene.campaign.id}`);
  const first = page.getByTestId('needs').locator('li').first();
  await first.getByText(/Ещё нужно: 380/).waitFor();
  // The whole first need, with its amount, is inside the first screen, above the long description.
  const box = (await first.boundingBox())!;
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(844);
  const description = (await page.locator('.needs-description').boundingBox())!;
  expect(description.y).toBeGreaterThan(box.y);
  expect(await seriousViolations()).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/needs-phone-first-screen.png` });
  // The points' map is far below the first screen: it is not loaded until the donor scrolls to it,
  // and then it shows the point.
  expect(await page.locator('.leaflet-container').count()).toBe(0);
  await page.locator('.needs-map-placeholder').scrollIntoViewIfNeeded();
  await page.locator('.leaflet-container .leaflet-interactive').first().waitFor();
});

test('When the needs link is opened on a slow link, then the board reads before the app arrives, and the app takes it over without asking again or moving it', async () => {
  await makePublic();
  await donate(120);
  // A slow link: every file of the app (scripts, stylesheets) comes 1.5 s late.
  let filesServed = 0;
  await page.route('**/assets/**', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    filesServed += 1;
    await route.continue();
  });
  const boardRequests: string[] = [];
  page.on('request', (req) => {
    if (req.url().includes(`/api/public/campaigns/${scene.campaign.id}`)) boardRequests.push(req.url());
  });
  await page.addInitScript(() => {
    const w = window as unknown as { shifts: number };
    w.shifts = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
        if (!entry.hadRecentInput) w.shifts += entry.value;
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.setExtraHTTPHeaders({ 'Accept-Language': 'ru-RU,ru;q=0.9' });
  await page.goto(`/needs/${scene.campaign.id}`, { waitUntil: 'commit' });
  // Readable with the page alone: what is needed and where, before any file of the app is there.
  const board = page.getByTestId('board-static');
  await board.getByText(/Ещё нужно: 380/).waitFor();
  await board.getByText(scene.origin.name.ru).waitFor();
  expect(filesServed).toBe(0);
  // The app takes over with the board the page carried: it does not ask for it again first.
  await page
    .getByTestId('needs')
    .getByText(/Ещё нужно: 380/)
    .waitFor();
  expect(await board.count()).toBe(0);
  expect(boardRequests).toEqual([]);
  // Nothing on the screen jumped when the app's stylesheets and then the app itself arrived.
  expect(await page.evaluate(() => (window as unknown as { shifts: number }).shifts)).toBeLessThan(0.1);
});

test("When a donor's browser speaks English, then the board and the app that takes it over stay in English; a language chosen on the page is the board's language at the next visit", async () => {
  await makePublic();
  await donate(120);
  const english = await browser.newContext({ baseURL: app.url, viewport: PHONE, locale: 'en-GB' });
  try {
    const donor = await english.newPage();
    donor.on('pageerror', (error) => pageErrors.push(error));
    await donor.goto(`/needs/${scene.campaign.id}`, { waitUntil: 'commit' });
    await donor
      .getByTestId('board-static')
      .getByText(/Still needed: 380/)
      .waitFor();
    // The app took over (its language switch is there) and did not switch to Russian.
    await donor.getByRole('group', { name: 'Language' }).waitFor();
    expect(await donor.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await donor.getByRole('button', { name: 'EN' }).getAttribute('aria-pressed')).toBe('true');
    // Kazakh chosen on the page: the next visit's board is written in Kazakh by the server,
    // whatever the browser's languages, and the app stays in it.
    await donor.getByRole('button', { name: 'KK' }).click();
    await donor.waitForFunction(() => document.documentElement.lang === 'kk');
    const html = await (await donor.request.get(`/needs/${scene.campaign.id}`)).text();
    expect(html).toMatch(/<main class="board-static" lang="kk"/);
    await donor.reload();
    await donor.getByRole('group', { name: 'Тіл' }).waitFor();
    expect(await donor.evaluate(() => document.documentElement.lang)).toBe('kk');
  } finally {
    await english.close();
  }
});
