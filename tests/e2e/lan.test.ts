import type { Browser, BrowserContext, Page } from 'playwright-core';
import { lanAddresses } from '../../server/src/lib/addresses';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import { createUser } from '../support/factories';

// Phones at a collection point open Karavan by the machine's address on the local network, over
// plain http. The server listens on every interface, as `npm start` does (HOST=0.0.0.0), and the
// browser opens it by this machine's own non-loopback IPv4 address: no other host is contacted.
let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let lanUrl: string;

beforeAll(async () => {
  const [address] = lanAddresses();
  if (!address) throw new Error('This machine has no non-loopback IPv4 address to open Karavan by');
  app = await startTestApp({}, undefined, '0.0.0.0');
  lanUrl = `http://${address}:${app.port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  context = await browser.newContext({ baseURL: lanUrl, viewport: PHONE });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
});

afterEach(() => context.close());

test('When a phone opens Karavan by the machine LAN address over http, then the login form renders and signing in connects live', async () => {
  const { user, password } = await createUser({ role: 'coordinator', name: 'Гульнара Асанова' });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('requestfailed', (request) => problems.push(`${request.url()}: ${request.failure()?.errorText}`));
  const webSocketFrames = new Promise<string>((resolve) =>
    page.on('websocket', (ws) => ws.once('framereceived', () => resolve(ws.url()))),
  );

  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  expect(new URL(page.url()).protocol).toBe('http:');
  await page.getByRole('heading', { name: 'Вход' }).waitFor();
  await page.getByLabel('Электронная почта').fill(user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();

  await page.locator('[data-testid="live-status"][data-state="connected"]').waitFor();
  expect(await page.getByTestId('signed-in-as').textContent()).toBe('Вы вошли как Гульнара Асанова (координатор)');
  // The live connection is a WebSocket to the same origin, allowed by `connect-src 'self'`.
  expect(new URL(await webSocketFrames).host).toBe(new URL(lanUrl).host);
  expect(problems).toEqual([]);
});
