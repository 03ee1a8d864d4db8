import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { choose, makeWorld, signInAt, TABLET, type World } from './workbench-support';

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

/**
 * Not a pass/fail timing: measures how long one donation takes on /intake for a practised user
 * (a short item prefix, the quantity, Enter; keys about 80 ms apart), from the first key to
 * "ready for the next", and how much of that is waiting on the app (the total minus the typing).
 * The figures are printed and saved to test-results/intake-timing.json for the closing note.
 */
test('When a practised coordinator records donations on /intake, then each is recorded and the time is measured', async () => {
  await signInAt(page, '/intake', world.coordinator);
  await page.getByRole('heading', { name: 'Приём пожертвований', level: 1 }).waitFor();
  const pick: [string, string][] = [
    ['Пункт приёма', world.point.name],
    ['Кампания', world.campaign.name],
  ];
  for (const [label, text] of pick) await choose(page, label, text);
  const item = page.getByRole('combobox', { name: 'Товар', exact: true });
  await item.focus();
  const KEY_MS = 80;
  const runs: { totalMs: number; typingMs: number; waitingMs: number }[] = [];
  for (let n = 1; n <= 5; n++) {
    let typingMs = 0;
    const type = async (text: string) => {
      const started = Date.now();
      await page.keyboard.type(text, { delay: KEY_MS });
      typingMs += Date.now() - started;
    };
    const press = async (key: string) => {
      const started = Date.now();
      await page.keyboard.press(key, { delay: 20 });
      typingMs += Date.now() - started;
    };
    const started = Date.now();
    await type(world.milk.name.ru.slice(0, 3));
    await page.getByRole('option', { name: world.milk.name.ru }).waitFor();
    await press('Enter');
    await type(String(n));
    await press('Enter');
    // Ready for the next: this donation confirmed, the cursor back on an empty item field.
    await page.getByText(new RegExp(`^Записано: ${world.milk.name.ru} — ${n} `)).waitFor();
    await page.waitForFunction(
      () => {
        const active = document.activeElement as HTMLInputElement | null;
        return active?.getAttribute('role') === 'combobox' && active.value === '';
      },
      undefined,
      { polling: 'raf' },
    );
    const totalMs = Date.now() - started;
    runs.push({ totalMs, typingMs, waitingMs: Math.max(0, totalMs - typingMs) });
  }
  await page.getByTestId('outbox').waitFor({ state: 'detached' });
  await page.getByTestId('donation-row').nth(4).waitFor();
  const stock = await request(app.url)
    .get(`/api/stock?locationId=${world.point.id}&itemId=${world.milk.id}`)
    .set(world.coordinator.auth);
  expect((stock.body.items as { onHand: number }[]).reduce((sum, row) => sum + row.onHand, 0)).toBe(1 + 2 + 3 + 4 + 5);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summary = {
    keyDelayMs: KEY_MS,
    runs,
    medianTotalMs: median(runs.map((run) => run.totalMs)),
    medianWaitingMs: median(runs.map((run) => run.waitingMs)),
  };
  fs.mkdirSync(path.resolve(__dirname, '../../test-results'), { recursive: true });
  fs.writeFileSync(path.resolve(__dirname, '../../test-results/intake-timing.json'), JSON.stringify(summary, null, 2));
  console.log(`intake timing: ${JSON.stringify(summary)}`);
});
