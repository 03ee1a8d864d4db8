import request from 'supertest';
import { locationDtoSchema, pageSchema, type Role } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { buildLocation } from '../support/catalogue';
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
const ids = (res: request.Response) => res.body.items.map((i: { id: string }) => i.id);

describe('POST /api/locations', () => {
  test.each<Role>(['organiser', 'coordinator'])(
    'When the %s adds a location with every field, then it is stored as given',
    async (role) => {
      const body = {
        name: `Склад Бишкек ${tag()}`,
        kind: 'warehouse',
        address: 'Бишкек, ул. Ахунбаева 1',
        position: { lat: 42.8412, lng: 74.5866 },
        contact: { name: 'Айгуль', phone: '+996 555 123 456' },
        openingHours: 'Пн-Сб 9:00-18:00\nВс выходной',
      };
      const res = await api().post('/api/locations').set(auth(role)).send(body);
      expect(res.status).toBe(201);
      expect(locationDtoSchema.validate(res.body).error).toBeUndefined();
      const every = { ru: body.name, en: body.name, ky: body.name, kk: body.name };
      expect(res.body).toMatchObject({ ...body, name: every, active: true });
      // Free-text hours that say it plainly also get their week.
      const nine = [{ opens: '09:00', closes: '18:00' }];
      expect(res.body.weeklyHours).toEqual({
        mon: nine,
        tue: nine,
        wed: nine,
        thu: nine,
        fri: nine,
        sat: nine,
        sun: [],
      });
      expect((await api().get(`/api/locations/${res.body.id}`).set(auth(role))).body).toEqual(res.body);
    },
  );

  test('When a place is named in several languages with its week, then both are kept and search finds every language', async () => {
    const t = tag();
    const name = { ru: `Пункт «Вефа» ${t}`, en: `Vefa point ${t}`, kk: `«Вефа» пункті ${t}` };
    const weeklyHours = {
      mon: [
        { opens: '09:00', closes: '13:00' },
        { opens: '14:00', closes: '18:00' },
      ],
      sat: [{ opens: '10:00', closes: '24:00' }],
    };
    const res = await api()
      .post('/api/locations')
      .set(organiser.auth)
      .send({ name, kind: 'collection_point', weeklyHours });
    expect(res.status).toBe(201);
    expect(res.body.name).toEqual(name);
    expect(res.body.weeklyHours).toEqual({ tue: [], wed: [], thu: [], fri: [], sun: [], ...weeklyHours });
    expect(
      ids(
        await api()
          .get('/api/locations')
          .query({ q: `vefa point ${t}` })
          .set(coordinator.auth),
      ),
    ).toEqual([res.body.id]);
    const bad = await api()
      .patch(`/api/locations/${res.body.id}`)
      .set(organiser.auth)
      .send({ weeklyHours: { tue: [{ opens: '9:00', closes: '25:00' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'body.weeklyHours.tue.0.closes',
      'body.weeklyHours.tue.0.opens',
    ]);
    // Well-formed times that close before they open: a rule between two fields, 422.
    const reversed = await api()
      .patch(`/api/locations/${res.body.id}`)
      .set(organiser.auth)
      .send({ weeklyHours: { mon: [{ opens: '18:00', closes: '09:00' }] } });
    expect(reversed.status).toBe(422);
    expect(reversed.body.details.map((d: { path: string }) => d.path)).toEqual(['body.weeklyHours.mon.0']);
    const kept = await api().get(`/api/locations/${res.body.id}`).set(organiser.auth).expect(200);
    expect(kept.body.weeklyHours).toEqual(res.body.weeklyHours);
  });

  test('When only name and kind are given, then the rest is null', async () => {
    const res = await api().post('/api/locations').set(organiser.auth).send({ name: 'КПП Ак-Жол', kind: 'checkpoint' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ address: null, position: null, contact: null, openingHours: null, active: true });
  });

  test('When a contact gives only a phone, then its name is null', async () => {
    const res = await api()
      .post('/api/locations')
      .set(organiser.auth)
      .send({ name: `Точка ${tag()}`, kind: 'distribution_point', contact: { phone: '+7 701 000 00 00' } });
    expect(res.body.contact).toEqual({ name: null, phone: '+7 701 000 00 00' });
  });

  test('When the body is invalid, then it answers 400 with every bad field', async () => {
    const res = await api()
      .post('/api/locations')
      .set(organiser.auth)
      .send({
        name: ' ',
        kind: 'harbour',
        position: { lat: 91, lng: -181 },
        contact: { phone: 'call me' },
        address: 'x'.repeat(301),
      });
    expect(res.status).toBe(400);
    const paths = res.body.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual([
      'body.address',
      'body.contact.phone',
      'body.kind',
      'body.name',
      'body.position.lat',
      'body.position.lng',
    ]);
  });

  test('When a driver adds a location, then it answers 403; without a token 401', async () => {
    const body = { name: `X ${tag()}`, kind: 'warehouse' };
    expect((await api().post('/api/locations').set(driver.auth).send(body)).status).toBe(403);
    expect((await api().post('/api/locations').send(body)).status).toBe(401);
  });

  test('When the same Idempotency-Key is replayed, then only one location exists', async () => {
    const body = { name: `Пункт ${tag()}`, kind: 'collection_point' };
    const key = `loc-${tag()}`;
    const first = await api().post('/api/locations').set(organiser.auth).set('Idempotency-Key', key).send(body);
    const replay = await api().post('/api/locations').set(organiser.auth).set('Idempotency-Key', key).send(body);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const other = await api()
      .post('/api/locations')
      .set(organiser.auth)
      .set('Idempotency-Key', key)
      .send({ ...body, kind: 'warehouse' });
    expect(other.status).toBe(422);
    const list = await api().get('/api/locations').query({ q: body.name }).set(organiser.auth);
    expect(list.body.total).toBe(1);
  });
});

describe('GET /api/locations', () => {
  test('When locations are listed, then kind, active and q filter, sorted by name', async () => {
    const t = tag();
    const b = await buildLocation({ name: `B ${t}`, kind: 'warehouse' });
    const a = await buildLocation({ name: `A ${t}`, kind: 'warehouse', address: `Алматы ${t}` });
    const c = await buildLocation({ name: `C ${t}`, kind: 'checkpoint', active: false });

    const all = await api().get('/api/locations').query({ q: t }).set(coordinator.auth);
    expect(pageSchema(locationDtoSchema, 'LocationPage').validate(all.body).error).toBeUndefined();
    expect(ids(all)).toEqual([a.id, b.id, c.id]);
    expect(ids(await api().get('/api/locations').query({ q: t, kind: 'warehouse' }).set(coordinator.auth))).toEqual([
      a.id,
      b.id,
    ]);
    expect(ids(await api().get('/api/locations').query({ q: t, active: false }).set(coordinator.auth))).toEqual([c.id]);
    expect(
      ids(
        await api()
          .get('/api/locations')
          .query({ q: `алматы ${t}` })
          .set(coordinator.auth),
      ),
    ).toEqual([a.id]);
    const page = await api().get('/api/locations').query({ q: t, limit: 2, offset: 2 }).set(coordinator.auth);
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect(ids(page)).toEqual([c.id]);
  });

  test('When the kind is unknown or the search has a NUL, then it answers 400', async () => {
    const res = await api().get('/api/locations').query({ kind: 'port', q: 'a\u0000' }).set(organiser.auth);
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['query.kind', 'query.q']);
  });

  test('When a driver lists locations, then it answers 403; without a token 401', async () => {
    expect((await api().get('/api/locations').set(driver.auth)).status).toBe(403);
    expect((await api().get('/api/locations')).status).toBe(401);
  });
});

describe('GET /api/locations/:id', () => {
  test('When the location does not exist, then 404; malformed id, then 400', async () => {
    expect(
      (
        await api()
          .get(`/api/locations/${'0'.repeat(24)}`)
          .set(coordinator.auth)
      ).status,
    ).toBe(404);
    expect((await api().get('/api/locations/123').set(coordinator.auth)).status).toBe(400);
  });

  test('When a driver reads a location, then it answers 403', async () => {
    const location = await buildLocation();
    expect((await api().get(`/api/locations/${location.id}`).set(driver.auth)).status).toBe(403);
    expect((await api().get(`/api/locations/${location.id}`)).status).toBe(401);
  });
});

describe('PATCH /api/locations/:id', () => {
  test('When a coordinator changes some fields, then only those change', async () => {
    const location = await buildLocation();
    const res = await api()
      .patch(`/api/locations/${location.id}`)
      .set(coordinator.auth)
      .send({ openingHours: 'Круглосуточно', position: null, contact: { name: 'Нурлан', phone: null } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: location.name,
      kind: location.kind,
      address: location.address,
      position: null,
      contact: { name: 'Нурлан', phone: null },
      openingHours: 'Круглосуточно',
    });
  });

  test('When a location is deactivated, then it stays readable', async () => {
    const location = await buildLocation();
    const res = await api().patch(`/api/locations/${location.id}`).set(organiser.auth).send({ active: false });
    expect(res.body.active).toBe(false);
    expect((await api().get(`/api/locations/${location.id}`).set(organiser.auth)).body.active).toBe(false);
  });

  test('When the patch is invalid, then 400 with the field path; unknown id, then 404', async () => {
    const location = await buildLocation();
    const bad = await api()
      .patch(`/api/locations/${location.id}`)
      .set(organiser.auth)
      .send({ position: { lat: 10 } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('body.position.lng');
    const missing = await api()
      .patch(`/api/locations/${'a'.repeat(24)}`)
      .set(organiser.auth)
      .send({ active: false });
    expect(missing.status).toBe(404);
  });

  test('When a driver changes a location, then it answers 403', async () => {
    const location = await buildLocation();
    expect((await api().patch(`/api/locations/${location.id}`).set(driver.auth).send({ active: false })).status).toBe(
      403,
    );
    expect((await api().patch(`/api/locations/${location.id}`).send({ active: false })).status).toBe(401);
  });
});
