import request from 'supertest';
import { itemDtoSchema, pageSchema, type Role } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { buildItem } from '../support/catalogue';
import { signedIn } from '../support/factories';

let app: TestApp;
let organiser: Awaited<ReturnType<typeof signedIn>>;
let coordinator: Awaited<ReturnType<typeof signedIn>>;
let driver: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp();
  [organiser, coordinator, driver] = await Promise.all([
    signedIn(app.url, { role: 'organiser' }),
    signedIn(app.url, { role: 'coordinator' }),
    signedIn(app.url, { role: 'driver' }),
  ]);
});
afterAll(() => app.close());

const api = () => request(app.url);
const auth = (role: Role) => ({ organiser, coordinator, driver })[role].auth;
const tag = () => Math.random().toString(36).slice(2, 10);
const kefirBody = (overrides: Record<string, unknown> = {}) => {
  const t = tag();
  return {
    name: { ru: `Кефир ${t}`, en: `Kefir ${t}`, ky: `Кефир ${t}` },
    category: 'dairy',
    baseUnit: 'litre',
    packs: [
      { unit: 'pack', size: 1 },
      { unit: 'crate', size: 12 },
    ],
    perishable: true,
    shelfLifeHours: 240,
    ...overrides,
  };
};

describe('POST /api/items', () => {
  test.each<Role>(['organiser', 'coordinator'])(
    'When the %s adds an item with pack units, then it is stored and shown in base units',
    async (role) => {
      const body = kefirBody();
      const res = await api().post('/api/items').set(auth(role)).send(body);
      expect(res.status).toBe(201);
      expect(itemDtoSchema.validate(res.body).error).toBeUndefined();
      expect(res.body).toMatchObject({
        name: body.name,
        category: 'dairy',
        baseUnit: 'litre',
        packs: body.packs,
        perishable: true,
        shelfLifeHours: 240,
        active: true,
      });
      const read = await api().get(`/api/items/${res.body.id}`).set(auth(role));
      expect(read.body).toEqual(res.body);
    },
  );

  test('When only the required fields are given, then the item is not perishable and has no packs', async () => {
    const t = tag();
    const res = await api()
      .post('/api/items')
      .set(organiser.auth)
      .send({ name: { ru: `Мука ${t}`, en: `Flour ${t}` }, baseUnit: 'kg' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ category: null, packs: [], perishable: false, shelfLifeHours: null });
    expect(res.body.name).toEqual({ ru: `Мука ${t}`, en: `Flour ${t}` });
  });

  test('When a driver adds an item, then it answers 403', async () => {
    const res = await api().post('/api/items').set(driver.auth).send(kefirBody());
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
  });

  test('When nobody is signed in, then it answers 401', async () => {
    const res = await api().post('/api/items').send(kefirBody());
    expect(res.status).toBe(401);
  });

  test('When the body is invalid, then it answers 400 with every bad field', async () => {
    const res = await api()
      .post('/api/items')
      .set(organiser.auth)
      .send({
        name: { ru: 'Хлеб\u0000' },
        baseUnit: 'bucket',
        packs: [
          { unit: 'tray', size: 2.5 },
          { unit: 'loaf', size: 2 },
        ],
        shelfLifeHours: 0,
        extra: true,
      });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const paths = res.body.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual([
      'body.baseUnit',
      'body.extra',
      'body.name.en',
      'body.name.ru',
      'body.packs.0.size',
      'body.packs.1.unit',
      'body.shelfLifeHours',
    ]);
  });

  test('When a pack unit is typed with capitals and spaces, then it is stored trimmed in lower case; as a base unit it is a 422', async () => {
    const t = tag();
    const name = { ru: `Сок ${t}`, en: `Juice ${t}` };
    const res = await api()
      .post('/api/items')
      .set(organiser.auth)
      .send({ name, baseUnit: 'litre', packs: [{ unit: 'Ящик ', size: 12 }] });
    expect(res.status).toBe(201);
    expect(res.body.packs).toEqual([{ unit: 'ящик', size: 12 }]);

    const base = await api()
      .post('/api/items')
      .set(organiser.auth)
      .send({ name: { ru: `Сок 2 ${t}`, en: `Juice 2 ${t}` }, baseUnit: 'litre', packs: [{ unit: 'LITRE', size: 1 }] });
    expect(base.status).toBe(422);
    expect(base.body.message).toBe('A pack unit is named like a base unit');
    expect(base.body.details.map((d: { path: string }) => d.path)).toEqual(['body.packs.0.unit']);
    const list = await api()
      .get('/api/items')
      .query({ q: `Juice 2 ${t}` })
      .set(organiser.auth);
    expect(list.body.total).toBe(0);
  });

  test('When a non-perishable item is given a shelf life, then it answers 422 on shelfLifeHours', async () => {
    const res = await api()
      .post('/api/items')
      .set(organiser.auth)
      .send(kefirBody({ perishable: false }));
    expect(res.status).toBe(422);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['body.shelfLifeHours']);
  });

  test('When another item has the same Russian name (in any case), then it answers 409 naming the field', async () => {
    const first = await buildItem();
    const res = await api()
      .post('/api/items')
      .set(organiser.auth)
      .send(kefirBody({ name: { ru: first.name.ru.toUpperCase(), en: `Other ${tag()}` } }));
    expect(res.status).toBe(409);
    expect(res.body.details).toEqual([expect.objectContaining({ path: 'body.name.ru' })]);
  });

  test('When the same Idempotency-Key is replayed, then the first item returns and only one exists', async () => {
    const body = kefirBody();
    const key = `item-${tag()}`;
    const first = await api().post('/api/items').set(coordinator.auth).set('Idempotency-Key', key).send(body);
    const replay = await api().post('/api/items').set(coordinator.auth).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const list = await api().get('/api/items').query({ q: body.name.en }).set(coordinator.auth);
    expect(list.body.total).toBe(1);
  });
});

describe('GET /api/items', () => {
  test('When items are listed, then filters apply and the page is sorted by Russian name', async () => {
    const category = `cat-${tag()}`;
    const c = await buildItem({ name: { ru: `В ${category}`, en: `C ${category}` }, category });
    const a = await buildItem({ name: { ru: `А ${category}`, en: `A ${category}` }, category });
    const b = await buildItem({ name: { ru: `Б ${category}`, en: `B ${category}` }, category, active: false });

    const all = await api().get('/api/items').query({ category }).set(coordinator.auth);
    expect(all.status).toBe(200);
    expect(pageSchema(itemDtoSchema, 'ItemPage').validate(all.body).error).toBeUndefined();
    expect(all.body.items.map((i: { id: string }) => i.id)).toEqual([a.id, b.id, c.id]);
    expect(all.body).toMatchObject({ total: 3, limit: 50, offset: 0 });

    const active = await api().get('/api/items').query({ category, active: true }).set(coordinator.auth);
    expect(active.body.items.map((i: { id: string }) => i.id)).toEqual([a.id, c.id]);

    const page = await api().get('/api/items').query({ category, limit: 1, offset: 1 }).set(coordinator.auth);
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.body.items.map((i: { id: string }) => i.id)).toEqual([b.id]);

    const search = await api()
      .get('/api/items')
      .query({ q: `b ${category}` })
      .set(coordinator.auth);
    expect(search.body.items.map((i: { id: string }) => i.id)).toEqual([b.id]);
  });

  test('When the search holds regex characters, then they are matched as plain text', async () => {
    const t = tag();
    const item = await buildItem({ name: { ru: `Молоко (3.2%) ${t}`, en: `Milk (3.2%) ${t}` } });
    await buildItem({ name: { ru: `Молоко 302 ${t}`, en: `Milk 302 ${t}` } });
    const res = await api()
      .get('/api/items')
      .query({ q: `(3.2%) ${t}` })
      .set(organiser.auth);
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([item.id]);
    const star = await api().get('/api/items').query({ q: '.*' }).set(organiser.auth);
    expect(star.body.total).toBe(0);
  });

  test('When the query is invalid, then it answers 400 with the field paths', async () => {
    const res = await api().get('/api/items').query({ q: 'a\u0001b', active: 'maybe', limit: 0 }).set(organiser.auth);
    expect(res.status).toBe(400);
    const paths = res.body.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['query.active', 'query.limit', 'query.q']);
  });

  test('When a driver lists items, then it answers 403; without a token 401', async () => {
    expect((await api().get('/api/items').set(driver.auth)).status).toBe(403);
    expect((await api().get('/api/items')).status).toBe(401);
  });
});

describe('GET /api/items/:id', () => {
  test('When the item does not exist, then it answers 404; when the id is malformed, 400', async () => {
    const missing = await api()
      .get(`/api/items/${'0'.repeat(24)}`)
      .set(organiser.auth);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    const malformed = await api().get('/api/items/not-an-id').set(organiser.auth);
    expect(malformed.status).toBe(400);
    expect(malformed.body.details[0].path).toBe('params.id');
  });

  test('When a driver reads an item, then it answers 403', async () => {
    const item = await buildItem();
    expect((await api().get(`/api/items/${item.id}`).set(driver.auth)).status).toBe(403);
    expect((await api().get(`/api/items/${item.id}`)).status).toBe(401);
  });

  test('When a phone revalidates an item it has with its ETag, then 304 without a body until the item changes', async () => {
    const item = await buildItem();
    const first = await api().get(`/api/items/${item.id}`).set(coordinator.auth).expect(200);
    const tag = first.headers.etag as string;
    expect(tag).toMatch(/^W\/"/);
    const again = await api().get(`/api/items/${item.id}`).set(coordinator.auth).set('If-None-Match', tag).expect(304);
    expect(again.text ?? '').toBe('');
    await api().patch(`/api/items/${item.id}`).set(organiser.auth).send({ shelfLifeHours: 100 }).expect(200);
    const changed = await api()
      .get(`/api/items/${item.id}`)
      .set(coordinator.auth)
      .set('If-None-Match', tag)
      .expect(200);
    expect(changed.body.shelfLifeHours).toBe(100);
    expect(changed.headers.etag).not.toBe(tag);
  });
});

describe('PATCH /api/items/:id', () => {
  test('When a coordinator changes the name, packs and shelf life, then only those change', async () => {
    const item = await buildItem();
    const t = tag();
    const res = await api()
      .patch(`/api/items/${item.id}`)
      .set(coordinator.auth)
      .send({
        name: { ru: `Кефир 1% ${t}`, en: `Kefir 1% ${t}`, kk: `Айран ${t}` },
        packs: [{ unit: 'Box', size: 6 }],
        shelfLifeHours: 120,
      });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: item.id,
      name: { ru: `Кефир 1% ${t}`, en: `Kefir 1% ${t}`, kk: `Айран ${t}` },
      packs: [{ unit: 'box', size: 6 }],
      shelfLifeHours: 120,
      baseUnit: 'litre',
      category: item.category,
      perishable: true,
    });
    expect(res.body.name.ky).toBeUndefined();
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(item.updatedAt));
  });

  test('When perishable is turned off, then the shelf life is cleared; a shelf life alone is then refused', async () => {
    const item = await buildItem();
    const off = await api().patch(`/api/items/${item.id}`).set(organiser.auth).send({ perishable: false });
    expect(off.body).toMatchObject({ perishable: false, shelfLifeHours: null });
    const bad = await api().patch(`/api/items/${item.id}`).set(organiser.auth).send({ shelfLifeHours: 48 });
    expect(bad.status).toBe(422);
    expect(bad.body.details[0].path).toBe('body.shelfLifeHours');
  });

  test('When an item is deactivated, then it stays readable and leaves the active list', async () => {
    const item = await buildItem();
    const res = await api().patch(`/api/items/${item.id}`).set(organiser.auth).send({ active: false });
    expect(res.body.active).toBe(false);
    const list = await api().get('/api/items').query({ q: item.name.en, active: true }).set(organiser.auth);
    expect(list.body.total).toBe(0);
    expect((await api().get(`/api/items/${item.id}`).set(organiser.auth)).body.active).toBe(false);
  });

  test('When the base unit, an unknown field or nothing is sent, then it answers 400', async () => {
    const item = await buildItem();
    const unit = await api().patch(`/api/items/${item.id}`).set(organiser.auth).send({ baseUnit: 'kg' });
    expect(unit.status).toBe(400);
    expect(unit.body.details[0].path).toBe('body.baseUnit');
    const empty = await api().patch(`/api/items/${item.id}`).set(organiser.auth).send({});
    expect(empty.status).toBe(400);
  });

  test('When the item does not exist, then it answers 404', async () => {
    const res = await api()
      .patch(`/api/items/${'f'.repeat(24)}`)
      .set(organiser.auth)
      .send({ active: false });
    expect(res.status).toBe(404);
  });

  test('When a driver changes an item, then it answers 403 and nothing changes', async () => {
    const item = await buildItem();
    const res = await api().patch(`/api/items/${item.id}`).set(driver.auth).send({ active: false });
    expect(res.status).toBe(403);
    expect((await api().get(`/api/items/${item.id}`).set(organiser.auth)).body.active).toBe(true);
  });

  test('When there is no DELETE route, then deleting answers 405 naming the methods there are', async () => {
    const item = await buildItem();
    const res = await api().delete(`/api/items/${item.id}`).set(organiser.auth);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toMatch(/GET/);
  });
});

describe('GET /api/openapi.json (catalogue, campaigns, volunteers)', () => {
  test('When the document is read, then every catalogue route is there with its right, and creates take an Idempotency-Key', async () => {
    const doc = (await api().get('/api/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { 'x-karavan-right': string; parameters: { name: string }[] }>>;
    };
    const rights: Record<string, [string, string]> = {
      items: ['catalogue:read', 'catalogue:manage'],
      locations: ['catalogue:read', 'catalogue:manage'],
      campaigns: ['campaigns:read', 'campaigns:manage'],
      volunteers: ['volunteers:read', 'volunteers:manage'],
    };
    for (const [name, [read, manage]] of Object.entries(rights)) {
      const list = doc.paths[`/api/${name}`]!;
      const one = doc.paths[`/api/${name}/{id}`]!;
      expect([list.get!['x-karavan-right'], one.get!['x-karavan-right']]).toEqual([read, read]);
      expect([list.post!['x-karavan-right'], one.patch!['x-karavan-right']]).toEqual([manage, manage]);
      expect(list.post!.parameters.map((p) => p.name)).toContain('Idempotency-Key');
      expect(one.delete).toBeUndefined();
    }
  });
});
