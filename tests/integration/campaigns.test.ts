import request from 'supertest';
import { campaignDtoSchema, pageSchema, type ItemDto } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { Campaign, migrateCampaignNames } from '../../server/src/campaigns';
import { buildCampaign, buildItem, buildLocation } from '../support/catalogue';
import { signedIn } from '../support/factories';

let app: TestApp;
let organiser: Awaited<ReturnType<typeof signedIn>>;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let driver: Awaited<ReturnType<typeof signedIn>>;
let kefir: ItemDto;
let bread: ItemDto;
beforeAll(async () => {
  app = await startTestApp();
  [organiser, coordinator, driver] = await Promise.all([
    signedIn(app.url, { role: 'organiser' }),
    signedIn(app.url, { role: 'coordinator' }),
    signedIn(app.url, { role: 'driver' }),
  ]);
  kefir = await buildItem();
  bread = await buildItem({
    name: { ru: `Хлеб ${Date.now()}`, en: `Bread ${Date.now()}` },
    baseUnit: 'loaf',
    packs: [{ unit: 'tray', size: 20 }],
    shelfLifeHours: 72,
  });
});
afterAll(() => app.close());

const api = () => request(app.url);
const tag = () => Math.random().toString(36).slice(2, 10);
const ids = (res: request.Response) => res.body.items.map((i: { id: string }) => i.id);
const paths = (res: request.Response) =>
  [...new Set<string>(res.body.details.map((d: { path: string }) => d.path))].sort();

describe('POST /api/campaigns', () => {
  test('When an organiser creates a campaign with targets in pack units, then they are stored in base units', async () => {
    const body = {
      name: `Январь 2022 ${tag()}`,
      description: 'Хлеб и кефир для Алматы\nпосле 5 января',
      startsAt: '2022-01-06T08:00:00+06:00',
      endsAt: '2022-01-20',
      public: true,
      targets: [
        { itemId: kefir.id, quantity: 500, unit: 'crate' },
        { itemId: bread.id, quantity: 750, unit: 'Tray' },
      ],
    };
    const res = await api().post('/api/campaigns').set(organiser.auth).send(body);
    expect(res.status).toBe(201);
    expect(campaignDtoSchema.validate(res.body).error).toBeUndefined();
    const every = (text: string) => ({ ru: text, en: text, ky: text, kk: text });
    expect(res.body).toMatchObject({
      name: every(body.name),
      description: every(body.description),
      startsAt: '2022-01-06T02:00:00.000Z',
      endsAt: '2022-01-20T00:00:00.000Z',
      status: 'draft',
      public: true,
      targets: [
        { itemId: kefir.id, quantity: 6000 },
        { itemId: bread.id, quantity: 15000 },
      ],
    });
    expect((await api().get(`/api/campaigns/${res.body.id}`).set(coordinator.auth)).body).toEqual(res.body);
  });

  test('When only a name is given, then it is a private draft without dates or targets', async () => {
    const res = await api()
      .post('/api/campaigns')
      .set(organiser.auth)
      .send({ name: `Март ${tag()}` });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      description: null,
      startsAt: null,
      endsAt: null,
      status: 'draft',
      public: false,
      targets: [],
    });
  });

  test('When a target names an unknown item or a unit the item lacks, then it answers 422 with their paths', async () => {
    const res = await api()
      .post('/api/campaigns')
      .set(organiser.auth)
      .send({
        name: `Плохие цели ${tag()}`,
        targets: [
          { itemId: kefir.id, quantity: 10 },
          { itemId: 'b'.repeat(24), quantity: 10 },
          { itemId: bread.id, quantity: 10, unit: 'crate' },
        ],
      });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('UNPROCESSABLE');
    expect(paths(res)).toEqual(['body.targets.1.itemId', 'body.targets.2.unit']);
    const list = await api().get('/api/campaigns').query({ q: 'Плохие цели' }).set(organiser.auth);
    expect(list.body.total).toBe(0);
  });

  test('When the body is invalid, then it answers 400 with every bad field', async () => {
    const res = await api()
      .post('/api/campaigns')
      .set(organiser.auth)
      .send({
        name: '',
        startsAt: 'tomorrow',
        status: 'running',
        targets: [
          { itemId: 'xyz', quantity: 0 },
          { itemId: kefir.id, quantity: 1.5 },
          { itemId: kefir.id, quantity: 2 },
        ],
      });
    expect(res.status).toBe(400);
    expect(paths(res)).toEqual([
      'body.name',
      'body.startsAt',
      'body.status',
      'body.targets.0.itemId',
      'body.targets.0.quantity',
      'body.targets.1.quantity',
      'body.targets.2',
    ]);
  });

  test('When one item has two targets, then it answers 422 naming the list and nothing is created', async () => {
    const name = `Дважды ${tag()}`;
    const res = await api()
      .post('/api/campaigns')
      .set(organiser.auth)
      .send({
        name,
        targets: [
          { itemId: kefir.id, quantity: 10 },
          { itemId: kefir.id, quantity: 20 },
        ],
      });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('UNPROCESSABLE');
    expect(paths(res)).toEqual(['body.targets.1']);
    const list = await api().get('/api/campaigns').query({ q: name }).set(organiser.auth);
    expect(list.body.items).toHaveLength(0);
  });

  test('When it ends before it starts, then it answers 422 on endsAt', async () => {
    const res = await api()
      .post('/api/campaigns')
      .set(organiser.auth)
      .send({ name: `Даты ${tag()}`, startsAt: '2022-01-10T00:00:00Z', endsAt: '2022-01-09T23:59:59Z' });
    expect(res.status).toBe(422);
    expect(paths(res)).toEqual(['body.endsAt']);
  });

  test('When a coordinator or driver creates a campaign, then it answers 403; without a token 401', async () => {
    const body = { name: `Нет ${tag()}` };
    expect((await api().post('/api/campaigns').set(coordinator.auth).send(body)).status).toBe(403);
    expect((await api().post('/api/campaigns').set(driver.auth).send(body)).status).toBe(403);
    expect((await api().post('/api/campaigns').send(body)).status).toBe(401);
  });

  test('When the same Idempotency-Key is replayed, then only one campaign exists', async () => {
    const body = { name: `Повтор ${tag()}`, targets: [{ itemId: kefir.id, quantity: 2, unit: 'crate' }] };
    const key = `campaign-${tag()}`;
    const first = await api().post('/api/campaigns').set(organiser.auth).set('Idempotency-Key', key).send(body);
    const replay = await api().post('/api/campaigns').set(organiser.auth).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const list = await api().get('/api/campaigns').query({ q: body.name }).set(organiser.auth);
    expect(list.body.total).toBe(1);
  });
});

describe('GET /api/campaigns', () => {
  test('When campaigns are listed, then status and q filter, sorted by name', async () => {
    const t = tag();
    const b = await buildCampaign({ name: `B ${t}`, status: 'active' });
    const a = await buildCampaign({ name: `A ${t}`, status: 'draft', description: `для Казахстана ${t}` });
    const c = await buildCampaign({ name: `C ${t}`, status: 'active' });
    const all = await api().get('/api/campaigns').query({ q: t }).set(coordinator.auth);
    expect(all.status).toBe(200);
    expect(pageSchema(campaignDtoSchema, 'CampaignPage').validate(all.body).error).toBeUndefined();
    expect(ids(all)).toEqual([a.id, b.id, c.id]);
    expect(ids(await api().get('/api/campaigns').query({ q: t, status: 'active' }).set(coordinator.auth))).toEqual([
      b.id,
      c.id,
    ]);
    expect(
      ids(
        await api()
          .get('/api/campaigns')
          .query({ q: `КАЗАХСТАНА ${t}` })
          .set(coordinator.auth),
      ),
    ).toEqual([a.id]);
    const page = await api().get('/api/campaigns').query({ q: t, limit: 1 }).set(coordinator.auth);
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 0 });
  });

  test('When the status is unknown, then it answers 400', async () => {
    const res = await api().get('/api/campaigns').query({ status: 'open' }).set(organiser.auth);
    expect(res.status).toBe(400);
    expect(paths(res)).toEqual(['query.status']);
  });

  test('When a driver lists campaigns, then it answers 403; without a token 401', async () => {
    expect((await api().get('/api/campaigns').set(driver.auth)).status).toBe(403);
    expect((await api().get('/api/campaigns')).status).toBe(401);
  });
});

describe('GET /api/campaigns/:id', () => {
  test('When the campaign does not exist, then 404; malformed id, then 400', async () => {
    expect(
      (
        await api()
          .get(`/api/campaigns/${'0'.repeat(24)}`)
          .set(coordinator.auth)
      ).status,
    ).toBe(404);
    expect((await api().get('/api/campaigns/zzz').set(coordinator.auth)).status).toBe(400);
  });

  test('When a driver reads a campaign, then it answers 403', async () => {
    const campaign = await buildCampaign();
    expect((await api().get(`/api/campaigns/${campaign.id}`).set(driver.auth)).status).toBe(403);
    expect((await api().get(`/api/campaigns/${campaign.id}`)).status).toBe(401);
  });
});

describe('PATCH /api/campaigns/:id', () => {
  test('When an organiser replaces the targets, then the new list is stored in base units', async () => {
    const campaign = await buildCampaign({ targets: [{ itemId: kefir.id, quantity: 100 }] });
    expect(campaign.targets).toEqual([{ itemId: kefir.id, quantity: 100 }]);
    const res = await api()
      .patch(`/api/campaigns/${campaign.id}`)
      .set(organiser.auth)
      .send({ targets: [{ itemId: bread.id, quantity: 3, unit: 'tray' }], public: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: campaign.name,
      public: true,
      targets: [{ itemId: bread.id, quantity: 60 }],
      startsAt: campaign.startsAt,
    });
  });

  test('When the status moves draft -> active -> closed -> active, then each step is stored', async () => {
    const campaign = await buildCampaign({ status: 'draft' });
    for (const status of ['active', 'closed', 'active']) {
      const res = await api().patch(`/api/campaigns/${campaign.id}`).set(organiser.auth).send({ status });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe(status);
    }
  });

  test('When an active campaign is set back to draft, then it answers 409 with the allowed states', async () => {
    const campaign = await buildCampaign({ status: 'active' });
    const res = await api().patch(`/api/campaigns/${campaign.id}`).set(organiser.auth).send({ status: 'draft' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONFLICT');
    expect(res.body.details.map((d: { type: string }) => d.type)).toEqual(['closed']);
  });

  test('When a new end date falls before the stored start, then it answers 422 on endsAt', async () => {
    const campaign = await buildCampaign({ startsAt: '2022-01-06T00:00:00Z', endsAt: null });
    const res = await api()
      .patch(`/api/campaigns/${campaign.id}`)
      .set(organiser.auth)
      .send({ endsAt: '2022-01-01T00:00:00Z' });
    expect(res.status).toBe(422);
    expect(paths(res)).toEqual(['body.endsAt']);
    const ok = await api().patch(`/api/campaigns/${campaign.id}`).set(organiser.auth).send({ startsAt: null });
    expect(ok.body.startsAt).toBeNull();
  });

  test('When a target names an unknown item, then it answers 422 and the targets stay', async () => {
    const campaign = await buildCampaign({ targets: [{ itemId: kefir.id, quantity: 5, unit: 'crate' }] });
    const res = await api()
      .patch(`/api/campaigns/${campaign.id}`)
      .set(organiser.auth)
      .send({ targets: [{ itemId: 'c'.repeat(24), quantity: 1 }] });
    expect(res.status).toBe(422);
    expect(paths(res)).toEqual(['body.targets.0.itemId']);
    const read = await api().get(`/api/campaigns/${campaign.id}`).set(organiser.auth);
    expect(read.body.targets).toEqual([{ itemId: kefir.id, quantity: 60 }]);
  });

  test('When a coordinator or driver changes a campaign, then it answers 403', async () => {
    const campaign = await buildCampaign();
    expect(
      (await api().patch(`/api/campaigns/${campaign.id}`).set(coordinator.auth).send({ status: 'closed' })).status,
    ).toBe(403);
    expect(
      (await api().patch(`/api/campaigns/${campaign.id}`).set(driver.auth).send({ status: 'closed' })).status,
    ).toBe(403);
    expect((await api().patch(`/api/campaigns/${campaign.id}`).send({ status: 'closed' })).status).toBe(401);
    expect((await api().get(`/api/campaigns/${campaign.id}`).set(organiser.auth)).body.status).toBe('active');
  });

  test('When the campaign does not exist, then it answers 404', async () => {
    const res = await api()
      .patch(`/api/campaigns/${'d'.repeat(24)}`)
      .set(organiser.auth)
      .send({ public: true });
    expect(res.status).toBe(404);
  });
});

describe('Translated names, time zones and collection points', () => {
  test('When a name is one string, then it is every language; when an object, then each language as given', async () => {
    const plain = await api()
      .post('/api/campaigns')
      .set(organiser.auth)
      .send({ name: `Зима ${tag()}` });
    expect(plain.status).toBe(201);
    const { ru } = plain.body.name;
    expect(plain.body.name).toEqual({ ru, en: ru, ky: ru, kk: ru });
    const name = { ru: `Хлеб детям ${tag()}`, en: 'Bread for children', ky: 'Балдарга нан', kk: 'Балаларға нан' };
    const translated = await api()
      .post('/api/campaigns')
      .set(organiser.auth)
      .send({ name, description: { ru: 'Только хлеб', en: 'Bread only' } });
    expect(translated.status).toBe(201);
    expect(translated.body).toMatchObject({ name, description: { ru: 'Только хлеб', en: 'Bread only' } });
    // Found in any of its languages.
    const found = await api().get('/api/campaigns').query({ q: 'балаларға' }).set(coordinator.auth);
    expect(ids(found)).toContain(translated.body.id);
    const renamed = await api()
      .patch(`/api/campaigns/${translated.body.id}`)
      .set(organiser.auth)
      .send({ name: 'Один язык' });
    expect(renamed.body.name).toEqual({ ru: 'Один язык', en: 'Один язык', ky: 'Один язык', kk: 'Один язык' });
  });

  test('When a translated name has no Russian, or a blank language, then it answers 400 naming it', async () => {
    const res = await api()
      .post('/api/campaigns')
      .set(organiser.auth)
      .send({ name: { en: 'Only English' } });
    expect(res.status).toBe(400);
    expect(paths(res)).toEqual(['body.name.ru']);
    const blank = await api()
      .post('/api/campaigns')
      .set(organiser.auth)
      .send({ name: { ru: 'Сбор', kk: '   ' } });
    expect(blank.status).toBe(400);
    expect(paths(blank)).toEqual(['body.name.kk']);
  });

  test('When no time zone is given, then it is KARAVAN_TIME_ZONE (Asia/Bishkek); another IANA zone is stored; an unknown one is 400', async () => {
    expect((await api().get('/api/campaigns/defaults').set(coordinator.auth)).body).toEqual({
      timeZone: 'Asia/Bishkek',
    });
    const plain = await api()
      .post('/api/campaigns')
      .set(organiser.auth)
      .send({ name: `Пояс ${tag()}` });
    expect(plain.body.timeZone).toBe('Asia/Bishkek');
    const almaty = await api()
      .patch(`/api/campaigns/${plain.body.id}`)
      .set(organiser.auth)
      .send({ timeZone: 'Asia/Almaty' });
    expect(almaty.status).toBe(200);
    expect(almaty.body.timeZone).toBe('Asia/Almaty');
    for (const timeZone of ['Mars/Olympus', 'UTC+6', 'asia/almaty', '']) {
      const res = await api().patch(`/api/campaigns/${plain.body.id}`).set(organiser.auth).send({ timeZone });
      expect(res.status).toBe(400);
      expect(paths(res)).toEqual(['body.timeZone']);
    }
    expect((await api().get(`/api/campaigns/${plain.body.id}`).set(organiser.auth)).body.timeZone).toBe('Asia/Almaty');
  });

  test('When collection points take part, then they are stored; a warehouse or an unknown place is 422 and nothing changes', async () => {
    const point = await buildLocation();
    const warehouse = await buildLocation({ kind: 'warehouse' });
    const res = await api()
      .post('/api/campaigns')
      .set(organiser.auth)
      .send({ name: `Пункты ${tag()}`, locationIds: [point.id] });
    expect(res.status).toBe(201);
    expect(res.body.locationIds).toEqual([point.id]);
    const bad = await api()
      .patch(`/api/campaigns/${res.body.id}`)
      .set(organiser.auth)
      .send({ locationIds: [point.id, warehouse.id, 'c'.repeat(24)] });
    expect(bad.status).toBe(422);
    expect(paths(bad)).toEqual(['body.locationIds.1', 'body.locationIds.2']);
    expect((await api().get(`/api/campaigns/${res.body.id}`).set(coordinator.auth)).body.locationIds).toEqual([
      point.id,
    ]);
  });

  test('When a campaign was stored by an older version with a plain-string name, then it reads as every language and the start-up migration converts it', async () => {
    const name = `Старый сбор ${tag()}`;
    const { insertedId } = await Campaign.collection.insertOne({
      name,
      description: 'по-старому',
      status: 'active',
      public: false,
      targets: [],
      createdAt: new Date(),
      updatedAt: new Date(),
    } as never);
    const id = String(insertedId);
    const read = await api().get(`/api/campaigns/${id}`).set(coordinator.auth);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      name: { ru: name, en: name, ky: name, kk: name },
      description: { ru: 'по-старому', en: 'по-старому', ky: 'по-старому', kk: 'по-старому' },
      timeZone: 'Asia/Bishkek',
      locationIds: [],
    });
    expect(ids(await api().get('/api/campaigns').query({ q: name }).set(coordinator.auth))).toEqual([id]);
    expect(await migrateCampaignNames()).toBeGreaterThanOrEqual(1);
    const stored = await Campaign.collection.findOne({ _id: insertedId });
    expect(stored?.name).toEqual({ ru: name, en: name, ky: name, kk: name });
    expect((await api().get(`/api/campaigns/${id}`).set(coordinator.auth)).body).toEqual(read.body);
  });

  test('When a coordinator reads campaigns, then they may; publishing or closing is for organisers only', async () => {
    const campaign = await buildCampaign({ status: 'draft' });
    expect((await api().get(`/api/campaigns/${campaign.id}`).set(coordinator.auth)).status).toBe(200);
    for (const status of ['active', 'closed']) {
      const res = await api().patch(`/api/campaigns/${campaign.id}`).set(coordinator.auth).send({ status });
      expect(res.status).toBe(403);
    }
    expect((await api().get(`/api/campaigns/${campaign.id}`).set(organiser.auth)).body.status).toBe('draft');
    expect((await api().get('/api/campaigns/defaults').set(driver.auth)).status).toBe(403);
  });
});
