import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ShipmentDto } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { seriousViolations } from '../support/axe';
import { CHROMIUM, PHONE } from '../support/browser';
import { blankFrame, cameraArgs, imageFrame, readPng, writeFilm } from '../support/camera';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, expectReconciled, sendUpdate, type Scene } from '../support/shipments';

/*
 * The QR relay (issue 21) between two phones against the real server: the driver's phone, with
 * no network, shows its three signed updates as a sequence of QR codes; the test films that
 * screen (screenshots of each code) as the coordinator's phone camera (Chromium's fake capture,
 * fed a Y4M file made of them); the coordinator's phone relays them; its answer code, filmed the
 * same way, marks them relayed on the driver's phone; back online, the driver's outbox empties
 * with no error and nothing applied twice.
 */

const SHOTS = 'test-results/screenshots';
/** Frames each code is filmed for, at 10 frames a second. */
const FRAMES_PER_CODE = 15;

let app: TestApp;
let scene: Scene;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let shipment: ShipmentDto;
const browsers: Browser[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-relay-'));

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp();
  scene = await buildScene(app.url);
  coordinator = await signedIn(app.url, { role: 'coordinator' });
  shipment = await createShipment(app.url, coordinator.auth, scene);
  expect((await sendUpdate(app.url, coordinator.auth, shipment.id, 'loading')).status).toBe(200);
}, 60_000);

afterAll(async () => {
  for (const browser of browsers) await browser.close();
  await app?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes a camera file filming each screenshot in turn, FRAMES_PER_CODE frames each (the camera loops it). */
function writeCamera(file: string, shots: Buffer[]): void {
  const frames = shots.length ? shots.map((shot) => imageFrame(readPng(shot))) : [blankFrame()];
  writeFilm(file, frames, FRAMES_PER_CODE);
}

/** A phone whose back camera films what `file` holds when the camera opens. */
async function phone(file: string): Promise<{ context: BrowserContext; page: Page; errors: Error[] }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: cameraArgs(file),
  });
  browsers.push(browser);
  const context = await browser.newContext({
    baseURL: app.url,
    viewport: PHONE,
    permissions: ['camera', 'geolocation'],
    geolocation: { latitude: 43.0386, longitude: 74.7059, accuracy: 30 },
  });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  return { context, page, errors };
}

async function signIn(page: Page, at: string, who: { user: { email: string }; password: string }): Promise<void> {
  await page.goto(at);
  await page.getByLabel('Электронная почта').fill(who.user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(who.password);
  await page.keyboard.press('Enter');
}

async function shipmentNow(): Promise<ShipmentDto> {
  const res = await request(app.url).get(`/api/shipments/${shipment.id}`).set(coordinator.auth);
  expect(res.status).toBe(200);
  return res.body as ShipmentDto;
}

/** Screenshots of every code of the sequence the page shows (stepped by hand: the sequence stops advancing). */
async function screenshotCodes(page: Page, testId: string, stepButton?: string): Promise<Buffer[]> {
  const codes = page.getByTestId(testId);
  await codes.first().waitFor();
  if (!stepButton) return Promise.all((await codes.all()).map((code) => code.screenshot()));
  const label = await page.getByTestId('relay-part').textContent();
  const total = Number(/из (\d+)/.exec(label ?? '')![1]);
  const shots = new Map<number, Buffer>();
  // Each shot is kept under the number the code itself says (its label, drawn with it), read before
  // and after the shot: a shot taken while the code changed is taken again.
  const shown = async () => Number(/(\d+) из/.exec((await codes.getAttribute('aria-label')) ?? '')![1]);
  for (let i = 0; shots.size < total && i < total * 5; i += 1) {
    await page.getByRole('button', { name: stepButton }).click();
    const index = await shown();
    const shot = await codes.screenshot();
    if ((await shown()) === index) shots.set(index, shot);
  }
  return [...shots.entries()].sort(([a], [b]) => a - b).map(([, shot]) => shot);
}

test("When a driver with no network hands three updates by QR to a coordinator's phone, then the server applies each once as the driver's, and the driver's outbox empties with no error once online", async () => {
  // The driver's phone: its camera will film the coordinator's answer (written before it opens).
  const driverCamera = path.join(dir, 'driver-camera.y4m');
  writeCamera(driverCamera, []);
  const driver = await phone(driverCamera);
  const registered = driver.page.waitForResponse(
    (res) => new URL(res.url()).pathname === '/api/devices' && res.request().method() === 'POST',
  );
  await signIn(driver.page, `/driver/${shipment.id}`, scene.driver);
  expect((await registered).status()).toBe(201);
  await driver.page.getByTestId('shipment-status').and(driver.page.locator('[data-status="loading"]')).waitFor();
  // The app is installed (its service worker serves the screens offline).
  await driver.page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve));
    }
  });
  expect(await driver.page.getByTestId('relay-show').count()).toBe(0);

  await driver.context.setOffline(true);
  await driver.page.getByRole('button', { name: 'Выехал' }).click();
  await driver.page.getByRole('button', { name: /^На пункте пропуска/ }).click();
  await driver.page.getByLabel('Заметка').fill('Очередь на границе, около 40 машин');
  await driver.page.getByRole('button', { name: /^Выехал с пункта/ }).click();
  await driver.page.getByText('3 записи ждут отправки').waitFor();

  await driver.page.getByRole('button', { name: 'Передать обновления через QR' }).click();
  await driver.page.getByTestId('relay-view').waitFor();
  await driver.page
    .getByText('Эти обновления ещё ждут отправки: они будут учтены, когда коллега их отправит.')
    .waitFor();
  await driver.page.getByText('Подписанных обновлений: 3').waitFor();
  expect(await driver.page.getByTestId('relay-unsigned').count()).toBe(0);
  // The sequence advances by itself.
  const first = await driver.page.getByTestId('relay-part').textContent();
  expect(first).toMatch(/^Код 1 из [2-9]$/);
  await driver.page
    .getByTestId('relay-part')
    .filter({ hasText: /^Код 2 из/ })
    .waitFor();
  await driver.page.screenshot({ path: `${SHOTS}/relay-driver.png` });
  expect(await seriousViolations(driver.page)).toEqual([]);
  const codes = await screenshotCodes(driver.page, 'relay-qr', 'Следующий код');
  expect(codes.length).toBe(Number(/из (\d+)/.exec(first!)![1]));

  // The coordinator's phone, online, films the driver's screen.
  const coordinatorCamera = path.join(dir, 'coordinator-camera.y4m');
  writeCamera(coordinatorCamera, codes);
  const colleague = await phone(coordinatorCamera);
  await signIn(colleague.page, '/', coordinator);
  // Listened for before the scanner opens: on a fast machine the codes are read and sent at once.
  const relayed = colleague.page.waitForResponse((res) => new URL(res.url()).pathname === '/api/relay', {
    timeout: 60_000,
  });
  void relayed.catch(() => undefined); // (awaited below; not an unhandled rejection if a step before fails)
  await colleague.page.getByRole('button', { name: coordinator.user.name }).click();
  await colleague.page.getByRole('menuitem', { name: 'Принять обновления по QR' }).click();
  await colleague.page.waitForURL((url) => url.pathname === '/relay');
  await colleague.page.getByTestId('relay-progress').waitFor();
  const response = await relayed.catch(async (error: Error) => {
    // Say how far the reading got.
    const progress = await colleague.page
      .getByTestId('relay-progress')
      .textContent({ timeout: 1_000 })
      .catch(() => null);
    throw new Error(`${error.message}; the scanner shows ${JSON.stringify(progress)}`);
  });
  expect(response.request().headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  await colleague.page.getByTestId('relay-result').nth(2).waitFor({ timeout: 60_000 });
  expect(
    await colleague.page
      .getByTestId('relay-result')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status'))),
  ).toEqual(['applied', 'applied', 'applied']);
  await colleague.page.screenshot({ path: `${SHOTS}/relay-colleague.png`, fullPage: true });
  expect(await seriousViolations(colleague.page)).toEqual([]);

  // The server has each update once, as the driver's own, while the driver's phone is still offline.
  const relayedNow = await shipmentNow();
  const updates = relayedNow.history.filter((update) => update.status !== 'loading');
  expect(updates.map((update) => [update.status, update.applied, update.actorId])).toEqual([
    ['departed', true, scene.driver.user.id],
    ['at_checkpoint', true, scene.driver.user.id],
    ['departed', true, scene.driver.user.id],
  ]);
  expect(updates[2]).toMatchObject({ checkpointId: scene.checkpoint.id, note: 'Очередь на границе, около 40 машин' });
  expect(relayedNow.status).toBe('departed');
  const custody = await request(app.url).get(`/api/shipments/${shipment.id}/custody`).set(coordinator.auth);
  expect(custody.status).toBe(200);
  const records = (custody.body as { records: { id: string; verified: boolean }[] }).records;
  expect(updates.map((update) => records.find((record) => record.id === update.id)?.verified)).toEqual([
    true,
    true,
    true,
  ]);

  // The answer code, filmed by the driver's phone: its updates show as handed over, still waiting.
  writeCamera(driverCamera, await screenshotCodes(colleague.page, 'relay-back-qr'));
  await driver.page.getByRole('button', { name: 'Сканировать ответ коллеги' }).click();
  await driver.page.getByTestId('relay-marked').waitFor({ timeout: 60_000 });
  expect(await driver.page.getByTestId('relay-marked').textContent()).toBe(
    'Коллега передал на сервер: 3. Телефон подтвердит это при следующей связи.',
  );
  await driver.page.getByRole('dialog').getByRole('button', { name: 'Закрыть', exact: true }).click();
  await driver.page.getByTestId('relay-view').waitFor({ state: 'detached' });
  const states = () =>
    driver.page.getByTestId('history-entry').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-state')));
  expect(await states()).toEqual(['relayed', 'relayed', 'relayed', 'sent']);
  expect(await driver.page.getByTestId('outbox-entry').filter({ hasText: 'Передано через коллегу' }).count()).toBe(3);

  // Online again: the outbox sends its own copies, which change nothing, and empties.
  await driver.context.setOffline(false);
  await driver.page.getByTestId('outbox').waitFor({ state: 'detached' });
  await driver.page.locator('[data-testid="history-entry"][data-state="relayed"]').waitFor({ state: 'detached' });
  expect(await states()).toEqual(['sent', 'sent', 'sent', 'sent']);
  expect(await driver.page.getByTestId('relay-show').count()).toBe(0);
  const after = await shipmentNow();
  expect(after.history.filter((update) => update.status !== 'loading').map((update) => update.id)).toEqual(
    updates.map((update) => update.id),
  );
  expect(after.status).toBe('departed');
  await expectReconciled();
  expect(driver.errors).toEqual([]);
  expect(colleague.errors).toEqual([]);
}, 240_000);
