import mongoose from 'mongoose';
import request from 'supertest';
import { startOfDayIn, wallClock, type CampaignDto, type PublicNeedDto } from '@karavan/shared';
import { clearFaults, injectFault } from '../../server/src/db/operations';
import { openPledgedByItem } from '../../server/src/pledges';
import { repairStockOps } from '../../server/src/stock';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { stockWorld, type StockWorld } from '../support/stock';

let app: TestApp;
let w: StockWorld;
let address = 0;
/** A donor's own address (the proxy's X-Forwarded-For): each test pledges from its own. */
const newAddress = () => `198.51.100.${(address += 1)}`;

beforeAll(async () => {
  app = await startTestApp({ TRUST_PROXY: '1', PLEDGE_RATE_LIMIT: '6' });
  w = await stockWorld(app.url);
  await request(app.url)
    .patch(`/api/campaigns/${w.campaign.id}`)
    .set(w.organiser.auth)
    .send({ public: true })
    .expect(200);
  // The world's coordinator works at its point (the donors' contacts of its pledges are theirs to see).
  await request(app.url)
    .patch(`/api/users/${w.coordinator.user.id}`)
    .set(w.organiser.auth)
    .send({ locationIds: [w.point.id] })
    .expect(200);
});
afterAll(() => app.close());

const today = (zone = w.campaign.timeZone) => wallClock(new Date(), zone).date;
const plusDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

const pledge = (body: object, from = newAddress(), campaignId = w.campaign.id) =>
  request(app.url)
    .post(`/api/public/campaigns/${campaignId}/pledges`)
    .set('X-Forwarded-For', from)
    .send({ itemId: w.bread.id, quantity: 10, locationId: w.point.id, day: today(), ...body });

const board = async (campaignId = w.campaign.id) =>
  (await request(app.url).get(`/api/public/campaigns/${campaignId}`).expect(200)).body as {
    needs: PublicNeedDto[];
  };
const need = async (itemId: string, campaignId = w.campaign.id) =>
  (await board(campaignId)).needs.find((n) => n.itemId === itemId)!;

const pledgesAt = (query: Record<string, string>, auth = w.coordinator.auth) =>
  request(app.url)
    .get('/api/pledges')
    .query({ campaignId: w.campaign.id, ...query })
    .set(auth);

const pledgeCount = async () => (await pledgesAt({}).expect(200)).body.total as number;

describe('POST /api/public/campaigns/:id/pledges', () => {
  test('When a donor pledges in pack units, then the board counts it as pledged in base units, never as collected', async () => {
    const before = await need(w.bread.id);
    const res = await pledge({
      quantity: 2,
      unit: 'tray',
      name: 'Айгуль',
      phone: '+996 555 123 456',
      consentToContact: true,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/) });
    const after = await need(w.bread.id);
    expect(after.pledged).toBe(before.pledged + 40);
    expect(after.collected).toBe(before.collected);
    expect(after.needed).toBe(before.needed);
    // No personal data on the public board.
    const text = JSON.stringify(await board());
    expect(text).not.toContain('Айгуль');
    expect(text).not.toContain('555');
  });

  test('When the same Idempotency-Key is sent twice, then one pledge is made and both get its id; another body is 422', async () => {
    const from = newAddress();
    const count = await pledgeCount();
    const key = `pledge-${Date.now()}`;
    const first = await pledge({ quantity: 3 }, from).set('Idempotency-Key', key).expect(201);
    const again = await pledge({ quantity: 3 }, from).set('Idempotency-Key', key).expect(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await pledgeCount()).toBe(count + 1);
    const other = await pledge({ quantity: 4 }, from).set('Idempotency-Key', key);
    expect(other.status).toBe(422);
    expect(await pledgeCount()).toBe(count + 1);
  });

  test('When the item, place, day, phone or unit cannot be taken, then it is 422 naming the field and nothing is kept', async () => {
    const count = await pledgeCount();
    const cases: [object, string][] = [
      [{ itemId: w.water.id }, 'body.itemId'],
      [{ locationId: w.warehouse.id }, 'body.locationId'],
      [{ day: plusDays(today(), -1) }, 'body.day'],
      [{ day: plusDays(today(), 31) }, 'body.day'],
      [{ phone: '+996 555 000 111' }, 'body.phone'],
      [{ unit: 'crate' }, 'body.unit'],
    ];
    for (const [body, path] of cases) {
      const res = await pledge(body);
      expect([res.status, res.body.details?.[0]?.path]).toEqual([422, path]);
    }
    expect((await pledge({ quantity: 0 })).status).toBe(400);
    expect((await pledge({ day: '2026-02-30' })).status).toBe(422);
    expect(await pledgeCount()).toBe(count);
  });

  test('When a pledge is larger than the need left, then it is 422 unless the organiser allows more', async () => {
    const milk = await need(w.milk.id);
    const left = milk.needed - milk.pledged;
    const res = await pledge({ itemId: w.milk.id, quantity: left + 1 });
    expect(res.status).toBe(422);
    expect(res.body.details[0]).toMatchObject({ path: 'body.quantity', type: 'pledge.max' });
    await request(app.url)
      .patch(`/api/campaigns/${w.campaign.id}`)
      .set(w.organiser.auth)
      .send({ pledgesOverNeed: true })
      .expect(200);
    await pledge({ itemId: w.milk.id, quantity: left + 1 }).expect(201);
    expect((await need(w.milk.id)).pledged).toBe(milk.pledged + left + 1);
    await request(app.url)
      .patch(`/api/campaigns/${w.campaign.id}`)
      .set(w.organiser.auth)
      .send({ pledgesOverNeed: false })
      .expect(200);
    // Now nothing is left to pledge.
    expect((await pledge({ itemId: w.milk.id, quantity: 1 })).status).toBe(422);
  });

  test('When a bot fills the hidden field, then it is answered like a person and nothing is kept', async () => {
    const count = await pledgeCount();
    const before = await need(w.bread.id);
    const res = await pledge({ website: 'http://spam.example' });
    expect(res.status).toBe(201);
    expect(await pledgeCount()).toBe(count);
    expect((await need(w.bread.id)).pledged).toBe(before.pledged);
  });

  test('When one address pledges past its hourly limit, then it is 429, and another address still pledges', async () => {
    const from = newAddress();
    for (let i = 0; i < 6; i += 1) await pledge({ quantity: 1 }, from).expect(201);
    const over = await pledge({ quantity: 1 }, from);
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('RATE_LIMITED');
    await pledge({ quantity: 1 }).expect(201);
  });

  test('When the campaign is not public, unknown or closed, then it is 404, 404 and 409', async () => {
    const privateOne = await request(app.url)
      .post('/api/campaigns')
      .set(w.organiser.auth)
      .send({ name: 'Закрытая', status: 'active', targets: [{ itemId: w.bread.id, quantity: 10 }] })
      .expect(201);
    expect((await pledge({}, newAddress(), privateOne.body.id)).status).toBe(404);
    expect((await pledge({}, newAddress(), '0123456789abcdef01234567')).status).toBe(404);
    await request(app.url)
      .patch(`/api/campaigns/${privateOne.body.id}`)
      .set(w.organiser.auth)
      .send({ public: true, status: 'closed' })
      .expect(200);
    expect((await pledge({}, newAddress(), privateOne.body.id)).status).toBe(409);
  });
});

describe('Pledges lapse', () => {
  test('When the day after its day has ended on the campaign clock, then a pledge no longer counts as pledged', async () => {
    const day = plusDays(today(), 3);
    const { body } = await pledge({ quantity: 7, day }).expect(201);
    const listed = (await pledgesAt({ locationId: w.point.id, day }).expect(200)).body.items.find(
      (p: { id: string }) => p.id === body.id,
    );
    const lapsesAt = startOfDayIn(plusDays(day, 2), w.campaign.timeZone);
    expect(listed).toMatchObject({ status: 'open', remaining: 7, lapsesAt: lapsesAt.toISOString() });
    const justBefore = await openPledgedByItem(w.campaign.id, new Date(lapsesAt.getTime() - 1));
    const atLapse = await openPledgedByItem(w.campaign.id, lapsesAt);
    expect((justBefore.get(w.bread.id) ?? 0) - (atLapse.get(w.bread.id) ?? 0)).toBeGreaterThanOrEqual(7);
  });
});

describe('GET /api/pledges and POST /api/pledges/:id/fulfil', () => {
  test('When a coordinator fulfils a pledge with a smaller donation, then that much is collected and the rest stays pledged', async () => {
    const { body } = await pledge({
      quantity: 8,
      name: 'Бакыт',
      phone: '+996 700 000 001',
      consentToContact: true,
    }).expect(201);
    // The point's list of the day shows the donor's contact; the campaign-wide list does not.
    const atPoint = await pledgesAt({ locationId: w.point.id, day: today() }).expect(200);
    const mine = atPoint.body.items.find((p: { id: string }) => p.id === body.id);
    expect(mine.contact).toEqual({ name: 'Бакыт', phone: '+996 700 000 001' });
    const wide = await pledgesAt({}).expect(200);
    expect(wide.body.items.every((p: { contact: unknown }) => p.contact === null)).toBe(true);
    // Nobody else sees it: not a coordinator of another point, not an organiser who does not work there.
    const elsewhere = await signedIn(app.url, { role: 'coordinator' });
    for (const auth of [elsewhere.auth, w.organiser.auth]) {
      const other = await pledgesAt({ locationId: w.point.id, day: today() }, auth).expect(200);
      expect(other.body.items.find((p: { id: string }) => p.id === body.id).contact).toBeNull();
    }

    const before = await need(w.bread.id);
    const donation = await w.donate([{ itemId: w.bread.id, quantity: 5 }]);
    const res = await request(app.url)
      .post(`/api/pledges/${body.id}/fulfil`)
      .set(w.coordinator.auth)
      .send({ donationId: donation.id })
      .expect(200);
    expect(res.body).toMatchObject({ fulfilled: 5, remaining: 3, status: 'open', donationIds: [donation.id] });
    const after = await need(w.bread.id);
    expect(after.pledged).toBe(before.pledged - 5);
    expect(after.collected).toBe(before.collected + 5);

    // Sent again: nothing changes.
    await request(app.url)
      .post(`/api/pledges/${body.id}/fulfil`)
      .set(w.coordinator.auth)
      .send({ donationId: donation.id })
      .expect(200);
    expect((await need(w.bread.id)).pledged).toBe(after.pledged);

    // The same donation cannot fulfil a second pledge.
    const second = await pledge({ quantity: 2 }).expect(201);
    const again = await request(app.url)
      .post(`/api/pledges/${second.body.id}/fulfil`)
      .set(w.coordinator.auth)
      .send({ donationId: donation.id });
    expect(again.status).toBe(409);

    // The rest, brought later, fulfils it.
    const rest = await w.donate([{ itemId: w.bread.id, quantity: 10 }]);
    const done = await request(app.url)
      .post(`/api/pledges/${body.id}/fulfil`)
      .set(w.coordinator.auth)
      .send({ donationId: rest.id })
      .expect(200);
    expect(done.body).toMatchObject({ fulfilled: 8, remaining: 0, status: 'fulfilled' });
    const fulfilled = await pledgesAt({ status: 'fulfilled' }).expect(200);
    expect(fulfilled.body.items.map((p: { id: string }) => p.id)).toContain(body.id);
  });

  test('When the donation is voided, of another point, or lacks the item, then it is 422 and the pledge is unchanged', async () => {
    const { body } = await pledge({ quantity: 4 }).expect(201);
    const milkOnly = await w.donate([{ itemId: w.milk.id, quantity: 1 }]);
    const voided = await w.donate([{ itemId: w.bread.id, quantity: 1 }]);
    await request(app.url)
      .post(`/api/donations/${voided.id}/void`)
      .set(w.organiser.auth)
      .send({ reason: 'twice' })
      .expect(200);
    for (const donationId of [milkOnly.id, voided.id, '0123456789abcdef01234567']) {
      const res = await request(app.url)
        .post(`/api/pledges/${body.id}/fulfil`)
        .set(w.coordinator.auth)
        .send({ donationId });
      expect([res.status, res.body.details?.[0]?.path]).toEqual([422, 'body.donationId']);
    }
    const listed = (await pledgesAt({ locationId: w.point.id }).expect(200)).body.items.find(
      (p: { id: string }) => p.id === body.id,
    );
    expect(listed).toMatchObject({ fulfilled: 0, remaining: 4 });
  });

  test('When a donation that fulfilled a pledge is voided, then the pledge is open again for what it brought, also when the void was cut short, and the donation entered again fulfils it', async () => {
    const { body } = await pledge({ quantity: 6 }).expect(201);
    const fulfil = (donationId: string) =>
      request(app.url).post(`/api/pledges/${body.id}/fulfil`).set(w.coordinator.auth).send({ donationId });
    const voidIt = (donationId: string) =>
      request(app.url).post(`/api/donations/${donationId}/void`).set(w.organiser.auth).send({ reason: 'wrong item' });
    const listed = async () =>
      (await pledgesAt({ locationId: w.point.id }).expect(200)).body.items.find(
        (p: { id: string }) => p.id === body.id,
      );
    const open = await need(w.bread.id);

    const wrong = await w.donate([{ itemId: w.bread.id, quantity: 6 }]);
    expect((await fulfil(wrong.id).expect(200)).body).toMatchObject({ fulfilled: 6, status: 'fulfilled' });
    expect((await need(w.bread.id)).pledged).toBe(open.pledged - 6);
    await voidIt(wrong.id).expect(200);
    expect(await listed()).toMatchObject({ fulfilled: 0, remaining: 6, status: 'open', donationIds: [] });
    expect((await need(w.bread.id)).pledged).toBe(open.pledged);

    // Cut short after its stock moved (the commit point): the repair gives the pledge back too.
    const second = await w.donate([{ itemId: w.bread.id, quantity: 4 }]);
    await fulfil(second.id).expect(200);
    try {
      injectFault('before-hooks');
      expect((await voidIt(second.id)).status).toBe(500);
    } finally {
      clearFaults();
    }
    expect(await listed()).toMatchObject({ fulfilled: 4 });
    expect(await repairStockOps(new Date(Date.now() + 86_400_000))).toMatchObject({ finished: 1 });
    expect(await listed()).toMatchObject({ fulfilled: 0, remaining: 6, status: 'open', donationIds: [] });
    expect(await repairStockOps(new Date(Date.now() + 86_400_000))).toMatchObject({ finished: 0 });
    expect(await listed()).toMatchObject({ fulfilled: 0, remaining: 6 });

    // The donation entered again, right this time, fulfils the pledge.
    const right = await w.donate([{ itemId: w.bread.id, quantity: 6 }]);
    expect((await fulfil(right.id).expect(200)).body).toMatchObject({ fulfilled: 6, donationIds: [right.id] });
  });

  test('When a driver or nobody asks, then the pledges are 403 and 401', async () => {
    expect((await pledgesAt({}, w.driver.auth)).status).toBe(403);
    expect((await request(app.url).get('/api/pledges').query({ campaignId: w.campaign.id })).status).toBe(401);
    expect(
      (await request(app.url).post('/api/pledges/0123456789abcdef01234567/fulfil').send({ donationId: w.point.id }))
        .status,
    ).toBe(401);
  });

  test('When an organiser reads the totals, then pledged and fulfilled are given per item and point', async () => {
    const res = await request(app.url)
      .get(`/api/campaigns/${w.campaign.id}/pledges/totals`)
      .set(w.organiser.auth)
      .expect(200);
    const bread = res.body.rows.find(
      (r: { itemId: string; locationId: string }) => r.itemId === w.bread.id && r.locationId === w.point.id,
    );
    expect(bread.fulfilled).toBeGreaterThanOrEqual(8);
    expect(bread.pledged).toBe(bread.fulfilled + bread.open + bread.lapsed);
  });
});

describe('PATCH /api/campaigns/:id/needs/:itemId', () => {
  test('When the organiser says enough, then the board says so, pledges for it are refused, and it can be taken back', async () => {
    const url = `/api/campaigns/${w.campaign.id}/needs/${w.bread.id}`;
    expect((await request(app.url).patch(url).set(w.coordinator.auth).send({ enough: true })).status).toBe(403);
    const res = await request(app.url).patch(url).set(w.organiser.auth).send({ enough: true }).expect(200);
    expect((res.body as CampaignDto).enoughItemIds).toEqual([w.bread.id]);
    expect((await need(w.bread.id)).enough).toBe(true);
    expect((await need(w.milk.id)).enough).toBe(false);
    const refused = await pledge({ quantity: 1 });
    expect([refused.status, refused.body.details[0].type]).toEqual([422, 'pledge.enough']);
    await request(app.url).patch(url).set(w.organiser.auth).send({ enough: false }).expect(200);
    expect((await need(w.bread.id)).enough).toBe(false);
    const notTarget = await request(app.url)
      .patch(`/api/campaigns/${w.campaign.id}/needs/${w.water.id}`)
      .set(w.organiser.auth)
      .send({ enough: true });
    expect(notTarget.status).toBe(404);
    expect((await request(app.url).patch(url).set(w.organiser.auth).send({ enough: 'yes' })).status).toBe(400);
  });
});

describe('GET /api/public/campaigns/:id caching', () => {
  test('When the board has not changed, then If-None-Match gets 304; a pledge changes its ETag', async () => {
    const first = await request(app.url).get(`/api/public/campaigns/${w.campaign.id}`).expect(200);
    expect(first.headers['cache-control']).toBe('public, max-age=30, stale-while-revalidate=30');
    const etag = first.headers.etag as string;
    expect(etag).toBeTruthy();
    await request(app.url).get(`/api/public/campaigns/${w.campaign.id}`).set('If-None-Match', etag).expect(304);
    await pledge({ itemId: w.milk.id, quantity: 1 }).expect(422); // (milk is fully pledged: nothing changes)
    await request(app.url).get(`/api/public/campaigns/${w.campaign.id}`).set('If-None-Match', etag).expect(304);
    await pledge({ quantity: 1 }).expect(201);
    const changed = await request(app.url).get(`/api/public/campaigns/${w.campaign.id}`).set('If-None-Match', etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  test('When 2,000 visitors from many addresses open the board at once, then the database is asked a handful of times, not per visitor', async () => {
    // A pledge changes the board: the burst starts with nothing cached.
    await pledge({ quantity: 1 }).expect(201);
    // Every database call a model or its driver collection makes (mongoose's debug hook).
    const commands: string[] = [];
    mongoose.set('debug', (collection: string, method: string) => {
      commands.push(`${collection}.${method}`);
    });
    let served = 0;
    const etags = new Set<string>();
    try {
      const started = Date.now();
      const workers = Array.from({ length: 50 }, async (_, worker) => {
        for (let i = 0; i < 40; i += 1) {
          const res = await request(app.url)
            .get(`/api/public/campaigns/${w.campaign.id}`)
            .set('X-Forwarded-For', `203.0.113.${worker}`)
            .set('X-Visitor', String(i));
          expect(res.status).toBe(200);
          etags.add(res.headers.etag as string);
          served += 1;
        }
      });
      await Promise.all(workers);
      // (bounded: 2,000 requests, and well under the test's time)
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      mongoose.set('debug', false);
    }
    expect(served).toBe(2000);
    expect(etags.size).toBeLessThanOrEqual(5);
    // One computation reads the campaign, its items, points, totals, expired lots and pledges
    // (~8 commands); it is redone at most once per PUBLIC_CACHE_SECONDS.
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.length).toBeLessThan(40);
  });
});

describe('Closing a campaign purges pledge contacts', () => {
  test('When the campaign closes, then no pledge of it keeps a name or phone', async () => {
    await pledge({ quantity: 1, name: 'Нурлан', phone: '+996 555 777 888', consentToContact: true }).expect(201);
    const withContact = await pledgesAt({ locationId: w.point.id }).expect(200);
    expect(withContact.body.items.some((p: { contact: unknown }) => p.contact !== null)).toBe(true);
    await request(app.url)
      .patch(`/api/campaigns/${w.campaign.id}`)
      .set(w.organiser.auth)
      .send({ status: 'closed' })
      .expect(200);
    let items: { contact: unknown }[] = [];
    for (let i = 0; i < 50; i += 1) {
      items = (await pledgesAt({ locationId: w.point.id, limit: '200' }).expect(200)).body.items;
      if (items.every((p) => p.contact === null)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((p) => p.contact === null)).toBe(true);
  });
});
