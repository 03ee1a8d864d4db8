import request from 'supertest';
import type { DonationDto, StockRowDto } from '@karavan/shared';
import { IdempotencyRecord } from '../../server/src/lib/idempotency';
import { clearFaults, injectFault } from '../../server/src/db/operations';
import { repairStockOps } from '../../server/src/stock';
import { startTestApp, type TestApp } from '../support/app';
import { expectLedgerConsistent, expectProgressInvariant, stockWorld, type StockWorld } from '../support/stock';

let app: TestApp;
let w: StockWorld;
beforeAll(async () => {
  app = await startTestApp();
  w = await stockWorld(app.url);
});
afterAll(() => app.close());
afterEach(async () => {
  clearFaults();
  await expectLedgerConsistent();
  await expectProgressInvariant(app.url, w.organiser.auth, w.campaign.id);
});

const HOUR = 3_600_000;
const floorTo = (ms: number, unit: number) => new Date(Math.floor(ms / unit) * unit).toISOString();

async function stockOf(lotId: string, locationId = w.point.id): Promise<StockRowDto | undefined> {
  const res = await request(app.url)
    .get('/api/stock')
    .query({ locationId, includeEmpty: true, limit: 200 })
    .set(w.coordinator.auth)
    .expect(200);
  return (res.body.items as StockRowDto[]).find((r) => r.lotId === lotId);
}

describe('POST /api/donations', () => {
  test('When lines come in pack units, then they are stored in base units with their lots and default expiry', async () => {
    const receivedAt = new Date(Date.now() - 2 * HOUR);
    const res = await request(app.url)
      .post('/api/donations')
      .set(w.coordinator.auth)
      .send({
        campaignId: w.campaign.id,
        locationId: w.point.id,
        receivedAt: receivedAt.toISOString(),
        donor: { kind: 'person', name: 'Айгуль', phone: '+996 555 123 456', consentToContact: true, locale: 'ru' },
        lines: [
          { itemId: w.bread.id, quantity: 2, unit: 'tray' },
          { itemId: w.milk.id, quantity: 1, unit: 'crate' },
          { itemId: w.kefir.id, quantity: 5 },
          { itemId: w.water.id, quantity: 3, unit: 'piece' },
        ],
      })
      .expect(201);
    const donation = res.body as DonationDto;
    expect(donation).toMatchObject({
      campaignId: w.campaign.id,
      locationId: w.point.id,
      receivedAt: receivedAt.toISOString(),
      receivedBy: w.coordinator.user.id,
      donor: { kind: 'person', name: 'Айгуль', phone: '+996 555 123 456', consentToContact: true, locale: 'ru' },
      voided: null,
    });
    expect(donation.lines.map((l) => l.quantity)).toEqual([40, 12, 5, 3]);
    // Bread keeps 72 h and milk 120 h: lots by the day; kefir keeps 36 h: lots by the hour.
    expect(donation.lines[0]!.expiresAt).toBe(floorTo(receivedAt.getTime() + 72 * HOUR, 24 * HOUR));
    expect(donation.lines[1]!.expiresAt).toBe(floorTo(receivedAt.getTime() + 120 * HOUR, 24 * HOUR));
    expect(donation.lines[2]!.expiresAt).toBe(floorTo(receivedAt.getTime() + 36 * HOUR, HOUR));
    expect(donation.lines[3]!.expiresAt).toBeNull();
    for (const line of donation.lines) expect(line.lotId).toMatch(/^[0-9a-f]{24}$/);
    expect(await stockOf(donation.lines[0]!.lotId)).toMatchObject({ onHand: 40, reserved: 0, expired: false });

    const movements = await request(app.url)
      .get('/api/movements')
      .query({ donationId: donation.id })
      .set(w.coordinator.auth)
      .expect(200);
    expect(movements.body.items).toHaveLength(4);
    expect(movements.body.items[0]).toMatchObject({
      kind: 'received',
      donationId: donation.id,
      actorId: w.coordinator.user.id,
    });
  });

  test('When many donations of one item arrive the same day, then they share one lot', async () => {
    const receivedAt = new Date(Date.now() - HOUR).toISOString();
    const a = await w.donate([{ itemId: w.bread.id, quantity: 7 }], { receivedAt });
    const b = await w.donate([{ itemId: w.bread.id, quantity: 5 }], { receivedAt });
    expect(b.lines[0]!.lotId).toBe(a.lines[0]!.lotId);
    expect((await stockOf(a.lines[0]!.lotId))!.onHand).toBeGreaterThanOrEqual(12);
  });

  test('When an expiry is given, then it overrides the shelf life', async () => {
    const expiresAt = new Date(Date.now() + 30 * 24 * HOUR);
    const donation = await w.donate([{ itemId: w.milk.id, quantity: 3, expiresAt: expiresAt.toISOString() }]);
    expect(donation.lines[0]!.expiresAt).toBe(floorTo(expiresAt.getTime(), 24 * HOUR));
  });

  test('When the donor gives no details, then the donation is anonymous', async () => {
    const donation = await w.donate([{ itemId: w.water.id, quantity: 1 }]);
    expect(donation.donor).toEqual({ kind: 'anonymous', name: null, phone: null, consentToContact: false });
  });

  test.each([
    ['a zero quantity', { lines: [{ itemId: 'ITEM', quantity: 0 }] }, 'body.lines.0.quantity'],
    ['no lines', { lines: [] }, 'body.lines'],
    ['a bad campaign id', { campaignId: 'nope' }, 'body.campaignId'],
    ['an unknown donor kind', { donor: { kind: 'robot' } }, 'body.donor.kind'],
  ])('When a donation has %s, then it is 400 naming the field', async (_name, patch, path) => {
    const body = {
      campaignId: w.campaign.id,
      locationId: w.point.id,
      lines: [{ itemId: w.bread.id, quantity: 1 }],
      ...JSON.parse(JSON.stringify(patch).replace('ITEM', w.bread.id)),
    };
    const res = await request(app.url).post('/api/donations').set(w.coordinator.auth).send(body).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  test.each([
    ['an unknown pack unit', { lines: [{ itemId: 'ITEM', quantity: 1, unit: 'crate' }] }, 'body.lines.0.unit'],
    ['a phone without consent', { donor: { kind: 'person', phone: '+996555000111' } }, 'body.donor.phone'],
    ['a name for an anonymous donor', { donor: { kind: 'anonymous', name: 'X' } }, 'body.donor.name'],
    ['a time in the future', { receivedAt: new Date(Date.now() + 24 * HOUR).toISOString() }, 'body.receivedAt'],
  ])(
    'When a donation has %s (a rule beyond the schema), then it is 422 naming the field',
    async (_name, patch, path) => {
      const body = {
        campaignId: w.campaign.id,
        locationId: w.point.id,
        lines: [{ itemId: w.bread.id, quantity: 1 }],
        ...JSON.parse(JSON.stringify(patch).replace('ITEM', w.bread.id)),
      };
      const res = await request(app.url).post('/api/donations').set(w.coordinator.auth).send(body).expect(422);
      expect(res.body.code).toBe('UNPROCESSABLE');
      expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
    },
  );

  test('When a line names no item or goods already expired, then it is 422 naming the line', async () => {
    const res = await request(app.url)
      .post('/api/donations')
      .set(w.coordinator.auth)
      .send({
        campaignId: w.campaign.id,
        locationId: w.point.id,
        lines: [
          { itemId: '0123456789abcdef01234567', quantity: 1 },
          { itemId: w.milk.id, quantity: 1, expiresAt: new Date(Date.now() - HOUR).toISOString() },
        ],
      })
      .expect(422);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual([
      'body.lines.0.itemId',
      'body.lines.1.expiresAt',
    ]);
  });

  test('When the campaign or the location does not exist, then it is 404', async () => {
    const missing = '0123456789abcdef01234567';
    const lines = [{ itemId: w.bread.id, quantity: 1 }];
    await request(app.url)
      .post('/api/donations')
      .set(w.coordinator.auth)
      .send({ campaignId: missing, locationId: w.point.id, lines })
      .expect(404);
    await request(app.url)
      .post('/api/donations')
      .set(w.coordinator.auth)
      .send({ campaignId: w.campaign.id, locationId: missing, lines })
      .expect(404);
  });

  test('When the campaign is closed, then it takes no donation (409)', async () => {
    const closed = await request(app.url)
      .post('/api/campaigns')
      .set(w.organiser.auth)
      .send({ name: `Closed ${Date.now()}`, status: 'closed' })
      .expect(201);
    const res = await request(app.url)
      .post('/api/donations')
      .set(w.coordinator.auth)
      .send({ campaignId: closed.body.id, locationId: w.point.id, lines: [{ itemId: w.bread.id, quantity: 1 }] })
      .expect(409);
    expect(res.body.code).toBe('CONFLICT');
  });

  test('When a driver or nobody records a donation, then it is 403 or 401', async () => {
    const body = { campaignId: w.campaign.id, locationId: w.point.id, lines: [{ itemId: w.bread.id, quantity: 1 }] };
    await request(app.url).post('/api/donations').set(w.driver.auth).send(body).expect(403);
    await request(app.url).post('/api/donations').send(body).expect(401);
  });

  test('When an organiser records a donation, then it is allowed', async () => {
    const donation = await w.donate([{ itemId: w.bread.id, quantity: 1 }], {}, w.organiser.auth);
    expect(donation.receivedBy).toBe(w.organiser.user.id);
  });

  test('When the same Idempotency-Key is sent again, then the donation counts once', async () => {
    const body = {
      campaignId: w.campaign.id,
      locationId: w.warehouse.id,
      lines: [{ itemId: w.water.id, quantity: 9 }],
    };
    const key = `don-${Date.now()}`;
    const first = await request(app.url)
      .post('/api/donations')
      .set(w.coordinator.auth)
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    const again = await request(app.url)
      .post('/api/donations')
      .set(w.coordinator.auth)
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await stockOf(first.body.lines[0].lotId, w.warehouse.id))!.onHand).toBe(9);
    await request(app.url)
      .post('/api/donations')
      .set(w.coordinator.auth)
      .set('Idempotency-Key', key)
      .send({ ...body, lines: [{ itemId: w.water.id, quantity: 10 }] })
      .expect(422);
  });

  test('When the reply of a donation was lost after it was written, then the retry with its key finds it and counts it once', async () => {
    const body = { campaignId: w.campaign.id, locationId: w.warehouse.id, lines: [{ itemId: w.milk.id, quantity: 7 }] };
    const key = `lost-${Date.now()}`;
    const first = await request(app.url)
      .post('/api/donations')
      .set(w.coordinator.auth)
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    const lotId = first.body.lines[0].lotId as string;
    const before = (await stockOf(lotId, w.warehouse.id))!.onHand;
    // The process died after the write and before the idempotency record was completed: the
    // record stays pending until it is taken for abandoned, and the client retries then.
    await IdempotencyRecord.updateOne(
      { _id: `${w.coordinator.user.id}:${key}` },
      { $set: { state: 'pending', createdAt: new Date(Date.now() - 5 * 60_000) }, $unset: { status: 1, body: 1 } },
    );
    const retry = await request(app.url)
      .post('/api/donations')
      .set(w.coordinator.auth)
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    expect(retry.body.id).toBe(first.body.id);
    expect((await stockOf(lotId, w.warehouse.id))!.onHand).toBe(before);
  });

  test('When two requests with the same Idempotency-Key race, then the donation counts once', async () => {
    const location = w.distribution.id;
    const body = { campaignId: w.campaign.id, locationId: location, lines: [{ itemId: w.water.id, quantity: 4 }] };
    const key = `race-${Date.now()}`;
    const send = () =>
      request(app.url).post('/api/donations').set(w.coordinator.auth).set('Idempotency-Key', key).send(body);
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status].sort()).toEqual(expect.arrayContaining([201]));
    for (const res of [a, b]) expect([201, 409]).toContain(res.status);
    const created = [a, b].find((r) => r.status === 201)!;
    expect((await stockOf(created.body.lines[0].lotId, location))!.onHand).toBe(4);
    const list = await request(app.url)
      .get('/api/donations')
      .query({ locationId: location })
      .set(w.coordinator.auth)
      .expect(200);
    expect(list.body.items).toHaveLength(1);
  });
});

describe('GET /api/donations', () => {
  test('When donations are listed with filters, then only the matching ones come, newest first', async () => {
    const other = await request(app.url)
      .post('/api/campaigns')
      .set(w.organiser.auth)
      .send({ name: `Other ${Date.now()}` })
      .expect(201);
    const t0 = Date.now() - 10 * HOUR;
    const old = await w.donate([{ itemId: w.water.id, quantity: 1 }], { receivedAt: new Date(t0).toISOString() });
    const recent = await w.donate([{ itemId: w.water.id, quantity: 1 }], {
      receivedAt: new Date(t0 + 5 * HOUR).toISOString(),
    });
    await w.donate([{ itemId: w.water.id, quantity: 1 }], { campaignId: other.body.id });

    const all = await request(app.url)
      .get('/api/donations')
      .query({ campaignId: w.campaign.id, limit: 200 })
      .set(w.coordinator.auth)
      .expect(200);
    const ids = all.body.items.map((d: DonationDto) => d.id);
    expect(ids.indexOf(recent.id)).toBeLessThan(ids.indexOf(old.id));
    expect(all.body.items.every((d: DonationDto) => d.campaignId === w.campaign.id)).toBe(true);

    const window = await request(app.url)
      .get('/api/donations')
      .query({ campaignId: w.campaign.id, from: new Date(t0 - 1).toISOString(), to: new Date(t0 + HOUR).toISOString() })
      .set(w.coordinator.auth)
      .expect(200);
    expect(window.body.items.map((d: DonationDto) => d.id)).toEqual([old.id]);

    const paged = await request(app.url).get('/api/donations').query({ limit: 1 }).set(w.coordinator.auth).expect(200);
    expect(paged.body.items).toHaveLength(1);
    expect(paged.body.total).toBeGreaterThan(1);
  });

  test('When one donation is fetched, then it comes back; unknown is 404; a driver is 403', async () => {
    const donation = await w.donate([{ itemId: w.water.id, quantity: 2 }]);
    const res = await request(app.url).get(`/api/donations/${donation.id}`).set(w.coordinator.auth).expect(200);
    expect(res.body).toEqual(donation);
    await request(app.url).get('/api/donations/0123456789abcdef01234567').set(w.coordinator.auth).expect(404);
    await request(app.url).get(`/api/donations/${donation.id}`).set(w.driver.auth).expect(403);
    await request(app.url).get('/api/donations').set(w.driver.auth).expect(403);
  });
});

describe('POST /api/donations/:id/void', () => {
  test('When a donation is voided, then its stock leaves again as voided movements, once', async () => {
    const donation = await w.donate([
      { itemId: w.bread.id, quantity: 3 },
      { itemId: w.water.id, quantity: 2 },
    ]);
    const before = (await stockOf(donation.lines[0]!.lotId))!.onHand;
    const res = await request(app.url)
      .post(`/api/donations/${donation.id}/void`)
      .set(w.coordinator.auth)
      .send({ reason: 'Entered twice' })
      .expect(200);
    expect(res.body.voided).toMatchObject({ by: w.coordinator.user.id, reason: 'Entered twice' });
    expect((await stockOf(donation.lines[0]!.lotId))!.onHand).toBe(before - 3);
    const movements = await request(app.url)
      .get('/api/movements')
      .query({ donationId: donation.id, kind: 'voided' })
      .set(w.coordinator.auth)
      .expect(200);
    expect(
      movements.body.items.map((m: { quantity: number }) => m.quantity).sort((a: number, b: number) => a - b),
    ).toEqual([-3, -2]);

    const again = await request(app.url)
      .post(`/api/donations/${donation.id}/void`)
      .set(w.coordinator.auth)
      .send({ reason: 'again' })
      .expect(409);
    expect(again.body.code).toBe('CONFLICT');
    expect(
      (await request(app.url).get(`/api/donations/${donation.id}`).set(w.coordinator.auth)).body.voided,
    ).not.toBeNull();
  });

  test('When part of its goods were written off, then the void is 409 naming the line', async () => {
    // A lot of its own (an expiry no one else uses), so the write-off takes this donation's goods.
    const expiresAt = new Date(Date.now() + 400 * 24 * HOUR).toISOString();
    const donation = await w.donate([
      { itemId: w.water.id, quantity: 1 },
      { itemId: w.milk.id, quantity: 6, expiresAt },
    ]);
    await request(app.url)
      .post('/api/stock/write-offs')
      .set(w.coordinator.auth)
      .send({ locationId: w.point.id, lotId: donation.lines[1]!.lotId, quantity: 2, reason: 'spoiled' })
      .expect(201);
    const res = await request(app.url)
      .post(`/api/donations/${donation.id}/void`)
      .set(w.coordinator.auth)
      .send({ reason: 'wrong campaign' })
      .expect(409);
    expect(res.body.code).toBe('CONFLICT');
    expect(res.body.details).toEqual([
      expect.objectContaining({ path: 'lines.1', message: expect.stringContaining('missing 2') }),
    ]);
    expect(
      (await request(app.url).get(`/api/donations/${donation.id}`).set(w.coordinator.auth)).body.voided,
    ).toBeNull();
    expect((await stockOf(donation.lines[1]!.lotId))!.onHand).toBe(4);
  });

  test('When two voids of one donation race, then its stock is reversed once', async () => {
    const donation = await w.donate([{ itemId: w.water.id, quantity: 5 }], { locationId: w.warehouse.id });
    const before = (await stockOf(donation.lines[0]!.lotId, w.warehouse.id))!.onHand;
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        request(app.url).post(`/api/donations/${donation.id}/void`).set(w.coordinator.auth).send({ reason: 'dup' }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(2);
    expect((await stockOf(donation.lines[0]!.lotId, w.warehouse.id))!.onHand).toBe(before - 5);
  });

  test('When the process dies in a void, then the donation stays claimed (409) until the repair undoes or finishes it, and is voided once', async () => {
    const FAR_FUTURE = new Date(Date.now() + 365 * 24 * HOUR);
    const donation = await w.donate([{ itemId: w.water.id, quantity: 5 }], { locationId: w.warehouse.id });
    const before = (await stockOf(donation.lines[0]!.lotId, w.warehouse.id))!.onHand;
    const voidIt = () =>
      request(app.url).post(`/api/donations/${donation.id}/void`).set(w.coordinator.auth).send({ reason: 'dup' });

    // Dies after taking the claim, before any stock moved: another void meanwhile is refused.
    injectFault('after-claims');
    expect((await voidIt()).status).toBe(500);
    const during = await voidIt();
    expect(during.status).toBe(409);
    expect(during.body.details[0].message).toBe('a void is in progress');
    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 0, undone: 1 });
    expect((await stockOf(donation.lines[0]!.lotId, w.warehouse.id))!.onHand).toBe(before);

    // Dies after its movements were written (the commit point): the repair finishes it.
    injectFault('before-hooks');
    expect((await voidIt()).status).toBe(500);
    expect(await repairStockOps(FAR_FUTURE)).toEqual({ finished: 1, undone: 0 });
    const got = await request(app.url).get(`/api/donations/${donation.id}`).set(w.coordinator.auth).expect(200);
    expect(got.body.voided).toMatchObject({ reason: 'dup' });
    const again = await voidIt();
    expect(again.status).toBe(409);
    expect(again.body.details[0].message).toBe('already voided');
    expect((await stockOf(donation.lines[0]!.lotId, w.warehouse.id))!.onHand).toBe(before - 5);
  });

  test('When a driver voids or the reason is missing, then it is 403 or 400; unknown is 404', async () => {
    const donation = await w.donate([{ itemId: w.water.id, quantity: 1 }]);
    await request(app.url)
      .post(`/api/donations/${donation.id}/void`)
      .set(w.driver.auth)
      .send({ reason: 'x' })
      .expect(403);
    await request(app.url).post(`/api/donations/${donation.id}/void`).set(w.coordinator.auth).send({}).expect(400);
    await request(app.url)
      .post('/api/donations/0123456789abcdef01234567/void')
      .set(w.coordinator.auth)
      .send({ reason: 'x' })
      .expect(404);
  });
});

describe('GET /api/donations/:id/receipt', () => {
  test("When a receipt is asked for, then it is an HTML page in the donor's language with everything escaped", async () => {
    const ru = await w.donate([{ itemId: w.bread.id, quantity: 1, unit: 'tray' }], {
      donor: { kind: 'organisation', name: '<script>alert(1)</script> & Co', locale: 'ru' },
    });
    const page = await request(app.url).get(`/api/donations/${ru.id}/receipt`).set(w.coordinator.auth).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(page.text).toContain('<html lang="ru">');
    expect(page.text).toContain('Квитанция о пожертвовании');
    expect(page.text).toContain(w.bread.name.ru);
    expect(page.text).toContain('20 бух.');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(page.text).not.toContain('<script>');

    const en = await w.donate([{ itemId: w.milk.id, quantity: 2 }], {
      donor: { kind: 'person', name: 'Ann', locale: 'en' },
    });
    const enPage = await request(app.url).get(`/api/donations/${en.id}/receipt`).set(w.coordinator.auth).expect(200);
    expect(enPage.text).toContain('Donation receipt');
    expect(enPage.text).toContain(w.milk.name.en);
    const override = await request(app.url)
      .get(`/api/donations/${en.id}/receipt?lang=ru`)
      .set(w.coordinator.auth)
      .expect(200);
    expect(override.text).toContain('Квитанция');
  });

  test('When the donation is unknown or the caller a driver, then it is 404 or 403 as JSON', async () => {
    const missing = await request(app.url)
      .get('/api/donations/0123456789abcdef01234567/receipt')
      .set(w.coordinator.auth)
      .expect(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    const donation = await w.donate([{ itemId: w.water.id, quantity: 1 }]);
    await request(app.url).get(`/api/donations/${donation.id}/receipt`).set(w.driver.auth).expect(403);
  });
});
