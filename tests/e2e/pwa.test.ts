import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import { createUser } from '../support/factories';

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
