import request from 'supertest';
import { pageSchema, volunteerDtoSchema, type Role, type VolunteerDto } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { buildVolunteer } from '../support/catalogue';
import { createUser, signedIn } from '../support/factories';

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
const paths = (res: request.Response) =>
  [...new Set<string>(res.body.details.map((d: { path: string }) => d.path))].sort();

/** Collects the volunteer.changed events the app publishes while `run` runs. */
async function changedDuring(run: () => Promise<unknown>): Promise<VolunteerDto[]> {
  const seen: VolunteerDto[] = [];
  const stop = app.karavan.events.subscribe('volunteer.changed', ({ volunteer }) => seen.push(volunteer));
  try {
    await run();
  } finally {
    stop();
  }
  return seen;
}

describe('POST /api/volunteers', () => {
  test.each<Role>(['organiser', 'coordinator'])(
    'When the %s registers a volunteer with skills, then it is stored and volunteer.changed is published',
    async (role) => {
      const body = {
        name: `Нурлан ${tag()}`,
        phone: '+996 700 111 222',
        languages: ['RU', 'ky', 'kk'],
        skills: {
          licenceCategories: ['b', 'C', 'CE'],
          vehicle: { kind: 'truck', plate: '01KG777AAA', capacityKg: 10000 },
          // A skill as one string (every language) or translated.
          other: ['loading', { ru: 'первая помощь', en: 'first aid' }],
        },
        availability: { available: false, note: 'в рейсе до 12 января' },
        notes: 'Знает дорогу через Кордай',
      };
      let res!: request.Response;
      const events = await changedDuring(async () => {
        res = await api().post('/api/volunteers').set(auth(role)).send(body);
      });
      expect(res.status).toBe(201);
      expect(volunteerDtoSchema.validate(res.body).error).toBeUndefined();
      expect(res.body).toMatchObject({
        name: body.name,
        phone: body.phone,
        languages: ['ru', 'ky', 'kk'],
        skills: {
          ...body.skills,
          licenceCategories: ['B', 'C', 'CE'],
          other: [
            { ru: 'loading', en: 'loading', ky: 'loading', kk: 'loading' },
            { ru: 'первая помощь', en: 'first aid' },
          ],
        },
        availability: body.availability,
        notes: body.notes,
        userId: null,
      });
      expect(events).toEqual([res.body]);
      expect((await api().get(`/api/volunteers/${res.body.id}`).set(auth(role))).body).toEqual(res.body);
    },
  );

  test('When only a name is given, then the volunteer is available with no skills', async () => {
    const res = await api()
      .post('/api/volunteers')
      .set(coordinator.auth)
      .send({ name: `Айгуль ${tag()}` });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      phone: null,
      languages: [],
      skills: { licenceCategories: [], vehicle: null, other: [] },
      availability: { available: true, note: null },
      notes: null,
      userId: null,
    });
  });

  test('When the volunteer is linked to a user, then the link is stored; a second volunteer for that user is 409', async () => {
    const { user } = await createUser({ role: 'driver' });
    const first = await api()
      .post('/api/volunteers')
      .set(coordinator.auth)
      .send({ name: `Водитель ${tag()}`, userId: user.id });
    expect(first.status).toBe(201);
    expect(first.body.userId).toBe(user.id);
    const second = await api()
      .post('/api/volunteers')
      .set(coordinator.auth)
      .send({ name: `Водитель ${tag()}`, userId: user.id });
    expect(second.status).toBe(409);
    expect(paths(second)).toEqual(['body.userId']);
  });

  test('When the user does not exist, then it answers 422 on userId', async () => {
    const res = await api()
      .post('/api/volunteers')
      .set(coordinator.auth)
      .send({ name: `Никто ${tag()}`, userId: '0'.repeat(24) });
    expect(res.status).toBe(422);
    expect(paths(res)).toEqual(['body.userId']);
  });

  test('When the body is invalid, then it answers 400 with every bad field', async () => {
    const res = await api()
      .post('/api/volunteers')
      .set(coordinator.auth)
      .send({
        name: 'Bad\u0007name',
        phone: 'none',
        languages: ['russian', 'ru', 'ru'],
        skills: { licenceCategories: ['Z'], vehicle: { plate: 'X', capacityKg: -5 }, other: ['a', 'A'] },
        availability: { note: 'x' },
        userId: 'me',
      });
    expect(res.status).toBe(400);
    expect(paths(res)).toEqual([
      'body.availability.available',
      'body.languages.0',
      'body.languages.2',
      'body.name',
      'body.phone',
      'body.skills.licenceCategories.0',
      'body.skills.other.1',
      'body.skills.vehicle.capacityKg',
      'body.skills.vehicle.kind',
      'body.userId',
    ]);
  });

  test('When a driver registers a volunteer, then it answers 403; without a token 401', async () => {
    const body = { name: `X ${tag()}` };
    expect((await api().post('/api/volunteers').set(driver.auth).send(body)).status).toBe(403);
    expect((await api().post('/api/volunteers').send(body)).status).toBe(401);
  });

  test('When the same Idempotency-Key is replayed, then only one volunteer exists and one event was published', async () => {
    const body = { name: `Повтор ${tag()}` };
    const key = `volunteer-${tag()}`;
    let first!: request.Response;
    let replay!: request.Response;
    const events = await changedDuring(async () => {
      first = await api().post('/api/volunteers').set(organiser.auth).set('Idempotency-Key', key).send(body);
      replay = await api().post('/api/volunteers').set(organiser.auth).set('Idempotency-Key', key).send(body);
    });
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(events).toHaveLength(1);
    const list = await api().get('/api/volunteers').query({ q: body.name }).set(organiser.auth);
    expect(list.body.total).toBe(1);
  });
});

describe('GET /api/volunteers', () => {
  test('When volunteers are filtered by skill, language, availability and text, then only matches come, by name', async () => {
    const t = tag();
    const trucker = await buildVolunteer({
      name: `B trucker ${t}`,
      languages: ['ru', 'kk'],
      skills: {
        licenceCategories: ['B', 'C', 'CE'],
        other: ['Loading', { ru: 'перевод', en: 'Translation', kk: 'аударма' }],
      },
    });
    const cook = await buildVolunteer({
      name: `A cook ${t}`,
      languages: ['ky'],
      skills: { licenceCategories: [], other: ['cooking', 'c'] },
      availability: { available: false },
    });
    const car = await buildVolunteer({
      name: `C car ${t}`,
      languages: ['ru', 'en'],
      skills: { licenceCategories: ['B'], vehicle: { kind: 'car', plate: null, capacityKg: 300 } },
    });
    const list = (query: Record<string, unknown>) =>
      api()
        .get('/api/volunteers')
        .query({ q: t, ...query })
        .set(coordinator.auth);

    const all = await list({});
    expect(pageSchema(volunteerDtoSchema, 'VolunteerPage').validate(all.body).error).toBeUndefined();
    expect(ids(all)).toEqual([cook.id, trucker.id, car.id]);
    expect(ids(await list({ skill: 'ce' }))).toEqual([trucker.id]);
    expect(ids(await list({ skill: 'C' }))).toEqual([cook.id, trucker.id]);
    expect(ids(await list({ skill: 'loading' }))).toEqual([trucker.id]);
    // A translated skill is found in any of its languages.
    expect(ids(await list({ skill: 'translation' }))).toEqual([trucker.id]);
    expect(ids(await list({ skill: 'АУДАРМА' }))).toEqual([trucker.id]);
    expect(ids(await list({ skill: 'Перевод' }))).toEqual([trucker.id]);
    expect(ids(await list({ skill: 'B' }))).toEqual([trucker.id, car.id]);
    expect(ids(await list({ language: 'ru' }))).toEqual([trucker.id, car.id]);
    expect(ids(await list({ language: 'KY' }))).toEqual([cook.id]);
    expect(ids(await list({ available: false }))).toEqual([cook.id]);
    expect(ids(await list({ available: true, skill: 'B', language: 'en' }))).toEqual([car.id]);
    const page = await list({ limit: 2, offset: 1 });
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 1 });
    expect(ids(page)).toEqual([trucker.id, car.id]);
    expect(
      ids(
        await api()
          .get('/api/volunteers')
          .query({ q: `CAR ${t}` })
          .set(coordinator.auth),
      ),
    ).toEqual([car.id]);
  });

  test('When the filters are invalid, then it answers 400 with the field paths', async () => {
    const res = await api()
      .get('/api/volunteers')
      .query({ language: 'russian', available: 'sometimes', q: 'x'.repeat(101), skill: 'a\u0000' })
      .set(coordinator.auth);
    expect(res.status).toBe(400);
    expect(paths(res)).toEqual(['query.available', 'query.language', 'query.q', 'query.skill']);
  });

  test('When a driver lists volunteers, then it answers 403; without a token 401', async () => {
    expect((await api().get('/api/volunteers').set(driver.auth)).status).toBe(403);
    expect((await api().get('/api/volunteers')).status).toBe(401);
  });
});

describe('GET /api/volunteers/:id', () => {
  test('When the volunteer does not exist, then 404; malformed id, then 400', async () => {
    expect(
      (
        await api()
          .get(`/api/volunteers/${'0'.repeat(24)}`)
          .set(coordinator.auth)
      ).status,
    ).toBe(404);
    expect((await api().get('/api/volunteers/nobody').set(coordinator.auth)).status).toBe(400);
  });

  test('When a driver reads a volunteer, even their own record, then it answers 403', async () => {
    const volunteer = await buildVolunteer({ userId: driver.user.id });
    expect((await api().get(`/api/volunteers/${volunteer.id}`).set(driver.auth)).status).toBe(403);
    expect((await api().get(`/api/volunteers/${volunteer.id}`)).status).toBe(401);
  });
});

describe('PATCH /api/volunteers/:id', () => {
  test('When skills and availability are patched, then only the given sub-fields change and an event is published', async () => {
    const volunteer = await buildVolunteer({ notes: 'старое' });
    let res!: request.Response;
    const events = await changedDuring(async () => {
      res = await api()
        .patch(`/api/volunteers/${volunteer.id}`)
        .set(coordinator.auth)
        .send({ skills: { other: ['translation'] }, availability: { available: false, note: 'болеет' } });
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: volunteer.name,
      notes: 'старое',
      skills: {
        licenceCategories: volunteer.skills.licenceCategories,
        vehicle: volunteer.skills.vehicle,
        other: [{ ru: 'translation', en: 'translation', ky: 'translation', kk: 'translation' }],
      },
      availability: { available: false, note: 'болеет' },
    });
    expect(events).toEqual([res.body]);
  });

  test('When the vehicle is removed and the user unlinked, then both are null', async () => {
    const { user } = await createUser({ role: 'driver' });
    const volunteer = await buildVolunteer({ userId: user.id });
    expect(volunteer.userId).toBe(user.id);
    const res = await api()
      .patch(`/api/volunteers/${volunteer.id}`)
      .set(organiser.auth)
      .send({ skills: { vehicle: null }, userId: null });
    expect(res.body.skills.vehicle).toBeNull();
    expect(res.body.userId).toBeNull();
    const relink = await buildVolunteer({ userId: user.id });
    expect(relink.userId).toBe(user.id);
  });

  test('When a volunteer is linked to a user another volunteer has, then 409; to its own user again, then 200', async () => {
    const { user } = await createUser({ role: 'coordinator' });
    const owner = await buildVolunteer({ userId: user.id });
    const other = await buildVolunteer();
    const taken = await api().patch(`/api/volunteers/${other.id}`).set(organiser.auth).send({ userId: user.id });
    expect(taken.status).toBe(409);
    expect(paths(taken)).toEqual(['body.userId']);
    const same = await api().patch(`/api/volunteers/${owner.id}`).set(organiser.auth).send({ userId: user.id });
    expect(same.status).toBe(200);
  });

  test('When the patch is empty or invalid, then 400; unknown volunteer, then 404', async () => {
    const volunteer = await buildVolunteer();
    expect((await api().patch(`/api/volunteers/${volunteer.id}`).set(organiser.auth).send({})).status).toBe(400);
    const bad = await api()
      .patch(`/api/volunteers/${volunteer.id}`)
      .set(organiser.auth)
      .send({ availability: { note: 'нет' } });
    expect(paths(bad)).toEqual(['body.availability.available']);
    const missing = await api()
      .patch(`/api/volunteers/${'e'.repeat(24)}`)
      .set(organiser.auth)
      .send({ notes: null });
    expect(missing.status).toBe(404);
  });

  test('When a driver changes a volunteer, then it answers 403', async () => {
    const volunteer = await buildVolunteer();
    expect((await api().patch(`/api/volunteers/${volunteer.id}`).set(driver.auth).send({ notes: 'x' })).status).toBe(
      403,
    );
    expect((await api().patch(`/api/volunteers/${volunteer.id}`).send({ notes: 'x' })).status).toBe(401);
  });
});

describe('Volunteer input the schema refuses', () => {
  test('When other skills mix numbers into the list, then it answers 400, not 500', async () => {
    const res = await api()
      .post('/api/volunteers')
      .set(organiser.auth)
      .send({ name: 'Смешанный', skills: { other: ['0', 0, '0', 0] } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });
});
