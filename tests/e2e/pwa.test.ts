import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import request from 'supertest';
import { createUser, signedIn } from '../support/factories';

let app: TestApp | undefined;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

test('When the server is stopped, then the driver’s screen still opens from the service worker, for the last user of the phone', async () => {
  app = await startTestApp();
  const { user, password } = await createUser({ role: 'driver', name: 'Бакыт Асанов' });
  const context = await browser.newContext({ baseURL: app.url, viewport: PHONE });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));

  await page.goto('/driver');
  await page.getByLabel('Электронная почта').fill(user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Мои рейсы', level: 1 }).waitFor();
  // The service worker has installed the app shell and controls the page.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve));
    }
  });
  const manifest = await page.evaluate(async () => (await fetch('/manifest.webmanifest')).json());
  expect(manifest).toMatchObject({ name: 'Караван', display: 'standalone', start_url: '/' });

  await app.close();
  app = undefined;
  await page.reload();

  await page.getByRole('heading', { name: 'Мои рейсы', level: 1 }).waitFor();
  await page.getByTestId('offline-session').waitFor();
  expect(await page.getByTestId('offline-session').textContent()).toContain('Нет связи с сервером');
  expect(pageErrors).toEqual([]);
  await context.close();
});

/** The query cache this page saved on the device (IndexedDB), as text. */
const savedCache = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const open = indexedDB.open('karavan');
        open.onsuccess = () => {
          const get = open.result.transaction('kv').objectStore('kv').get('karavan.queries');
          get.onsuccess = () => resolve(String(get.result ?? ''));
          get.onerror = () => resolve('');
        };
        open.onerror = () => resolve('');
      }),
  );

test('When the server is stopped, then intake still opens with its point, campaign and items, and a donation waits on the device', async () => {
  app = await startTestApp();
  const organiser = await signedIn(app.url, { role: 'organiser' });
  const { user, password } = await createUser({ role: 'coordinator' });
  const tag = Math.random().toString(16).slice(2, 8);
  const post = async (path: string, body: object) => {
    const res = await request(app!.url).post(path).set(organiser.auth).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; name: { ru: string } };
  };
  await post('/api/items', {
    name: { ru: `Молоко ${tag}`, en: `Milk ${tag}` },
    baseUnit: 'litre',
    packs: [{ unit: 'crate', size: 12 }],
    perishable: true,
    shelfLifeHours: 120,
  });
  const point = await post('/api/locations', { name: `Пункт ${tag}`, kind: 'collection_point' });
  const campaign = await post('/api/campaigns', { name: `Кампания ${tag}`, status: 'active', targets: [] });

  const context = await browser.newContext({ baseURL: app.url, viewport: PHONE });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.addInitScript(
    ([locationId, campaignId]) => {
      localStorage.setItem('karavan.intake.locationId', locationId!);
      localStorage.setItem('karavan.intake.campaignId', campaignId!);
    },
    [point.id, campaign.id],
  );
  await page.goto('/intake');
  await page.getByLabel('Электронная почта').fill(user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(password);
  await page.keyboard.press('Enter');
  const pointShown = page
    .getByRole('combobox', { name: 'Пункт приёма' })
    .and(page.locator(`[value="${point.name.ru}"]`));
  await pointShown.waitFor();
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  // The lists are saved on the device (a moment after they load).
  for (let tries = 0; !(await savedCache(page)).includes(`Молоко ${tag}`); tries += 1) {
    expect(tries).toBeLessThan(60);
    await page.waitForTimeout(250);
  }
  expect(await savedCache(page)).toContain(campaign.name.ru);

  await app.close();
  app = undefined;
  await page.reload();

  await page.getByTestId('offline-session').waitFor();
  await pointShown.waitFor();
  await page.getByRole('combobox', { name: 'Товар', exact: true }).focus();
  await page.keyboard.type(`Молоко ${tag}`);
  await page.keyboard.press('Enter');
  await page.keyboard.type('3');
  await page.keyboard.press('Tab');
  await page.keyboard.press('ArrowDown');
  await page.getByText('Итого: 36 литров').waitFor();
  await page.keyboard.press('Enter');
  await page.getByText('1 запись ждёт отправки').waitFor();
  expect(await page.getByTestId('outbox-entry').textContent()).toContain(`Молоко ${tag} — 3 ящика`);
  await context.close();
});
