import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import { createUser, login } from '../support/factories';

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

// A fresh context per test: no shared localStorage, so no shared session or language.
beforeEach(async () => {
  context = await browser.newContext({ baseURL: app.url, viewport: PHONE });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
});

afterEach(async () => {
  jest.restoreAllMocks();
  await context.close();
  expect(pageErrors).toEqual([]);
});

async function signInInRussian(email: string, password: string): Promise<void> {
  await page.getByLabel('Электронная почта').fill(email);
  await page.getByLabel('Пароль', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
}

async function waitUntilConnected(): Promise<void> {
  await page.locator('[data-testid="live-status"][data-state="connected"]').waitFor();
}

const storedRefreshToken = () => page.evaluate(() => localStorage.getItem('karavan.refreshToken'));

test('When a user whose password must be changed signs in, then they choose a new one and reach the home screen, connected', async () => {
  const { user, password } = await createUser({ role: 'driver', name: 'Айгуль Токтогулова', mustChangePassword: true });
  const newPassword = 'хлеб-и-молоко-2022';

  await page.goto('/');
  await page.getByRole('heading', { name: 'Вход' }).waitFor();
  expect(await page.locator('html').getAttribute('lang')).toBe('ru');
  await signInInRussian(user.email, password);

  await page.getByRole('heading', { name: 'Смените пароль' }).waitFor();
  await page.getByLabel('Текущий пароль').fill(password);
  await page.getByLabel('Новый пароль', { exact: true }).fill(newPassword);
  await page.getByLabel('Повторите новый пароль').fill(newPassword);
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();

  await waitUntilConnected();
  expect(await page.getByTestId('signed-in-as').textContent()).toBe('Вы вошли как Айгуль Токтогулова (водитель)');
  expect(await page.getByTestId('live-status').textContent()).toBe('Связь с сервером: на связи');
  await expect(login(app.url, user.email, newPassword)).resolves.toMatchObject({ user: { mustChangePassword: false } });
});

test('When a phone opens Karavan on a slow link, then the loading screen gives way to the app without the page jumping', async () => {
  // Every layout shift from the first paint on (Lighthouse counts their sum; 0.1 is its limit).
  await page.addInitScript(() => {
    const shifts: number[] = [];
    (window as unknown as { shifts: number[] }).shifts = shifts;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) shifts.push((entry as unknown as { value: number }).value);
    }).observe({ type: 'layout-shift', buffered: true });
  });
  // The bundle arrives late, as on a slow link, so the loading screen is painted first.
  await page.route(/\/assets\/index-[^/]+\.js$/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await route.continue();
  });

  await page.goto('/', { waitUntil: 'commit' });
  await page.getByTestId('boot').waitFor();
  await page.getByRole('heading', { name: 'Вход' }).waitFor();
  await page.waitForTimeout(500);
  const shifts = await page.evaluate(() => (window as unknown as { shifts: number[] }).shifts);
  expect(shifts.reduce((sum, value) => sum + value, 0)).toBeLessThan(0.05);
});

test('When the new passwords do not match, then the form says so and the password stays unchanged', async () => {
  const { user, password } = await createUser({ role: 'driver', mustChangePassword: true });

  await page.goto('/');
  await signInInRussian(user.email, password);
  await page.getByLabel('Текущий пароль').fill(password);
  await page.getByLabel('Новый пароль', { exact: true }).fill('достаточно-длинный-1');
  await page.getByLabel('Повторите новый пароль').fill('достаточно-длинный-2');
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();

  expect(await page.getByRole('alert').textContent()).toBe('Новые пароли не совпадают');
  await expect(login(app.url, user.email, password)).resolves.toMatchObject({ user: { mustChangePassword: true } });
});

test('When the password is wrong, then the login form stays and shows the error in Russian', async () => {
  const { user } = await createUser({ role: 'coordinator' });

  await page.goto('/');
  await signInInRussian(user.email, 'not-the-password');

  expect(await page.getByRole('alert').textContent()).toBe('Неверная электронная почта или пароль.');
  expect(await page.getByRole('button', { name: 'Войти' }).isEnabled()).toBe(true);
  expect(await storedRefreshToken()).toBeNull();
});

test('When the user switches to English, then labels and errors are English, also after a reload', async () => {
  const { user } = await createUser({ role: 'coordinator' });

  await page.goto('/');
  await page.getByRole('button', { name: 'EN' }).click();

  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  expect(await page.title()).toBe('Karavan');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  expect(await page.getByRole('alert').textContent()).toBe('Wrong email or password.');

  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  expect(await page.getByRole('button', { name: 'EN' }).getAttribute('aria-pressed')).toBe('true');
});

test('When a signed-in user reloads, then the session continues; when they sign out, then a reload does not restore it', async () => {
  const { user, password } = await createUser({ role: 'organiser', name: 'Нурлан Осмонов' });

  await page.goto('/');
  await signInInRussian(user.email, password);
  await waitUntilConnected();

  await page.reload();
  await waitUntilConnected();
  expect(await page.getByTestId('signed-in-as').textContent()).toBe('Вы вошли как Нурлан Осмонов (организатор)');

  const refreshToken = await storedRefreshToken();
  const loggedOut = page.waitForResponse((response) => response.url().endsWith('/api/auth/logout'));
  await page.getByRole('button', { name: 'Выйти' }).click();
  await page.getByRole('heading', { name: 'Вход' }).waitFor();
  expect((await loggedOut).status()).toBe(204);

  await page.reload();
  await page.getByRole('heading', { name: 'Вход' }).waitFor();
  expect(await storedRefreshToken()).toBeNull();
  const refresh = await fetch(`${app.url}/api/auth/refresh`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  expect(refresh.status).toBe(401);
});

test('When the access token has expired, then the client refreshes it, for API calls and the live connection alike', async () => {
  // A server whose access tokens live 5 s: the token really expires (moving this process's clock
  // would also move the database driver's and disturb its connection).
  const shortLived = await startTestApp({ ACCESS_TOKEN_TTL_SECONDS: '5' });
  const own = await browser.newContext({ baseURL: shortLived.url, viewport: PHONE });
  own.setDefaultTimeout(15_000);
  const previous = page;
  page = await own.newPage();
  page.on('pageerror', (error) => pageErrors.push(error));
  try {
    const { user, password } = await createUser({ role: 'driver', mustChangePassword: true });
    const newPassword = 'кефир-на-границе-2022';
    await page.goto('/');
    await signInInRussian(user.email, password);
    await page.getByRole('heading', { name: 'Смените пароль' }).waitFor();

    await page.waitForTimeout(6_000);
    let refreshed = page.waitForResponse((response) => response.url().endsWith('/api/auth/refresh'));
    await page.getByLabel('Текущий пароль').fill(password);
    await page.getByLabel('Новый пароль', { exact: true }).fill(newPassword);
    await page.getByLabel('Повторите новый пароль').fill(newPassword);
    await page.getByRole('button', { name: 'Сохранить пароль' }).click();
    expect((await refreshed).status()).toBe(200);
    await waitUntilConnected();

    refreshed = page.waitForResponse((response) => response.url().endsWith('/api/auth/refresh'));
    // The live connection is closed when its token expires; the client comes back with a new one.
    expect((await refreshed).status()).toBe(200);
    await waitUntilConnected();
  } finally {
    page = previous;
    await own.close();
    await shortLived.close();
  }
}, 60_000);
