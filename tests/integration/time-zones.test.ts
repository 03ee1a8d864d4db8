import { execFile } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { buildItem, buildLocation } from '../support/catalogue';
import { signedIn } from '../support/factories';

// The API speaks UTC; what people read is on the campaign's clock (issue 16 §4).

let app: TestApp;
let organiser: Awaited<ReturnType<typeof signedIn>>;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp();
  [organiser, coordinator] = await Promise.all([
    signedIn(app.url, { role: 'organiser' }),
    signedIn(app.url, { role: 'coordinator' }),
  ]);
});
afterAll(() => app.close());

const api = () => request(app.url);
const binary = (res: request.Test) =>
  res.buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  });
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

async function donationAt(receivedAt: string, timeZone?: string) {
  const item = await buildItem({ perishable: false, shelfLifeHours: null });
  const place = await buildLocation({ name: { ru: 'Пункт «Вефа»', en: 'Vefa point' }, address: null });
  const campaign = await api()
    .post('/api/campaigns')
    .set(organiser.auth)
    .send({
      name: { ru: 'Зимний сбор', en: 'Winter drive' },
      status: 'active',
      ...(timeZone ? { timeZone } : {}),
      targets: [{ itemId: item.id, quantity: 100 }],
    })
    .expect(201);
  const donation = await api()
    .post('/api/donations')
    .set(coordinator.auth)
    .send({
      campaignId: campaign.body.id,
      locationId: place.id,
      receivedAt,
      donor: { kind: 'anonymous' },
      lines: [{ itemId: item.id, quantity: 3 }],
    })
    .expect(201);
  return { campaign: campaign.body, donation: donation.body };
}

describe('Campaign time zones', () => {
  test('When a donation is made at 04:25 UTC for a Bishkek campaign, then its receipt prints 10:25 and names the zone', async () => {
    const { donation } = await donationAt('2026-01-15T04:25:00.000Z');
    expect(donation.receivedAt).toBe('2026-01-15T04:25:00.000Z'); // the API stays UTC
    const html = await api().get(`/api/donations/${donation.id}/receipt`).set(coordinator.auth).expect(200);
    expect(html.text).toContain('10:25');
    expect(html.text).toContain('Asia/Bishkek');
    expect(html.text).not.toContain('04:25');
    const pdf = await binary(
      api().get(`/api/donations/${donation.id}/receipt.pdf`).query({ lang: 'en' }).set(coordinator.auth),
    );
    expect(pdf.status).toBe(200);
    const text = await textOf(pdf.body as Buffer);
    expect(text).toContain('10:25');
    expect(text).not.toContain('04:25');
    // Names in the reader's language.
    expect(text).toContain('Winter drive');
    expect(text).toContain('Vefa point');
  });

  test('When the campaign is on another clock, then the same moment prints on that clock, in the receipt and the export', async () => {
    const { campaign, donation } = await donationAt('2026-01-15T04:25:00.000Z', 'Europe/Moscow');
    const html = await api().get(`/api/donations/${donation.id}/receipt`).set(coordinator.auth).expect(200);
    expect(html.text).toContain('07:25');
    const csv = await api()
      .get('/api/exports/donations.csv')
      .query({ campaignId: campaign.id, lang: 'en' })
      .set(organiser.auth)
      .expect(200);
    const [header, row] = csv.text.trim().split(/\r?\n/);
    const cells = (line: string) => line.split(',');
    const column = (name: string) => cells(row!)[cells(header!).indexOf(name)];
    expect(column('received_at')).toBe('2026-01-15T04:25:00.000Z');
    expect(column('received_local')).toBe('2026-01-15 07:25');
    expect(column('time_zone')).toBe('Europe/Moscow');
    expect(column('campaign')).toBe('Winter drive');
    expect(column('location')).toBe('Vefa point');
  });
});
