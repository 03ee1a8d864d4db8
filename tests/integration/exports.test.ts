import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { login } from '../support/factories';
import { DEMO_PASSWORD, seedDemo } from '../support/seed';

type Row = Record<string, string>;
const rowsOf = (text: string, hxl = false): Row[] => {
  const records = parse(text, { bom: true }) as string[][];
  const [header, ...rest] = records;
  const data = hxl ? rest.slice(1) : rest;
  return data.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
};
const sum = (rows: Row[], field: string) => rows.reduce((n, r) => n + Number(r[field] || 0), 0);

describe('GET /api/exports/*.csv', () => {
  let app: TestApp;
  let auth: Record<string, string>;
  let campaignId: string;
  let progress: { items: { itemId: string; donated: number; onHand: number; writtenOff: number }[] };

  beforeAll(async () => {
    app = await startTestApp();
    await seedDemo();
    auth = { Authorization: `Bearer ${(await login(app.url, 'aigul@demo.karavan', DEMO_PASSWORD)).accessToken}` };
    const campaigns = await request(app.url).get('/api/campaigns').set(auth);
    campaignId = campaigns.body.items.find((c: { name: { en?: string } }) => /January 2022/.test(c.name.en ?? '')).id;
    progress = (await request(app.url).get(`/api/campaigns/${campaignId}/progress`).set(auth)).body;
  });
  afterAll(async () => {
    await app.close();
  });

  const get = (path: string, query: Record<string, string | string[]> = {}) =>
    request(app.url)
      .get(path)
      .query(query)
      .set(auth)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });

  test('When donations are exported, then each item adds up to what the campaign progress says was donated', async () => {
    const res = await get('/api/exports/donations.csv', { campaignId });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="karavan-donations-.*\.csv"/);
    const rows = rowsOf(res.body.toString('utf8'));
    const api = await request(app.url).get('/api/donations').query({ campaignId, limit: 200 }).set(auth);
    const lines = api.body.items.reduce((n: number, d: { lines: unknown[] }) => n + d.lines.length, 0);
    expect(rows).toHaveLength(lines);
    for (const item of progress.items) {
      expect(
        sum(
          rows.filter((r) => r.item_id === item.itemId),
          'quantity',
        ),
      ).toBe(item.donated);
    }
    expect(rows[0]!.campaign).toBe('Гуманитарная помощь Казахстану, январь 2022');
    expect(rows.some((r) => r.item === 'Хлеб')).toBe(true);
  });

  test('When a filter is given, then only matching rows are exported, as in the list', async () => {
    const all = rowsOf((await get('/api/exports/donations.csv', { campaignId })).body.toString('utf8'));
    const locationId = all[0]!.location_id!;
    const some = rowsOf((await get('/api/exports/donations.csv', { campaignId, locationId })).body.toString('utf8'));
    expect(some.length).toBeGreaterThan(0);
    expect(some.length).toBeLessThan(all.length);
    expect(some.every((r) => r.location_id === locationId)).toBe(true);

    const stockApi = await request(app.url).get('/api/stock').query({ locationId, limit: 200 }).set(auth);
    const stock = rowsOf((await get('/api/exports/stock.csv', { locationId })).body.toString('utf8'));
    expect(stock).toHaveLength(stockApi.body.total);
    expect(sum(stock, 'on_hand')).toBe(
      stockApi.body.items.reduce((n: number, r: { onHand: number }) => n + r.onHand, 0),
    );
    expect(sum(stock, 'reserved')).toBe(
      stockApi.body.items.reduce((n: number, r: { reserved: number }) => n + r.reserved, 0),
    );
  });

  test('When shipments and movements are exported, then the delivered truck shows the shortfall written off, as the ledger does', async () => {
    const delivered = rowsOf(
      (await get('/api/exports/shipments.csv', { campaignId, status: 'delivered' })).body.toString('utf8'),
    );
    expect(new Set(delivered.map((r) => r.status))).toEqual(new Set(['delivered']));
    expect(sum(delivered, 'written_off')).toBe(32);
    expect(sum(delivered, 'quantity')).toBe(sum(delivered, 'received') + 32);
    const shipmentId = delivered[0]!.shipment_id!;
    const ledger = rowsOf((await get('/api/exports/movements.csv', { shipmentId })).body.toString('utf8'));
    const api = await request(app.url).get('/api/movements').query({ shipmentId, limit: 200 }).set(auth);
    expect(ledger).toHaveLength(api.body.items.length);
    expect(ledger.map((r) => r.movement_id).reverse()).toEqual(api.body.items.map((m: { id: string }) => m.id));
    expect(
      -sum(
        ledger.filter((r) => r.kind === 'written_off_in_transit'),
        'quantity',
      ),
    ).toBe(32);

    const all = rowsOf((await get('/api/exports/shipments.csv', { campaignId })).body.toString('utf8'));
    expect(new Set(all.map((r) => r.status))).toEqual(new Set(['planned', 'loading', 'at_checkpoint', 'delivered']));
  });

  test('When bom=1 is asked, then the file starts with a UTF-8 byte order mark, and not otherwise', async () => {
    const withBom = (await get('/api/exports/stock.csv', { bom: '1' })).body as Buffer;
    expect([...withBom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const without = (await get('/api/exports/stock.csv')).body as Buffer;
    expect(without.subarray(0, 11).toString('utf8')).toBe('location_id');
  });

  test('When format=hxl is asked, then the second row holds HXL hashtags and the data follows unchanged', async () => {
    const plain = (await get('/api/exports/donations.csv', { campaignId })).body.toString('utf8');
    const hxl = (await get('/api/exports/donations.csv', { campaignId, format: 'hxl' })).body.toString('utf8');
    const records = parse(hxl) as string[][];
    expect(records[1]).toEqual(
      expect.arrayContaining(['#item+name', '#item+num', '#loc+name', '#date+received', '#status']),
    );
    expect(records[1]!.every((tag) => tag.startsWith('#'))).toBe(true);
    expect(rowsOf(hxl, true)).toEqual(rowsOf(plain));
  });

  test('When a driver asks for an export, then it is refused', async () => {
    const driver = (await login(app.url, 'nurlan@demo.karavan', DEMO_PASSWORD)).accessToken;
    for (const kind of ['donations', 'stock', 'movements', 'shipments']) {
      const res = await request(app.url).get(`/api/exports/${kind}.csv`).set('Authorization', `Bearer ${driver}`);
      expect(res.status).toBe(403);
    }
    expect((await request(app.url).get('/api/exports/stock.csv')).status).toBe(401);
  });

  test('When a filter is not valid, then the answer is a 400 naming it', async () => {
    const res = await request(app.url).get('/api/exports/donations.csv').query({ format: 'xls' }).set(auth);
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toBe('query.format');
  });
});
