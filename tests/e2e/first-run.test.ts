import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import { createUser, login } from '../support/factories';

// What a new user sees on the first run: one honest connection state, their own language, and
// form errors next to the field they concern.
let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: Error[];
let refuseSockets = false;

beforeAll(async () => {
  app = await startTestApp();
  // Lets a test hold the live connection down, as a lost mobile network does.
  app.karavan.io.use((_socket, next) => (refuseSockets ? next(new Error('test: no network')) : next()));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  refuseSockets = false;
  context = await browser.newContext({ baseURL: app.url, viewport: PHONE });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
});

afterEach(async () => {
  await context.close();
  expect(pageErrors).toEqual([]);
});

async function signInInRussian(email: string, password: string): Promise<void> {
  await page.getByLabel('Электронная почта').fill(email);
  await page.getByLabel('Пароль', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
}

const liveState = (state: string) => page.locator(`[data-testid="live-status"][data-state="${state}"]`).waitFor();
const homeText = async () => (await page.getByTestId('home').innerText()).toLowerCase();

/** The accessible description of a field: what the page tells a screen reader about it. */
async function descriptionOf(label: string): Promise<string> {
  const field = page.getByLabel(label, { exact: true });
  const ids = (await field.getAttribute('aria-describedby')) ?? '';
  const texts = await Promise.all(ids.split(' ').map((id) => page.locator(`[id="${id}"]`).innerText()));
  return texts.join(' | ');
}

test('When the live connection is down, then the home screen says so and nowhere claims to be online, in Russian and English alike', async () => {
  const { user, password } = await createUser({ role: 'coordinator' });
  await page.goto('/');
  await signInInRussian(user.email, password);
  await liveState('connected');
  expect(await homeText()).toContain('на связи');

  refuseSockets = true;
  app.karavan.io.disconnectSockets(true);
  await liveState('reconnecting');
  const russian = await homeText();
  expect(russian).toContain('нет связи');
  expect(russian).not.toContain('на связи');

  await page.getByRole('button', { name: 'EN' }).click();
  await page.getByRole('heading', { name: 'Home' }).waitFor();
  const english = await homeText();
  expect(english).toContain('no connection');
  expect(english).not.toMatch(/online|ready|\bconnected\b/);

  refuseSockets = false;
  await liveState('connected');
  expect(await page.getByTestId('live-status').innerText()).toBe('Server connection: connected');
});

test('When a user whose profile language is English signs in from a Russian screen, then the interface turns English', async () => {
  const { user, password } = await createUser({ role: 'driver', locale: 'en', name: 'Aibek Sadyrov' });
  await page.goto('/');
  await page.getByRole('heading', { name: 'Вход' }).waitFor();
  await signInInRussian(user.email, password);

  await page.getByRole('heading', { name: 'Home' }).waitFor();
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  expect(await page.getByTestId('signed-in-as').textContent()).toBe('Signed in as Aibek Sadyrov (driver)');
  expect(await page.getByRole('button', { name: 'EN' }).getAttribute('aria-pressed')).toBe('true');
});

test('When a signed-in user switches the language, then it is saved to their profile and follows them to another device', async () => {
  const { user, password } = await createUser({ role: 'organiser', locale: 'ru' });
  await page.goto('/');
  await signInInRussian(user.email, password);
  await page.getByRole('heading', { name: 'Главная' }).waitFor();

  const saved = page.waitForResponse(
    (response) => response.url().endsWith('/api/users/me') && response.request().method() === 'PATCH',
  );
  await page.getByRole('button', { name: 'EN' }).click();
  expect((await saved).status()).toBe(200);
  await expect(login(app.url, user.email, password)).resolves.toMatchObject({ user: { locale: 'en' } });

  // Another phone, whose browser never chose a language.
  const other = await browser.newContext({ baseURL: app.url, viewport: PHONE });
  try {
    const otherPage = await other.newPage();
    await otherPage.goto('/');
    await otherPage.getByLabel('Электронная почта').fill(user.email);
    await otherPage.getByLabel('Пароль', { exact: true }).fill(password);
    await otherPage.getByRole('button', { name: 'Войти' }).click();
    await otherPage.getByRole('heading', { name: 'Home' }).waitFor();
  } finally {
    await other.close();
  }
});

test('When the email is not an email, then the email field is marked and says what is wrong next to it', async () => {
  await page.goto('/');
  await signInInRussian('not-an-email', 'some password');

  const email = page.getByLabel('Электронная почта');
  await page.locator('[aria-invalid="true"]').waitFor();
  expect(await email.getAttribute('aria-invalid')).toBe('true');
  expect(await descriptionOf('Электронная почта')).toBe('Введите адрес электронной почты, например name@example.org');
  expect(await page.getByLabel('Пароль', { exact: true }).getAttribute('aria-invalid')).toBeNull();
  expect(await page.getByTestId('form-error').count()).toBe(0);
  expect(await email.evaluate((element) => element === document.activeElement)).toBe(true);
});

test('When the current password is wrong, then that field is marked and says so; the others are not', async () => {
  const { user, password } = await createUser({ role: 'driver', mustChangePassword: true });
  await page.goto('/');
  await signInInRussian(user.email, password);
  await page.getByLabel('Текущий пароль').fill('not-the-password');
  await page.getByLabel('Новый пароль', { exact: true }).fill('совсем-новый-пароль');
  await page.getByLabel('Повторите новый пароль').fill('совсем-новый-пароль');
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();

  await page.locator('[aria-invalid="true"]').waitFor();
  expect(await page.getByLabel('Текущий пароль').getAttribute('aria-invalid')).toBe('true');
  expect(await descriptionOf('Текущий пароль')).toBe('Текущий пароль указан неверно');
  expect(await page.getByLabel('Новый пароль', { exact: true }).getAttribute('aria-invalid')).toBeNull();
  // The new password keeps its hint; the mismatch check marks the repeated one.
  expect(await descriptionOf('Новый пароль')).toBe('Не короче 10 символов');

  await page.getByLabel('Текущий пароль').fill(password);
  await page.getByLabel('Повторите новый пароль').fill('другой-новый-пароль');
  await page.getByRole('button', { name: 'Сохранить пароль' }).click();
  await page.getByLabel('Повторите новый пароль').and(page.locator('[aria-invalid="true"]')).waitFor();
  expect(await descriptionOf('Повторите новый пароль')).toBe('Новые пароли не совпадают');
  expect(await page.getByLabel('Текущий пароль').getAttribute('aria-invalid')).toBeNull();
});
