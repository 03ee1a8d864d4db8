import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { LabelDto, ShipmentDto } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { seriousViolations } from '../support/axe';
import { CHROMIUM, CHROMIUM_ARGS, PHONE } from '../support/browser';
import { cameraArgs, qrFrame, writeFilm } from '../support/camera';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, sendUpdate, type Scene } from '../support/shipments';

/*
 * Issue 19 on a phone against the real server: load by scanning (the camera, Chromium's fake
 * capture fed a Y4M file that shows one crate's QR code after another, among them a crate of
 * another shipment), online and offline; and a hand-over from one driver to another, confirmed
 * on the taker's phone.
 */

let app: TestApp;
let scene: Scene;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
const browsers: Browser[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-loading-'));

beforeAll(async () => {
  app = await startTestApp();
  scene = await buildScene(app.url);
  coordinator = await signedIn(app.url, { role: 'coordinator' });
}, 60_000);

afterAll(async () => {
  for (const browser of browsers) await browser.close();
  await app?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function issueLabels(shipmentId: string, quantities: number[]): Promise<LabelDto[]> {
  const issued = await request(app.url)
    .post(`/api/shipments/${shipmentId}/labels`)
    .set(coordinator.auth)
    .send({ crates: quantities.map((quantity) => ({ itemId: scene.item.id, quantity })) });
  expect(issued.status).toBe(201);
  return (issued.body as { items: LabelDto[] }).items;
}

async function phone(camera?: string[]): Promise<{ context: BrowserContext; page: Page; errors: Error[] }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // (a camera filming each code in turn, 0.8 s each, over and over)
    args: camera
      ? cameraArgs(writeFilm(path.join(dir, `camera-${browsers.length}.y4m`), camera.map(qrFrame), 8))
      : CHROMIUM_ARGS,
  });
  browsers.push(browser);
  const context = await browser.newContext({
    baseURL: app.url,
    viewport: PHONE,
    permissions: camera ? ['camera'] : [],
  });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  return { context, page, errors };
}

async function signIn(page: Page, where: string, who: { user: { email: string }; password: string }): Promise<void> {
  await page.goto(where);
  await page.getByLabel('Электронная почта').fill(who.user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(who.password);
  await page.keyboard.press('Enter');
}

/** The summary says 60 of 60 litres scanned in 2 crates, a crate of another shipment was flagged, and the check is not complete. */
async function expectFlaggedSummary(page: Page, other: ShipmentDto): Promise<void> {
  await page.waitForFunction(
    () => document.querySelector('[data-testid="load-scanned"]')?.textContent?.startsWith('60 литров'),
    undefined,
    { timeout: 60_000 },
  );
  const foreign = page.locator('[data-testid="load-scan"][data-kind="otherShipment"]').first();
  await foreign.waitFor({ timeout: 60_000 });
  expect(await foreign.textContent()).toBe(
    `✖ Ящик другого рейса (…${other.id.slice(-6)}): ${scene.item.name.ru} — не грузите`,
  );
  const row = page.getByTestId('load-summary-row');
  expect(await row.allTextContents()).toEqual([`${scene.item.name.ru}60 литров60 литров (2 ящика)`]);
  expect(await page.locator('[data-testid="load-scan"][data-kind="ok"]').count()).toBe(2);
  expect(await page.getByTestId('load-complete').count()).toBe(0);
}

test('When a driver checks the loading by scanning crate after crate, then each crate of the plan is ✔, a crate of another shipment is flagged and the summary adds up, online and offline', async () => {
  const shipment = await createShipment(app.url, coordinator.auth, scene, {
    lines: [{ itemId: scene.item.id, quantity: 60 }],
  });
  expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading')).status).toBe(200);
  const [first, second] = await issueLabels(shipment.id, [24, 36]);
  const other = await createShipment(app.url, coordinator.auth, scene, {
    lines: [{ itemId: scene.item.id, quantity: 10 }],
  });
  expect((await sendUpdate(app.url, coordinator.auth, other.id, 'loading')).status).toBe(200);
  const [foreign] = await issueLabels(other.id, [10]);

  const { context, page, errors } = await phone([first!.qr, foreign!.qr, second!.qr]);
  await signIn(page, `/driver/${shipment.id}`, scene.driver);
  await page.getByTestId('shipment-status').waitFor();
  await page.waitForFunction(() => Object.keys(localStorage).some((key) => key.startsWith('karavan.labelKey.')));
  await page.getByRole('button', { name: 'Проверить погрузку сканированием' }).click();
  await expectFlaggedSummary(page, other);
  expect(await seriousViolations(page)).toEqual([]);

  // No network: the labels are checked with the key kept on the phone.
  await context.setOffline(true);
  // The list empties (the camera goes on reading the crates in front of it, so the first may be
  // back before a look at the list: a watcher on the page sees the empty list as it happens).
  await page.evaluate(() => {
    const page = window as unknown as { listEmptied?: boolean };
    page.listEmptied = false;
    new MutationObserver((_, observer) => {
      if (document.querySelectorAll('[data-testid="load-scan"]').length > 0) return;
      page.listEmptied = true;
      observer.disconnect();
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.getByRole('button', { name: 'Начать заново' }).click();
  await page.waitForFunction(() => (window as unknown as { listEmptied?: boolean }).listEmptied === true);
  await expectFlaggedSummary(page, other);
  expect(errors).toEqual([]);
  await context.close();
}, 240_000);

test('When a driver hands the goods over to another driver on the road, then the taker sees it, confirms it and the shipment becomes theirs', async () => {
  const shipment = await createShipment(app.url, coordinator.auth, scene, {
    lines: [{ itemId: scene.item.id, quantity: 50 }],
  });
  expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading')).status).toBe(200);
  expect((await sendUpdate(app.url, scene.driver.auth, shipment.id, 'departed')).status).toBe(200);

  const giver = await phone();
  await signIn(giver.page, `/driver/${shipment.id}`, scene.driver);
  await giver.page.getByTestId('shipment-status').waitFor();
  await giver.page.getByRole('button', { name: 'Передать груз' }).click();
  await giver.page.getByTestId('handover-taker').waitFor();
  await giver.page.waitForFunction(
    (id) => Boolean(document.querySelector(`[data-testid="handover-taker"] option[value="${id}"]`)),
    scene.otherDriver.user.id,
  );
  await giver.page.getByTestId('handover-taker').selectOption(scene.otherDriver.user.id);
  await giver.page.getByLabel(`Пересчитано: ${scene.item.name.ru}`).fill('48');
  await giver.page.getByTestId('handover-submit').click();
  // A difference needs a reason.
  await giver.page.getByText('Укажите причину').first().waitFor();
  await giver.page.getByLabel('Причина недостачи').selectOption('damaged');
  await giver.page.getByTestId('handover-submit').click();
  await giver.page.getByTestId('handover-queued').waitFor();
  await giver.page.getByTestId('handover-pending').waitFor({ timeout: 30_000 });

  const taker = await phone();
  await signIn(taker.page, '/driver', scene.otherDriver);
  await taker.page.getByTestId('incoming-handover').waitFor({ timeout: 30_000 });
  expect(await taker.page.getByTestId('incoming-handover').textContent()).toContain('48 литров');
  await taker.page.getByRole('button', { name: 'Подтвердить приём' }).click();
  await taker.page.getByTestId('handover-confirmed').waitFor();
  await taker.page.getByTestId('shipment-card').waitFor({ timeout: 30_000 });
  // The note stays once the server has the confirmation (and no longer lists the hand-over), and says so.
  await taker.page.locator('[data-testid="handover-confirmed"][data-sent="true"]').waitFor({ timeout: 30_000 });
  expect(await taker.page.getByTestId('handover-confirmed').textContent()).toContain('Приём подтверждён и отправлен');

  const after = await request(app.url).get(`/api/shipments/${shipment.id}`).set(coordinator.auth).expect(200);
  expect(after.body.driverId).toBe(scene.otherDriver.user.id);
  expect(after.body.handovers).toEqual([
    expect.objectContaining({
      state: 'confirmed',
      lines: [{ itemId: scene.item.id, carried: 50, counted: 48, reason: 'damaged' }],
    }),
  ]);
  expect(giver.errors).toEqual([]);
  expect(taker.errors).toEqual([]);
  await giver.context.close();
  await taker.context.close();
}, 180_000);

test('When the taker declines a hand-over, then the goods stay with the giver, who may hand them over again; a giver may also call one off', async () => {
  const shipment = await createShipment(app.url, coordinator.auth, scene, {
    lines: [{ itemId: scene.item.id, quantity: 50 }],
  });
  expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading')).status).toBe(200);
  expect((await sendUpdate(app.url, scene.driver.auth, shipment.id, 'departed')).status).toBe(200);
  const handovers = async () =>
    (await request(app.url).get(`/api/shipments/${shipment.id}`).set(coordinator.auth).expect(200)).body as ShipmentDto;
  const handOver = async (page: Page) => {
    await page.getByRole('button', { name: 'Передать груз' }).click();
    await page.waitForFunction(
      (id) => Boolean(document.querySelector(`[data-testid="handover-taker"] option[value="${id}"]`)),
      scene.otherDriver.user.id,
    );
    await page.getByTestId('handover-taker').selectOption(scene.otherDriver.user.id);
    await page.getByTestId('handover-submit').click();
    await page.getByTestId('handover-pending').waitFor({ timeout: 30_000 });
  };

  const giver = await phone();
  await signIn(giver.page, `/driver/${shipment.id}`, scene.driver);
  await giver.page.getByTestId('shipment-status').waitFor();
  await handOver(giver.page);

  const taker = await phone();
  await signIn(taker.page, '/driver', scene.otherDriver);
  await taker.page.getByTestId('incoming-handover').waitFor({ timeout: 30_000 });
  // Declined offline: the note says it waits, and cannot be closed before it is sent.
  await taker.context.setOffline(true);
  await taker.page.getByRole('button', { name: 'Отказаться' }).click();
  const declined = taker.page.getByTestId('handover-declined');
  await declined.waitFor();
  expect(await declined.getAttribute('data-sent')).toBe('false');
  expect(await declined.textContent()).toContain('Отказ сохранён и будет отправлен');
  expect(await declined.getByRole('button', { name: 'Закрыть' }).count()).toBe(0);
  await taker.context.setOffline(false);
  await taker.page.locator('[data-testid="handover-declined"][data-sent="true"]').waitFor({ timeout: 30_000 });
  expect(await taker.page.getByTestId('handover-declined').textContent()).toContain('Отказ отправлен');
  // (nothing is being handed over any more: the section no longer says so)
  expect(await taker.page.locator('#incoming-title').textContent()).toBe('Передача груза');
  // Closed by the taker once sent: nothing is left to answer.
  await taker.page.getByTestId('handover-declined').getByRole('button', { name: 'Закрыть' }).click();
  await taker.page.getByTestId('incoming-handovers').waitFor({ state: 'detached' });
  let now = await handovers();
  for (let i = 0; i < 60 && now.handovers?.[0]?.state !== 'cancelled'; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    now = await handovers();
  }
  await giver.page.reload();
  await giver.page.getByRole('button', { name: 'Передать груз' }).waitFor({ timeout: 30_000 });
  expect(now.driverId).toBe(scene.driver.user.id);
  expect(now.handovers?.map((h) => h.state)).toEqual(['cancelled']);

  // Handed over again, and this time the giver calls it off.
  await handOver(giver.page);
  await giver.page.getByRole('button', { name: 'Отменить передачу' }).click();
  await giver.page.getByTestId('handover-withdrawn').waitFor();
  // Once sent, the note says so and the goods may be handed over again.
  await giver.page.locator('[data-testid="handover-withdrawn"][data-sent="true"]').waitFor({ timeout: 30_000 });
  expect(await giver.page.getByTestId('handover-withdrawn').textContent()).toContain('Отмена передачи отправлена');
  await giver.page.getByRole('button', { name: 'Передать груз' }).waitFor({ timeout: 30_000 });
  const settled = () => (now.handovers ?? []).length === 2 && !now.handovers!.some((h) => h.state === 'pending');
  for (let i = 0; i < 60 && !settled(); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    now = await handovers();
  }
  expect(now.handovers?.map((h) => h.state)).toEqual(['cancelled', 'cancelled']);
  expect(now.driverId).toBe(scene.driver.user.id);
  expect(giver.errors).toEqual([]);
  expect(taker.errors).toEqual([]);
  await giver.context.close();
  await taker.context.close();
}, 180_000);
