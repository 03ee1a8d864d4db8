import { execFile } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { login } from '../support/factories';
import { DEMO_PASSWORD, seedDemo } from '../support/seed';

const binary = (res: request.Test) =>
  res.buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  });

/** The text of a PDF, extracted as a reader would (spaces normalised). */
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

describe('PDF documents', () => {
  let app: TestApp;
  let auth: Record<string, string>;
  let campaignId: string;
  beforeAll(async () => {
    app = await startTestApp({ PUBLIC_URL: 'https://karavan.example.org' });
    await seedDemo();
    auth = { Authorization: `Bearer ${(await login(app.url, 'aigul@demo.karavan', DEMO_PASSWORD)).accessToken}` };
    const campaigns = await request(app.url).get('/api/campaigns').set(auth);
    campaignId = campaigns.body.items.find((c: { name: { en?: string } }) => /January 2022/.test(c.name.en ?? '')).id;
  });
  afterAll(async () => {
    await app.close();
  });

  const shipmentWith = async (status: string) => {
    const list = await request(app.url).get('/api/shipments').query({ campaignId, status }).set(auth);
    return (await request(app.url).get(`/api/shipments/${list.body.items[0].id}`).set(auth)).body;
  };

  test('When a waybill is printed, then it lists every manifest line with its lot, expiry and quantity, the checklist, the QR address and signature boxes', async () => {
    const shipment = await shipmentWith('loading');
    const res = await binary(request(app.url).get(`/api/shipments/${shipment.id}/waybill.pdf`).set(auth));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect((res.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    const text = await textOf(res.body as Buffer);
    expect(text).toContain('Товарно-транспортная накладная');
    expect(text).toContain(shipment.id);
    expect(text).toContain('Хлеб / Bread');
    expect(text).toContain('КПП «Ак-Жол»');
    for (const line of shipment.lines) {
      for (const lot of line.lots) {
        expect(text).toContain(lot.lotId);
        const qty = new Intl.NumberFormat('ru-RU').format(lot.quantity).replace(/\s/g, ' ');
        expect(text).toContain(qty);
      }
    }
    expect(text).toContain('Ветеринарный сертификат');
    expect(text).toContain(`https://karavan.example.org/driver/${shipment.id}`);
    expect(text).toMatch(/Сдал \/ Sender.*Водитель \/ Driver.*Принял \/ Receiver/);
  });

  test('When the delivered truck’s waybill is printed, then it shows what was received and the shortfall', async () => {
    const shipment = await shipmentWith('delivered');
    const res = await binary(request(app.url).get(`/api/shipments/${shipment.id}/waybill.pdf`).set(auth));
    expect(res.status).toBe(200);
    const text = await textOf(res.body as Buffer);
    expect(text).toMatch(/Недостача \/ Shortfall: Хлеб — 20 \(damaged\)/);
    expect(text).toContain('Получил / Received by: Дана Сейткали');
  });

  test('When a driver asks for a waybill, then only their own shipment’s is given', async () => {
    const driver = {
      Authorization: `Bearer ${(await login(app.url, 'nurlan@demo.karavan', DEMO_PASSWORD)).accessToken}`,
    };
    const own = await request(app.url).get('/api/shipments').set(driver);
    const mine = own.body.items[0].id;
    expect((await binary(request(app.url).get(`/api/shipments/${mine}/waybill.pdf`).set(driver))).status).toBe(200);
    const other = await shipmentWith('at_checkpoint');
    expect((await request(app.url).get(`/api/shipments/${other.id}/waybill.pdf`).set(driver)).status).toBe(403);
    expect((await request(app.url).get('/api/shipments/0123456789abcdef01234567/waybill.pdf').set(auth)).status).toBe(
      404,
    );
  });

  test('When a receipt PDF is asked, then it has the HTML receipt’s content in the donor’s language', async () => {
    const page = await request(app.url).get('/api/donations').query({ campaignId, limit: 200 }).set(auth);
    const english = page.body.items.find((d: { donor: { locale?: string } }) => d.donor.locale === 'en');
    const res = await binary(request(app.url).get(`/api/donations/${english.id}/receipt.pdf`).set(auth));
    expect(res.status).toBe(200);
    const text = await textOf(res.body as Buffer);
    expect(text).toContain('Donation receipt');
    expect(text).toContain(english.id);
    expect(text).toContain(english.donor.name);
    expect(text).toContain('Thank you for your help!');
    const html = await request(app.url).get(`/api/donations/${english.id}/receipt`).set(auth);
    for (const line of english.lines) {
      const qty = new Intl.NumberFormat('en-GB').format(line.quantity);
      expect(text).toContain(qty);
      expect(html.text).toContain(String(line.quantity));
    }
    const russian = await binary(
      request(app.url).get(`/api/donations/${english.id}/receipt.pdf`).query({ lang: 'ru' }).set(auth),
    );
    expect(await textOf(russian.body as Buffer)).toContain('Квитанция о пожертвовании');
  });

  test('When the campaign summary is printed, then it gives collected, delivered and written off per item as the progress does', async () => {
    const progress = (await request(app.url).get(`/api/campaigns/${campaignId}/progress`).set(auth)).body;
    const res = await binary(
      request(app.url).get(`/api/campaigns/${campaignId}/summary.pdf`).query({ lang: 'en' }).set(auth),
    );
    expect(res.status).toBe(200);
    const text = await textOf(res.body as Buffer);
    expect(text).toContain('Campaign summary for donors');
    expect(text).toContain('Bread');
    const fmt = (n: number) => new Intl.NumberFormat('en-GB').format(n);
    for (const item of progress.items) {
      expect(text).toContain(fmt(item.donated));
      expect(text).toContain(fmt(item.delivered));
    }
    expect(text).toMatch(/20 loaves/);
    expect(text).toMatch(/collected: \d/);
    expect(text).toMatch(/delivered: \d/);
    const driver = {
      Authorization: `Bearer ${(await login(app.url, 'nurlan@demo.karavan', DEMO_PASSWORD)).accessToken}`,
    };
    expect((await request(app.url).get(`/api/campaigns/${campaignId}/summary.pdf`).set(driver)).status).toBe(403);
  });
});
