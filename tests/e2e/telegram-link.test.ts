import request from 'supertest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium, PHONE } from '../support/browser';
import { signedIn } from '../support/factories';
import { startFakeTelegram, type FakeTelegram } from '../support/fake-telegram';

// A driver links Telegram from the app's menu (issue 21): the code the app shows, sent to the
// bot, links the account. The bot talks to a fake Bot API started here.

const TOKEN = `654321:${'B'.repeat(35)}`;
const SECRET = 'e2e-webhook-secret-0123456789';
let telegram: FakeTelegram;
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  telegram = await startFakeTelegram(TOKEN);
  app = await startTestApp({
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: telegram.url,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await telegram?.close();
});

test('When a driver opens Telegram in the menu, then the code shown links their Telegram account in the bot', async () => {
  const driver = await signedIn(app.url, { role: 'driver' });
  const context = await browser.newContext({ baseURL: app.url, viewport: PHONE, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto('/driver');
  await page.getByLabel('Электронная почта').fill(driver.user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(driver.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Мои рейсы', level: 1 }).waitFor();

  await page.getByRole('button', { name: new RegExp(driver.user.name) }).click();
  await page.getByRole('menuitem', { name: 'Telegram' }).click();
  const dialog = page.getByRole('dialog', { name: 'Telegram' });
  const shown = (await dialog.getByTestId('telegram-code').textContent()) ?? '';
  expect(shown).toMatch(/^\/link \d{8}$/);
  expect(await dialog.getByRole('link', { name: 'Открыть бота с кодом' }).getAttribute('href')).toBe(
    `https://t.me/karavan_test_bot?start=${shown.slice(6)}`,
  );
  await page.screenshot({ path: 'test-results/screenshots/telegram-link-ru.png' });

  // The driver sends it to the bot, as Telegram would deliver it.
  await request(app.url)
    .post('/api/channels/telegram/webhook')
    .set('X-Telegram-Bot-Api-Secret-Token', SECRET)
    .send({
      update_id: 1,
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        chat: { id: 9001, type: 'private', first_name: 'Нурлан' },
        from: { id: 9001, is_bot: false, first_name: 'Нурлан', language_code: 'ru' },
        text: shown,
        entities: [{ type: 'bot_command', offset: 0, length: 5 }],
      },
    })
    .expect(200);
  expect(String(telegram.of('sendMessage', 9001).at(-1)?.payload.text)).toContain(driver.user.name);
  await context.close();
});
