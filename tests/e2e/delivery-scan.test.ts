import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createCanvas } from '@napi-rs/canvas';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { LabelDto, ShipmentDto } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { seriousViolations } from '../support/axe';
import { CHROMIUM, PHONE } from '../support/browser';
import { cameraArgs, filmOfCodes } from '../support/camera';
import { User } from '../../server/src/users/users.model';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, sendUpdate, type Scene } from '../support/shipments';

/*
 * Receive by scanning on the driver's phone against the real server (issue 19): the camera
 * (Chromium's fake capture, a Y4M film that shows two of the three crates' QR codes and a label
 * of another shipment, in a loop) ticks crates offline; the unscanned crate becomes a shortfall
 * that needs a reason; the receiver signs on the screen (mouse moves) and a damage photo is
 * compressed and sent; the delivery waits in the outbox and goes once the phone is back online.
 */

const SHOTS = 'test-results/screenshots';

let app: TestApp;
let scene: Scene;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let shipment: ShipmentDto;
let crates: LabelDto[];
let foreign: LabelDto;
let browser: Browser | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-receive-'));

async function labelled(quantities: number[]): Promise<{ shipment: ShipmentDto; labels: LabelDto[] }> {
  const s = await createShipment(app.url, coordinator.auth, scene, {
    lines: [{ itemId: scene.item.id, quantity: quantities.reduce((a, b) => a + b, 0) }],
  });
  const issued = await request(app.url)
    .post(`/api/shipments/${s.id}/labels`)
    .set(coordinator.auth)
    .send({ crates: quantities.map((quantity) => ({ itemId: scene.item.id, quantity })) });
  expect(issued.status).toBe(201);
  return { shipment: s, labels: (issued.body as { items: LabelDto[] }).items };
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp();
  scene = await buildScene(app.url);
  coordinator = await signedIn(app.url, { role: 'coordinator' });
  ({ shipment, labels: crates } = await labelled([20, 20, 20]));
  foreign = (await labelled([5])).labels[0]!;
  for (const status of ['loading', 'departed', 'arrived'] as const) {
    expect((await sendUpdate(app.url, coordinator.auth, shipment.id, status)).status).toBe(200);
  }
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function phoneFilming(texts: string[]): Promise<{ context: BrowserContext; page: Page; errors: Error[] }> {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: cameraArgs(filmOfCodes(path.join(dir, 'camera.y4m'), texts)),
  });
  const context = await browser.newContext({ baseURL: app.url, viewport: PHONE, permissions: ['camera'] });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  return { context, page, errors };
}

/** A large photo (a 2400 x 1800 PNG of coloured stripes) as the phone's camera would give. */
function bigPhoto(): Buffer {
  const canvas = createCanvas(2400, 1800);
  const g = canvas.getContext('2d');
  for (let i = 0; i < 24; i += 1) {
    g.fillStyle = `hsl(${i * 15}, 70%, 50%)`;
    g.fillRect(i * 100, 0, 100, 1800);
  }
  return canvas.toBuffer('image/png');
}

const shipmentNow = async () =>
  (await request(app.url).get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body as ShipmentDto;

test('When the driver receives by scanning and one crate of three is not scanned, then that shortfall needs a reason; signed, with a photo, the delivery goes once back online', async () => {
  const { context, page, errors } = await phoneFilming([crates[0]!.qr, foreign.qr, crates[2]!.qr]);
  await page.goto(`/driver/${shipment.id}`);
  await page.getByLabel('Электронная почта').fill(scene.driver.user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(scene.driver.password);
  await page.keyboard.press('Enter');
  await page.getByTestId('shipment-status').waitFor();
  await page.getByRole('button', { name: 'Сдать груз' }).click();
  // The crates are on the phone: the rest happens with no network.
  await page.getByTestId('scan-crates').and(page.locator(':enabled')).waitFor();
  await context.setOffline(true);

  await page.getByLabel('Кто принял груз').fill('Гульнара Сапарова');
  const pad = page.getByTestId('signature-pad');
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.7);
  await page.mouse.down();
  for (let i = 1; i <= 20; i += 1) {
    await page.mouse.move(box.x + box.width * (0.1 + i * 0.04), box.y + box.height * (0.5 + 0.3 * Math.sin(i / 2)));
  }
  await page.mouse.up();

  await page.getByTestId('scan-crates').click();
  await page.getByTestId('crate-scanner').waitFor();
  await page.getByTestId('scan-message').filter({ hasText: 'от другого рейса' }).waitFor();
  await page.getByTestId('crates-count').filter({ hasText: 'Отсканировано 2 из 3 ящиков' }).waitFor();
  expect(await page.getByTestId('crate').evaluateAll((els) => els.map((e) => e.getAttribute('data-scanned')))).toEqual([
    'true',
    'false',
    'true',
  ]);
  await page.screenshot({ path: `${SHOTS}/receive-by-scanning.png`, fullPage: true });
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByTestId('finish-scan').click();
  await page.getByTestId('crate-scanner').waitFor({ state: 'detached' });
  expect(await page.getByLabel(/^Принято:/).inputValue()).toBe('40');

  // Sent without a reason, the form asks for one.
  await page.getByRole('button', { name: 'Подтвердить сдачу' }).click();
  await page.getByText('Укажите причину недостачи').waitFor();
  await page.getByLabel('Причина недостачи').selectOption('lost');

  await page
    .getByTestId('photo-input')
    .setInputFiles({ name: 'damage.png', mimeType: 'image/png', buffer: bigPhoto() });
  await page.getByTestId('photo-state').filter({ hasText: '1 фото ждёт отправки' }).waitFor();
  await page.screenshot({ path: `${SHOTS}/receive-signed-offline.png`, fullPage: true });
  await page.getByRole('button', { name: 'Подтвердить сдачу' }).click();
  await page.getByTestId('outbox').waitFor();
  expect((await shipmentNow()).status).toBe('arrived');

  await context.setOffline(false);
  await page.getByTestId('shipment-status').and(page.locator('[data-status="delivered"]')).waitFor();
  await page.getByTestId('outbox').waitFor({ state: 'detached' });

  const deadline = Date.now() + 30_000;
  let now = await shipmentNow();
  while (now.photos.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    now = await shipmentNow();
  }
  expect(now).toMatchObject({ status: 'delivered', receivedBy: 'Гульнара Сапарова' });
  expect(now.lines[0]).toMatchObject({ quantity: 60, received: 40, writtenOff: 20, reason: 'lost' });
  expect(now.scannedLabels).toEqual([crates[0]!.code, crates[2]!.code].sort((a, b) => (a < b ? -1 : 1)));
  expect(now.receiver!.name).toBe('Гульнара Сапарова');
  expect(now.receiver!.signature).toMatch(/^M\d+ \d+( L\d+ \d+){10,}$/);
  // The photo was made smaller on the phone: a JPEG no wider than 1280 px.
  expect(now.photos).toEqual([
    expect.objectContaining({ contentType: 'image/jpeg', uploadedBy: scene.driver.user.id }),
  ]);
  const photo = await request(app.url)
    .get(`/api/shipments/${shipment.id}/photos/${now.photos[0]!.id}`)
    .set(coordinator.auth)
    .buffer(true)
    .parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
  const jpeg = photo.body as Buffer;
  // The JPEG's frame header (SOF0) holds its height and width.
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  expect(sof).toBeGreaterThan(0);
  expect([jpeg.readUInt16BE(sof + 7), jpeg.readUInt16BE(sof + 5)]).toEqual([1280, 960]);
  expect(errors).toEqual([]);
}, 120_000);

test('When somebody working at the destination opens the delivered shipment, then they see the signature, crates and photo, and confirm receipt on their own phone', async () => {
  const receiver = await signedIn(app.url, { role: 'coordinator', name: 'Дана Сейткали' });
  await User.updateOne({ _id: receiver.user.id }, { $set: { locationIds: [scene.destination.id] } });
  const context = await browser!.newContext({ baseURL: app.url, viewport: PHONE });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  try {
    await page.goto(`/shipments/${shipment.id}`);
    await page.getByLabel('Электронная почта').fill(receiver.user.email);
    await page.getByLabel('Пароль', { exact: true }).fill(receiver.password);
    await page.keyboard.press('Enter');
    const panel = page.getByTestId('proof-panel');
    await panel.waitFor();
    await panel.getByText('Получил: Гульнара Сапарова').waitFor();
    await panel.getByText('Принято по этикеткам: 2 ящика').waitFor();
    await panel.getByText('Фото: 1').waitFor();
    expect(await page.getByTestId('proof-signature').locator('path').getAttribute('d')).toMatch(/^M\d+ \d+ L/);
    const photo = panel.getByRole('img', { name: 'Фото 1' });
    await photo.waitFor();
    // The photo is shown, not a broken image.
    await page.waitForFunction(
      () => (document.querySelector('img[alt="Фото 1"]') as HTMLImageElement | null)?.naturalWidth === 1280,
    );
    await page.getByTestId('confirm-receipt').click();
    await page.getByTestId('proof-receipt').filter({ hasText: 'Дана Сейткали' }).waitFor();
    await page.getByTestId('history').getByText('Получение подтверждено').waitFor();
    await page.screenshot({ path: `${SHOTS}/receive-proof-panel.png`, fullPage: true });
    // (the manifest's table scrolls sideways on a phone: its ScrollArea is not this issue's; noted)
    expect(await seriousViolations(page, ['.mantine-ScrollArea-viewport'])).toEqual([]);
    const now = await shipmentNow();
    expect(now.receipt).toMatchObject({ userId: receiver.user.id, name: 'Дана Сейткали' });
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
}, 60_000);

test('When the server refuses a delivery photo for good, then the phone says so and the driver can remove it', async () => {
  const { shipment: other } = await labelled([10]);
  for (const status of ['loading', 'departed', 'arrived'] as const) {
    expect((await sendUpdate(app.url, coordinator.auth, other.id, status)).status).toBe(200);
  }
  const own = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    const context = await own.newContext({ baseURL: app.url, viewport: PHONE });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (error) => errors.push(error));
    // The server answers the photo 413 (too large), as it would for good: the phone must not retry it.
    let tries = 0;
    await page.route('**/api/shipments/*/photos', (route) => {
      tries += 1;
      return route.fulfill({
        status: 413,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'PAYLOAD_TOO_LARGE', message: 'Too large', requestId: 'x' }),
      });
    });
    await page.goto(`/driver/${other.id}`);
    await page.getByLabel('Электронная почта').fill(scene.driver.user.email);
    await page.getByLabel('Пароль', { exact: true }).fill(scene.driver.password);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Сдать груз' }).click();
    await page
      .getByTestId('photo-input')
      .setInputFiles({ name: 'damage.png', mimeType: 'image/png', buffer: bigPhoto() });
    await page.getByTestId('photo-state').filter({ hasText: 'Фото не принято сервером: 1' }).waitFor();
    expect(tries).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/photo-refused.png`, fullPage: true });

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('photo-discard').click();
    await page.getByTestId('photo-discard').waitFor({ state: 'detached' });
    expect(await page.getByTestId('photo-state').textContent()).toBe('');
    // Gone from the phone's store too: a reload shows nothing waiting or refused.
    await page.reload();
    await page.getByRole('button', { name: 'Сдать груз' }).click();
    await page.getByTestId('add-photo').waitFor();
    expect(await page.getByTestId('photo-state').textContent()).toBe('');
    expect(tries).toBe(1);
    expect(errors).toEqual([]);
  } finally {
    await own.close();
  }
});
