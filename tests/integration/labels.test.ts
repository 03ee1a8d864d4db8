import { execFile } from 'node:child_process';
import fs from 'node:fs';
import crypto, { createPublicKey, generateKeyPairSync } from 'node:crypto';
import mongoose from 'mongoose';
import path from 'node:path';
import request from 'supertest';
import {
  CROCKFORD,
  LABEL_CODE_BYTES,
  parseLabelCode,
  verifySignedPayload,
  type LabelDto,
  type LabelSummary,
  type PublicKeyJwk,
} from '@karavan/shared';
import { Label } from '../../server/src/labels/labels.model';
import { resolveLabelKey } from '../../server/src/settings/settings';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { readQrFile, type GreyFile } from '../support/qr-read';
import { buildScene, createShipment, inDays, sendUpdate, type Scene } from '../support/shipments';

let app: TestApp;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp({ PUBLIC_URL: 'https://karavan.example.org' });
  coordinator = await signedIn(app.url, { role: 'coordinator' });
});
afterAll(() => app.close());

const binary = (res: request.Test) =>
  res.buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  });

/** The text of a PDF as a reader extracts it (spaces normalised). */
function textOf(pdf: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [path.join(__dirname, '..', 'support', 'pdf-text.mjs')],
      { maxBuffer: 10 * 1024 * 1024 },
      (err, stdout) => (err ? reject(err) : resolve(stdout.replace(/\s+/g, ' '))),
    );
    child.stdin!.end(pdf);
  });
}

interface RenderedPage {
  page: number;
  width: number;
  height: number;
  file: string;
  /** Asked for with `grey`: the page's grey levels, for reading its QR (delete after). */
  grey?: GreyFile;
}

/** Renders a PDF's pages to PNGs in test-results/screenshots/ (CI's artifacts). */
function rendered(pdf: Buffer, prefix: string, scale = 2, grey = false): Promise<RenderedPage[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [
        path.join(__dirname, '..', 'support', 'pdf-render.mjs'),
        'test-results/screenshots',
        prefix,
        String(scale),
        ...(grey ? ['grey'] : []),
      ],
      { maxBuffer: 10 * 1024 * 1024 },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as RenderedPage[])),
    );
    child.stdin!.end(pdf);
  });
}

/** The page sizes of a PDF written by pdfkit (its page dictionaries are not compressed). */
const pageSizes = (pdf: Buffer) =>
  [...pdf.toString('latin1').matchAll(/\/Type \/Page\n\/Parent[^]*?\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/g)].map((m) => [
    Math.round(Number(m[1])),
    Math.round(Number(m[2])),
  ]);

async function plannedShipment(quantity = 100): Promise<{ scene: Scene; shipmentId: string }> {
  const scene = await buildScene(app.url);
  const shipment = await createShipment(app.url, coordinator.auth, scene, {
    lines: [{ itemId: scene.item.id, quantity }],
  });
  return { scene, shipmentId: shipment.id };
}

const issue = (shipmentId: string, crates: unknown[], auth = coordinator.auth) =>
  request(app.url).post(`/api/shipments/${shipmentId}/labels`).set(auth).send({ crates });

const valueOf = (code: string) =>
  [...code.replace(/-/g, '').slice(0, 8)].reduce((v, c) => v * 32 + CROCKFORD.indexOf(c), 0);

describe('GET /api/keys/public', () => {
  test('When anybody asks, then the Ed25519 public key is given as a cacheable JWK, the same after a restart', async () => {
    const res = await request(app.url).get('/api/keys/public').expect(200);
    expect(res.body).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String) });
    expect(Buffer.from(res.body.x, 'base64url')).toHaveLength(32);
    expect(res.headers['cache-control']).toMatch(/public/);
    const again = await startTestApp();
    try {
      expect((await request(again.url).get('/api/keys/public').expect(200)).body).toEqual(res.body);
    } finally {
      await again.close();
    }
  });
});

describe('POST /api/shipments/:id/labels', () => {
  test('When crates are labelled, then each gets a valid, unique, random code and a QR that verifies with the public key', async () => {
    const { scene, shipmentId } = await plannedShipment(100);
    const res = await issue(shipmentId, [
      { itemId: scene.item.id, quantity: 60, lotId: scene.lotId },
      ...Array.from({ length: 40 }, () => ({ itemId: scene.item.id, quantity: 1 })),
    ]);
    expect(res.status).toBe(201);
    const labels = res.body.items as LabelDto[];
    expect(labels).toHaveLength(41);
    for (const l of labels) {
      expect(l.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z*~$=U]$/);
      expect(parseLabelCode(l.code)).toEqual({ ok: true, code: l.code.replace(/-/g, '') });
      expect(l.url).toBe(`https://karavan.example.org/l/${l.code}`);
      expect(l.shipmentId).toBe(shipmentId);
    }
    expect(new Set(labels.map((l) => l.code)).size).toBe(41);
    // Not sequential: consecutive codes are far apart (random 40-bit values).
    for (let i = 1; i < labels.length; i += 1) {
      expect(Math.abs(valueOf(labels[i]!.code) - valueOf(labels[i - 1]!.code))).toBeGreaterThan(2 ** 16);
    }
    expect(labels[0]).toMatchObject({ quantity: 60, lotId: scene.lotId, unit: 'litre' });
    expect(labels[0]!.expiresAt!.slice(0, 10)).toBe(inDays(10).toISOString().slice(0, 10));

    const key = (await request(app.url).get('/api/keys/public')).body as PublicKeyJwk;
    const verified = await verifySignedPayload(labels[0]!.qr, key);
    expect(verified).not.toBeNull();
    expect(verified!.url).toBe(labels[0]!.url);
    const summary = verified!.summary as LabelSummary;
    expect(summary).toMatchObject({ k: 'label', c: labels[0]!.code, q: 60, u: 'litre', s: shipmentId });
    expect(summary.e).toBe(labels[0]!.expiresAt!.slice(0, 10));
    expect(summary.i).toBe(scene.item.name.ru);
    expect(typeof summary.d).toBe('string');

    // One byte changed anywhere after the '#' (the summary or the signature) fails.
    const qr = labels[0]!.qr;
    const hash = qr.indexOf('#');
    for (const at of [hash + 5, qr.indexOf('.', hash) - 3, qr.length - 10]) {
      const flipped = qr.slice(0, at) + (qr[at] === 'A' ? 'B' : 'A') + qr.slice(at + 1);
      expect(await verifySignedPayload(flipped, key)).toBeNull();
    }
    // Another key does not verify it either.
    expect(await verifySignedPayload(qr, { ...key, x: Buffer.alloc(32, 7).toString('base64url') })).toBeNull();
  });

  test('When a drawn code is already a label’s, then another is drawn: the crate still gets a label, of a code of its own', async () => {
    const { scene, shipmentId } = await plannedShipment(10);
    const crate = [{ itemId: scene.item.id, quantity: 1 }];
    const real = crypto.randomBytes;
    const taken = Buffer.from([1, 2, 3, 4, 5]);
    let forced = 3; // the first label's draw, then two draws of the second one that collide
    const draws = jest
      .spyOn(crypto, 'randomBytes')
      .mockImplementation(((size: number) =>
        size === LABEL_CODE_BYTES && forced-- > 0 ? Buffer.from(taken) : real(size)) as typeof crypto.randomBytes);
    try {
      const first = await issue(shipmentId, crate);
      const second = await issue(shipmentId, crate);
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(forced).toBeLessThan(0);
      const [a, b] = [first.body.items[0] as LabelDto, second.body.items[0] as LabelDto];
      expect(b.code).not.toBe(a.code);
      expect(await Label.countDocuments({ shipmentId })).toBe(2);
    } finally {
      draws.mockRestore();
    }
  });

  test('When crates total more than the plan or name an item not in it, then 422 names the field and nothing is written', async () => {
    const { scene, shipmentId } = await plannedShipment(100);
    const over = await issue(shipmentId, [
      { itemId: scene.item.id, quantity: 70 },
      { itemId: scene.item.id, quantity: 40 },
    ]);
    expect(over.status).toBe(422);
    expect(over.body.details).toEqual([expect.objectContaining({ path: 'body.crates.1.quantity' })]);
    const other = await buildScene(app.url);
    const stranger = await issue(shipmentId, [{ itemId: other.item.id, quantity: 1 }]);
    expect(stranger.status).toBe(422);
    expect(stranger.body.details).toEqual([expect.objectContaining({ path: 'body.crates.0.itemId' })]);
    const wrongLot = await issue(shipmentId, [{ itemId: scene.item.id, quantity: 1, lotId: other.lotId }]);
    expect(wrongLot.status).toBe(422);
    expect(wrongLot.body.details).toEqual([expect.objectContaining({ path: 'body.crates.0.lotId' })]);
    expect(await Label.countDocuments({ shipmentId })).toBe(0);

    // Labels already issued count too: 100 planned, 90 labelled, 20 more is over.
    expect((await issue(shipmentId, [{ itemId: scene.item.id, quantity: 90 }])).status).toBe(201);
    const more = await issue(shipmentId, [{ itemId: scene.item.id, quantity: 20 }]);
    expect(more.status).toBe(422);
    expect(more.body.details[0].path).toBe('body.crates.0.quantity');
    expect(await Label.countDocuments({ shipmentId })).toBe(1);
  });

  test('When the same request is sent twice with one Idempotency-Key, then the first labels are answered and none is added', async () => {
    const { scene, shipmentId } = await plannedShipment(100);
    const send = () =>
      request(app.url)
        .post(`/api/shipments/${shipmentId}/labels`)
        .set(coordinator.auth)
        .set('Idempotency-Key', `labels-${shipmentId}`)
        .send({
          crates: [
            { itemId: scene.item.id, quantity: 50 },
            { itemId: scene.item.id, quantity: 50 },
          ],
        });
    const first = await send();
    expect(first.status).toBe(201);
    const second = await send();
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await Label.countDocuments({ shipmentId })).toBe(2);
  });

  test('When a driver asks, then they may not issue labels, and read only labels of their own shipment', async () => {
    const { scene, shipmentId } = await plannedShipment(10);
    const driver = { Authorization: `Bearer ${scene.driver.tokens.accessToken}` };
    const other = { Authorization: `Bearer ${scene.otherDriver.tokens.accessToken}` };
    expect((await issue(shipmentId, [{ itemId: scene.item.id, quantity: 1 }], driver)).status).toBe(403);
    const code = (await issue(shipmentId, [{ itemId: scene.item.id, quantity: 1 }])).body.items[0].code as string;
    expect((await request(app.url).get(`/api/labels/${code}`).set(driver)).status).toBe(200);
    expect((await request(app.url).get(`/api/labels/${code}`).set(other)).status).toBe(403);
    expect((await request(app.url).get(`/api/labels/${code}`)).status).toBe(401);
    expect(
      (await binary(request(app.url).get(`/api/shipments/${shipmentId}/labels.pdf?format=a4`).set(other))).status,
    ).toBe(403);
    // The shipment's current labels (receive by scanning): its driver reads them, another driver not.
    const own = await request(app.url).get(`/api/shipments/${shipmentId}/labels`).set(driver);
    expect(own.status).toBe(200);
    expect((own.body.items as LabelDto[]).map((l) => l.code)).toEqual([code]);
    expect((await request(app.url).get(`/api/shipments/${shipmentId}/labels`).set(other)).status).toBe(403);
    expect(
      (await request(app.url).get('/api/shipments/0123456789abcdef01234567/labels').set(coordinator.auth)).status,
    ).toBe(404);
    expect((await issue('0123456789abcdef01234567', [{ itemId: scene.item.id, quantity: 1 }])).status).toBe(404);
  });
});

describe('GET /api/labels/:code', () => {
  test('When a code is typed with or without dashes in any case, then the label is found; a wrong check symbol is 400', async () => {
    const { scene, shipmentId } = await plannedShipment(10);
    const label = (await issue(shipmentId, [{ itemId: scene.item.id, quantity: 4 }])).body.items[0] as LabelDto;
    for (const typed of [label.code, label.code.replace(/-/g, ''), label.code.toLowerCase()]) {
      const res = await request(app.url)
        .get(`/api/labels/${encodeURIComponent(typed)}`)
        .set(coordinator.auth);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ code: label.code, quantity: 4, outdated: false });
      expect(res.body.shipment).toMatchObject({ id: shipmentId, status: 'planned' });
    }
    const symbols = label.code.replace(/-/g, '');
    const typo = symbols.slice(0, 2) + (symbols[2] === 'Z' ? 'Y' : 'Z') + symbols.slice(3);
    const bad = await request(app.url)
      .get(`/api/labels/${encodeURIComponent(typo)}`)
      .set(coordinator.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.details[0]).toMatchObject({ path: 'params.code', type: 'label.check' });
    expect((await request(app.url).get('/api/labels/NOT-A-CODE').set(coordinator.auth)).status).toBe(400);
  });

  test('When the shipment’s plan changes after printing, then the label reads outdated; moving on to loading does not', async () => {
    const { scene, shipmentId } = await plannedShipment(10);
    const label = (await issue(shipmentId, [{ itemId: scene.item.id, quantity: 4 }])).body.items[0] as LabelDto;
    const read = async () =>
      (
        await request(app.url)
          .get(`/api/labels/${encodeURIComponent(label.code)}`)
          .set(coordinator.auth)
      ).body;
    expect((await read()).outdated).toBe(false);
    expect((await sendUpdate(app.url, coordinator.auth, shipmentId, 'loading')).status).toBe(200);
    expect(await read()).toMatchObject({ outdated: false, shipment: { status: 'loading' } });
    const patched = await request(app.url)
      .patch(`/api/shipments/${shipmentId}`)
      .set(coordinator.auth)
      .send({ lines: [{ itemId: scene.item.id, quantity: 8 }] });
    expect(patched.status).toBe(200);
    expect((await read()).outdated).toBe(true);
  });

  test('When the shipment is cancelled, then its labels read outdated, it gets no new ones and has none to print', async () => {
    const { scene, shipmentId } = await plannedShipment(10);
    const label = (await issue(shipmentId, [{ itemId: scene.item.id, quantity: 4 }])).body.items[0] as LabelDto;
    expect((await sendUpdate(app.url, coordinator.auth, shipmentId, 'cancelled')).status).toBe(200);
    const read = await request(app.url)
      .get(`/api/labels/${encodeURIComponent(label.code)}`)
      .set(coordinator.auth);
    expect(read.body).toMatchObject({ outdated: true, shipment: { status: 'cancelled' } });
    expect((await issue(shipmentId, [{ itemId: scene.item.id, quantity: 1 }])).status).toBe(409);
    const pdf = await request(app.url).get(`/api/shipments/${shipmentId}/labels.pdf`).set(coordinator.auth);
    expect(pdf.status).toBe(409);
    expect(await Label.countDocuments({ shipmentId })).toBe(1);
  });
});

describe('GET /api/shipments/:id/labels.pdf', () => {
  test('When labels are printed on A4 and on a 58 mm roll, then valid PDFs stream with 8 labels a sheet or one a page', async () => {
    const { scene, shipmentId } = await plannedShipment(100);
    const labels = (
      await issue(
        shipmentId,
        Array.from({ length: 10 }, () => ({ itemId: scene.item.id, quantity: 5, lotId: scene.lotId })),
      )
    ).body.items as LabelDto[];
    const a4 = await binary(
      request(app.url)
        .get(`/api/shipments/${shipmentId}/labels.pdf`)
        .query({ format: 'a4', lang: 'kk' })
        .set(coordinator.auth),
    );
    expect(a4.status).toBe(200);
    expect(a4.headers['content-type']).toBe('application/pdf');
    const a4pdf = a4.body as Buffer;
    expect(a4pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pageSizes(a4pdf)).toEqual([
      [595, 842],
      [595, 842],
    ]);
    const text = await textOf(a4pdf);
    for (const l of labels) expect(text).toContain(l.code);
    expect(text).toContain('Годен до / Жарамдылық мерзімі');
    expect(text).toContain(scene.item.name.ru);
    const expiry = labels[0]!.expiresAt!;
    expect(text).toContain(`${expiry.slice(8, 10)}.${expiry.slice(5, 7)}.${expiry.slice(0, 4)}`);

    const roll = await binary(
      request(app.url)
        .get(`/api/shipments/${shipmentId}/labels.pdf`)
        .query({ format: 'thermal58' })
        .set(coordinator.auth),
    );
    expect(roll.status).toBe(200);
    const rollPdf = roll.body as Buffer;
    expect(rollPdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pageSizes(rollPdf)).toEqual(Array.from({ length: 10 }, () => [164, 283]));
    expect(await textOf(rollPdf)).toContain('Годен до / Expires');

    // As printed: both formats drawn to images (looked at in CI's artifacts), and the QR of
    // every roll label, read off the image as a phone would, carries its own signed summary.
    const key = (await request(app.url).get('/api/keys/public').expect(200)).body as PublicKeyJwk;
    const sheets = await rendered(a4pdf, 'labels-a4-kk');
    expect(sheets.map((p) => [Math.round(p.width), Math.round(p.height)])).toEqual([
      [1191, 1684],
      [1191, 1684],
    ]);
    const rollPages = await rendered(rollPdf, 'labels-thermal58', 6, true);
    expect(rollPages).toHaveLength(10);
    // (read by the phones' own reader: tests/support/qr-read.ts)
    const read = await Promise.all(
      rollPages.map((p) => readQrFile(p.grey!)).map((qr) => (qr ? verifySignedPayload(qr, key) : null)),
    );
    for (const p of rollPages) fs.rmSync(p.grey!.file, { force: true });
    expect(read.map((v) => (v?.summary.k === 'label' ? v.summary.c : null))).toEqual(labels.map((l) => l.code));

    const bad = await request(app.url)
      .get(`/api/shipments/${shipmentId}/labels.pdf`)
      .query({ format: 'a5' })
      .set(coordinator.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('query.format');
  });
});

describe('The label-signing key', () => {
  test('When KARAVAN_LABEL_KEY is set, then labels are signed with it', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const configured = await startTestApp({
      KARAVAN_LABEL_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    });
    try {
      const jwk = (await request(configured.url).get('/api/keys/public').expect(200)).body as PublicKeyJwk;
      expect(jwk.x).toBe((publicKey.export({ format: 'jwk' }) as { x: string }).x);
      const { scene, shipmentId } = await plannedShipment(5);
      const there = await signedIn(configured.url, { role: 'coordinator' });
      const res = await request(configured.url)
        .post(`/api/shipments/${shipmentId}/labels`)
        .set(there.auth)
        .send({ crates: [{ itemId: scene.item.id, quantity: 5 }] })
        .expect(201);
      expect(await verifySignedPayload(res.body.items[0].qr, jwk)).not.toBeNull();
    } finally {
      await configured.close();
    }
  });

  test('When instances start at once on a database without a key, then they all end with the one key stored', async () => {
    const settings = mongoose.connection.collection<{ _id: string }>('settings');
    await settings.deleteOne({ _id: 'labelKey' });
    const keys = await Promise.all(Array.from({ length: 4 }, () => resolveLabelKey(undefined)));
    const xs = keys.map((k) => (createPublicKey(k).export({ format: 'jwk' }) as { x: string }).x);
    expect(new Set(xs).size).toBe(1);
    expect(await settings.countDocuments({ _id: 'labelKey' })).toBe(1);
    expect(xs[0]).toBe(
      (createPublicKey(await resolveLabelKey(undefined)).export({ format: 'jwk' }) as { x: string }).x,
    );
  });
});
