import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadImage, createCanvas } from '@napi-rs/canvas';
import request from 'supertest';
import type { CustodyExport, LabelDto, ShipmentDto, SubscribeAck } from '@karavan/shared';
import { Balance, CampaignTotal, Movement } from '../../server/src/stock/stock.model';
import { User } from '../../server/src/users/users.model';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, expectReconciled, sendUpdate, type Scene } from '../support/shipments';
import { openSocket, ready } from '../support/sockets';

/*
 * Receive by scanning (a delivery lists the crate labels scanned; what was not scanned is a
 * shortfall that needs a reason) and proof of delivery (the receiver's name and drawn signature,
 * the receiver's own confirmation, photos in GridFS).
 */

let app: TestApp;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp();
  coordinator = await signedIn(app.url, { role: 'coordinator' });
});
afterAll(() => app.close());

const api = () => request(app.url);
const SIGNATURE = 'M10 60 L40 20 L70 80 L100 30 M120 70 L160 40';

/** A shipment of 100 litres in five crates of 20, loaded and arrived; its labels. */
async function arrivedWithCrates(): Promise<{ s: Scene; shipment: ShipmentDto; labels: LabelDto[] }> {
  const s = await buildScene(app.url);
  const shipment = await createShipment(app.url, coordinator.auth, s);
  const issued = await api()
    .post(`/api/shipments/${shipment.id}/labels`)
    .set(coordinator.auth)
    .send({ crates: Array.from({ length: 5 }, () => ({ itemId: s.item.id, quantity: 20 })) });
  expect(issued.status).toBe(201);
  for (const status of ['loading', 'departed', 'arrived'] as const) {
    expect((await sendUpdate(app.url, coordinator.auth, shipment.id, status)).status).toBe(200);
  }
  return { s, shipment, labels: issued.body.items as LabelDto[] };
}

const binary = (res: request.Test) =>
  res.buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  });

/** Bytes that start as a JPEG does (the server checks the type's magic number, not the picture). */
const jpeg = (size: number, fill = 7) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size - 4, fill)]);

describe('Receive by scanning', () => {
  test('When one crate of five is not scanned, then the delivery needs a reason for its 20; with one, 80 arrive and 20 are written off', async () => {
    const { s, shipment, labels } = await arrivedWithCrates();
    // Four crates scanned (one twice, in another spelling: it counts once); the fifth was not.
    const scanned = [...labels.slice(0, 4).map((l) => l.code), labels[0]!.code.replace(/-/g, '').toLowerCase()];
    const noReason = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      receivedBy: 'Алия',
      labels: scanned,
    });
    expect(noReason.status).toBe(422);
    expect(noReason.body.details).toEqual([
      expect.objectContaining({
        path: 'body.labels',
        message: expect.stringContaining(`item ${s.item.id}: 80 of 100`),
      }),
    ]);
    expect((await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body.status).toBe('arrived');

    const res = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      labels: scanned,
      lines: [{ itemId: s.item.id, received: 80, reason: 'lost' }],
      receiver: { name: 'Алия Нурланова', signature: SIGNATURE },
    });
    expect(res.status).toBe(200);
    const after = res.body.shipment as ShipmentDto;
    expect(after.lines[0]).toMatchObject({ quantity: 100, received: 80, writtenOff: 20, reason: 'lost' });
    expect(after.scannedLabels).toEqual(
      labels
        .slice(0, 4)
        .map((l) => l.code)
        .sort((a, b) => (a < b ? -1 : 1)),
    );
    expect(after.receivedBy).toBe('Алия Нурланова');
    expect(after.receiver).toEqual({ name: 'Алия Нурланова', signature: SIGNATURE, userId: null });

    const lost = await Movement.find({ shipmentId: shipment.id, kind: 'written_off_in_transit' }).lean();
    expect(lost.map((m) => [m.quantity, m.reason])).toEqual([[-20, 'lost']]);
    const totals = await CampaignTotal.findById(`${s.campaign.id}:${s.item.id}`).lean();
    expect(totals).toMatchObject({ delivered: 80, writtenOff: 20, inTransit: 0 });
    await expectReconciled();

    // The chain of custody is intact and its delivery record covers the labels and the signature.
    const custody = await api().get(`/api/shipments/${shipment.id}/custody`).set(coordinator.auth).expect(200);
    expect(custody.body.intact).toBe(true);
    const file = (await api().get(`/api/shipments/${shipment.id}/custody.json`).set(coordinator.auth))
      .body as CustodyExport;
    const delivery = file.records.find((r) => r.kind === 'delivery')!;
    expect(delivery.content!.labels).toEqual(after.scannedLabels.map((c) => c.replace(/-/g, '')));
    expect(delivery.content!.receiver).toEqual({ name: 'Алия Нурланова', signature: SIGNATURE, userId: null });
  });

  test('When every crate is scanned, then all arrives with no line and no reason', async () => {
    const { s, shipment, labels } = await arrivedWithCrates();
    const res = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      receiver: { name: 'Склад' },
      labels: labels.map((l) => l.code),
    });
    expect(res.status).toBe(200);
    expect(res.body.shipment.lines[0]).toMatchObject({ received: 100, writtenOff: 0, reason: null });
    const b = await Balance.findById(`${s.origin.id}:${s.lotId}`).lean();
    expect(b).toMatchObject({ onHand: 900, reserved: 0 });
  });

  test('When a label of another shipment or an unknown code is scanned, then 422 names it and nothing changes', async () => {
    const { s, shipment, labels } = await arrivedWithCrates();
    const other = await arrivedWithCrates();
    const foreign = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      receivedBy: 'Алия',
      labels: [...labels.map((l) => l.code), other.labels[0]!.code],
    });
    expect(foreign.status).toBe(422);
    expect(foreign.body.details).toEqual([
      expect.objectContaining({ path: 'body.labels.5', message: expect.stringContaining('another shipment') }),
    ]);
    const unknown = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      receivedBy: 'Алия',
      labels: ['0000-0000-0', 'not a code'],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.details.map((d: { path: string }) => d.path)).toEqual(['body.labels.1', 'body.labels.0']);
    const now = (await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body as ShipmentDto;
    expect(now.status).toBe('arrived');
    expect(now.scannedLabels).toEqual([]);
  });

  test('When the signature is not SVG path data, then it is 400', async () => {
    const { s, shipment } = await arrivedWithCrates();
    const res = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      receiver: { name: 'Алия', signature: '<script>alert(1)</script>' },
    });
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toBe('body.receiver.signature');
  });

  test('When the coordinator watches the shipment, then the delivered event carries the shortfall', async () => {
    const { s, shipment, labels } = await arrivedWithCrates();
    const socket = openSocket(app.url, { token: coordinator.tokens.accessToken });
    try {
      await ready(socket);
      const got: { shipment: ShipmentDto }[] = [];
      (socket as unknown as { on(n: string, f: (p: { shipment: ShipmentDto }) => void): void }).on(
        'shipment.updated',
        (payload) => got.push(payload),
      );
      const ack = await new Promise<SubscribeAck>((resolve) =>
        socket.emit('subscribe', { room: `shipment:${shipment.id}` }, resolve),
      );
      expect(ack.ok).toBe(true);
      const res = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
        receivedBy: 'Алия',
        labels: labels.slice(1).map((l) => l.code),
        lines: [{ itemId: s.item.id, received: 80, reason: 'damaged' }],
      });
      expect(res.status).toBe(200);
      const deadline = Date.now() + 5000;
      while (!got.some((e) => e.shipment.status === 'delivered') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const event = got.find((e) => e.shipment.status === 'delivered')!;
      expect(event.shipment.lines[0]).toMatchObject({ received: 80, writtenOff: 20, reason: 'damaged' });
      expect(event.shipment.scannedLabels).toHaveLength(4);
    } finally {
      socket.close();
    }
  });
});

/** Runs a PDF tool of tests/support on the PDF (stdin); its output. */
function pdfTool(tool: string, pdf: Buffer, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [path.join(__dirname, '..', 'support', tool), ...args],
      { maxBuffer: 10 * 1024 * 1024 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
    child.stdin!.end(pdf);
  });
}

/** How many pixels of a PNG are the signature's ink (dark blue, #1a237e, and its anti-aliased edge). */
async function inkPixels(png: string): Promise<number> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const g = canvas.getContext('2d');
  g.drawImage(image, 0, 0);
  const { data } = g.getImageData(0, 0, image.width, image.height);
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, gr, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
    if (b > 90 && b - r > 50 && b - gr > 40) n += 1;
  }
  return n;
}

describe('Proof of delivery in the PDFs', () => {
  test('When a delivery has a signature and a photo, then the waybill and the campaign summary show the receiver, the signature and the photo count', async () => {
    const { s, shipment, labels } = await arrivedWithCrates();
    const photo = await api()
      .post(`/api/shipments/${shipment.id}/photos`)
      .set(s.driver.auth)
      .set('Content-Type', 'image/jpeg')
      .send(jpeg(2000));
    expect(photo.status).toBe(201);
    const delivered = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      labels: labels.slice(0, 4).map((l) => l.code),
      lines: [{ itemId: s.item.id, received: 80, reason: 'damaged' }],
      receiver: { name: 'Алия Нурланова', signature: SIGNATURE },
    });
    expect(delivered.status).toBe(200);

    const waybill = await binary(api().get(`/api/shipments/${shipment.id}/waybill.pdf`).set(coordinator.auth));
    expect(waybill.status).toBe(200);
    const text = (await pdfTool('pdf-text.mjs', waybill.body as Buffer)).replace(/\s+/g, ' ');
    expect(text).toContain('Алия Нурланова');
    expect(text).toContain('Received by scanning: 4');
    expect(text).toContain('Фото / Photos: 1');
    // Rendered, the receiver's box has the signature's ink; the CI keeps the picture.
    const dir = path.resolve('test-results', 'screenshots');
    mkdirSync(dir, { recursive: true });
    const pages = (await pdfTool('pdf-png.mjs', waybill.body as Buffer, [path.join(dir, 'waybill-signed')]))
      .trim()
      .split('\n');
    const ink = (await Promise.all(pages.map(inkPixels))).reduce((a, b) => a + b, 0);
    expect(ink).toBeGreaterThan(100);

    const summary = await binary(
      api().get(`/api/campaigns/${s.campaign.id}/summary.pdf`).query({ lang: 'ru' }).set(coordinator.auth),
    );
    expect(summary.status).toBe(200);
    const summaryText = (await pdfTool('pdf-text.mjs', summary.body as Buffer)).replace(/\s+/g, ' ');
    expect(summaryText).toContain('Подтверждение доставки');
    expect(summaryText).toContain('Получил: Алия Нурланова');
    expect(summaryText).toContain('Фото: 1');
    const summaryPages = (await pdfTool('pdf-png.mjs', summary.body as Buffer, [path.join(dir, 'summary-signed')]))
      .trim()
      .split('\n');
    expect((await Promise.all(summaryPages.map(inkPixels))).reduce((a, b) => a + b, 0)).toBeGreaterThan(50);
  });

  test('When a waybill has no signature, then no ink of one is drawn', async () => {
    const { s, shipment } = await arrivedWithCrates();
    expect(
      (await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', { receiver: { name: 'Склад' } })).status,
    ).toBe(200);
    const waybill = await binary(api().get(`/api/shipments/${shipment.id}/waybill.pdf`).set(coordinator.auth));
    const dir = path.resolve('test-results', 'screenshots');
    mkdirSync(dir, { recursive: true });
    const pages = (await pdfTool('pdf-png.mjs', waybill.body as Buffer, [path.join(dir, 'waybill-unsigned')]))
      .trim()
      .split('\n');
    expect((await Promise.all(pages.map(inkPixels))).reduce((a, b) => a + b, 0)).toBe(0);
  });
});

describe('Proof of delivery', () => {
  test('When a photo is uploaded, then it is listed, the driver and staff read it back, another driver may not, and a retry under its key stores it once', async () => {
    const { s, shipment } = await arrivedWithCrates();
    const bytes = jpeg(50_000);
    const key = randomUUID();
    const post = () =>
      api()
        .post(`/api/shipments/${shipment.id}/photos`)
        .set(s.driver.auth)
        .set('Idempotency-Key', key)
        .set('Content-Type', 'image/jpeg')
        .send(bytes);
    const first = await post();
    expect(first.status).toBe(201);
    const again = await post();
    expect(again.status).toBe(201);
    expect(again.body.photos).toEqual(first.body.photos);
    const photos = first.body.photos as ShipmentDto['photos'];
    expect(photos).toEqual([
      expect.objectContaining({ contentType: 'image/jpeg', size: 50_000, uploadedBy: s.driver.user.id }),
    ]);
    const url = `/api/shipments/${shipment.id}/photos/${photos[0]!.id}`;
    const got = await binary(api().get(url).set(s.driver.auth));
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toMatch(/^image\/jpeg/);
    expect(Buffer.compare(got.body as Buffer, bytes)).toBe(0);
    expect((await binary(api().get(url).set(coordinator.auth))).status).toBe(200);
    expect((await api().get(url).set(s.otherDriver.auth)).status).toBe(403);
    expect(
      (
        await api()
          .post(`/api/shipments/${shipment.id}/photos`)
          .set(s.otherDriver.auth)
          .set('Content-Type', 'image/jpeg')
          .send(bytes)
      ).status,
    ).toBe(403);
    // A photo id of no photo of this shipment.
    expect(
      (
        await api()
          .get(`/api/shipments/${shipment.id}/photos/${'a'.repeat(24)}`)
          .set(coordinator.auth)
      ).status,
    ).toBe(404);
  });

  test('When a photo is too large, of another type or not the image it claims, then 413, 415 or 422 and nothing is listed', async () => {
    const { s, shipment } = await arrivedWithCrates();
    const upload = (type: string, body: Buffer) =>
      api().post(`/api/shipments/${shipment.id}/photos`).set(s.driver.auth).set('Content-Type', type).send(body);
    const big = await upload('image/jpeg', jpeg(5 * 1024 * 1024 + 1));
    expect(big.status).toBe(413);
    const gif = await upload('image/gif', Buffer.from('GIF89a....'));
    expect(gif.status).toBe(415);
    const lie = await upload('image/png', jpeg(1000));
    expect(lie.status).toBe(422);
    expect(lie.body.details).toEqual([expect.objectContaining({ path: 'body', type: 'image' })]);
    const empty = await upload('image/jpeg', Buffer.alloc(0));
    expect(empty.status).toBe(422);
    // Another method on the upload path is the router's 405, whatever the body.
    const put = await api()
      .put(`/api/shipments/${shipment.id}/photos`)
      .set(s.driver.auth)
      .set('Content-Type', 'image/jpeg')
      .send(jpeg(100));
    expect(put.status).toBe(405);
    const now = (await api().get(`/api/shipments/${shipment.id}`).set(coordinator.auth)).body as ShipmentDto;
    expect(now.photos).toEqual([]);
  });

  test('When a user at the destination confirms receipt, then it is kept once and chained; others and early ones are refused', async () => {
    const { s, shipment, labels } = await arrivedWithCrates();
    const receiver = await signedIn(app.url, { role: 'coordinator', name: 'Дана Сейткали' });
    await User.updateOne({ _id: receiver.user.id }, { $set: { locationIds: [s.destination.id] } });
    const confirm = (auth: Record<string, string>) =>
      api().post(`/api/shipments/${shipment.id}/receipt`).set(auth).send({ note: 'Всё на месте' });

    expect((await confirm(receiver.auth)).status).toBe(409); // not delivered yet
    const delivered = await sendUpdate(app.url, s.driver.auth, shipment.id, 'delivered', {
      receivedBy: 'Дана',
      labels: labels.map((l) => l.code),
    });
    expect(delivered.status).toBe(200);
    expect((await confirm(coordinator.auth)).status).toBe(403); // not at the destination
    const ok = await confirm(receiver.auth);
    expect(ok.status).toBe(200);
    expect(ok.body.receipt).toEqual({ userId: receiver.user.id, name: 'Дана Сейткали', at: expect.any(String) });
    expect(ok.body.history.at(-1)).toMatchObject({ kind: 'receipt', actorId: receiver.user.id, note: 'Всё на месте' });
    expect((await confirm(receiver.auth)).status).toBe(409); // once

    const custody = await api().get(`/api/shipments/${shipment.id}/custody`).set(coordinator.auth).expect(200);
    expect(custody.body.intact).toBe(true);
    expect(custody.body.records.map((r: { kind: string }) => r.kind).slice(-2)).toEqual(['delivery', 'receipt']);
  });
});
