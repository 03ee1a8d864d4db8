import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import request from 'supertest';
import { pageSchema, userDtoSchema, type Role } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { createUser, login, signedIn } from '../support/factories';
import { buildLocation } from '../support/catalogue';
import { TTL_TEST_TIMEOUT_MS, untilExpired } from '../support/ttl';

let app: TestApp;
let organiser: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp();
  organiser = await signedIn(app.url, { role: 'organiser', name: 'Aigul Organiser' });
});
afterAll(() => app.close());

const api = () => request(app.url);
const newUserBody = (overrides: Record<string, unknown> = {}) => ({
  email: `new-${Math.random().toString(36).slice(2)}@test.karavan`,
  name: 'Nurlan Driver',
  role: 'driver',
  password: 'initial password',
  ...overrides,
});

describe('POST /api/users', () => {
  test('When an organiser creates a user, then it is stored and must change its password at first login', async () => {
    const body = newUserBody({ email: 'Nurlan@Test.Karavan', phone: '+996 555 123 456', locale: 'en' });
    const res = await api().post('/api/users').set(organiser.auth).send(body);
    expect(res.status).toBe(201);
    expect(userDtoSchema.validate(res.body).error).toBeUndefined();
    expect(res.body).toMatchObject({
      email: 'nurlan@test.karavan',
      role: 'driver',
      mustChangePassword: true,
      locale: 'en',
      active: true,
    });
    const tokens = await login(app.url, 'nurlan@test.karavan', 'initial password');
    expect(tokens.user.mustChangePassword).toBe(true);
  });

  test.each<Role>(['coordinator', 'driver'])(
    'When a %s tries to create a user, then it answers 403 and creates nothing',
    async (role) => {
      const { auth } = await signedIn(app.url, { role });
      const body = newUserBody({ role: 'organiser' });
      const res = await api().post('/api/users').set(auth).send(body);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
      const list = await api().get('/api/users').query({ q: body.email }).set(organiser.auth);
      expect(list.body.total).toBe(0);
    },
  );

  test('When the body is invalid, then it answers 400 with every bad field and stores nothing', async () => {
    const res = await api()
      .post('/api/users')
      .set(organiser.auth)
      .send({ email: 'nope', name: '', role: 'admin', password: 'short', extra: 1 });
    expect(res.status).toBe(400);
    const paths = res.body.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['body.email', 'body.extra', 'body.name', 'body.password', 'body.role']);
  });

  test('When the initial password is one of the most common, then it answers 400 naming it and creates nothing', async () => {
    const body = newUserBody({ password: 'Qwertyuiop' });
    const res = await api().post('/api/users').set(organiser.auth).send(body);
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ path: 'body.password', type: 'password.common' })]);
    expect((await api().get('/api/users').query({ q: body.email }).set(organiser.auth)).body.total).toBe(0);
  });

  test('When the same Idempotency-Key is replayed, then the first response returns and only one user exists', async () => {
    const body = newUserBody();
    const first = await api().post('/api/users').set(organiser.auth).set('Idempotency-Key', 'create-user-1').send(body);
    const replay = await api()
      .post('/api/users')
      .set(organiser.auth)
      .set('Idempotency-Key', 'create-user-1')
      .send(body);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const list = await api().get('/api/users').query({ q: body.email }).set(organiser.auth);
    expect(list.body.total).toBe(1);
  });

  test('When an Idempotency-Key is reused with another body, then it answers 422 and creates nothing', async () => {
    const first = newUserBody();
    const other = newUserBody();
    await api().post('/api/users').set(organiser.auth).set('Idempotency-Key', 'create-user-2').send(first).expect(201);
    const res = await api().post('/api/users').set(organiser.auth).set('Idempotency-Key', 'create-user-2').send(other);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await api().get('/api/users').query({ q: other.email }).set(organiser.auth)).body.total).toBe(0);
  });

  test('When the first attempt failed, then the same key may be retried after fixing the cause', async () => {
    const { user } = await createUser();
    const body = newUserBody({ email: user.email });
    const conflict = await api()
      .post('/api/users')
      .set(organiser.auth)
      .set('Idempotency-Key', 'retry-after-409')
      .send(body);
    expect(conflict.status).toBe(409);
    await api().patch(`/api/users/${user.id}`).set(organiser.auth).send({ name: 'Renamed' }).expect(200);
    // Same key and body: the failure was not remembered, so the request runs again (and fails again).
    const again = await api()
      .post('/api/users')
      .set(organiser.auth)
      .set('Idempotency-Key', 'retry-after-409')
      .send(body);
    expect(again.status).toBe(409);
  });

  test('When the same create is sent twice at once with one key, then exactly one user is created', async () => {
    const body = newUserBody();
    const send = () => api().post('/api/users').set(organiser.auth).set('Idempotency-Key', 'concurrent-1').send(body);
    const responses = await Promise.all([send(), send(), send()]);
    // Each answer is the creation, its replay, or "still in progress, retry".
    for (const res of responses) expect([201, 409]).toContain(res.status);
    for (const res of responses.filter((r) => r.status === 409)) expect(res.body.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    expect(responses.filter((r) => r.status === 201 && !r.headers['idempotent-replayed'])).toHaveLength(1);
    expect((await api().get('/api/users').query({ q: body.email }).set(organiser.auth)).body.total).toBe(1);
    const retry = await send();
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  test('When a user is created with an Idempotency-Key, then the stored record holds neither the password nor a plain hash of the body', async () => {
    const body = newUserBody({ password: 'secret initial password' });
    const key = `no-secrets-${Math.random().toString(36).slice(2)}`;
    const first = await api().post('/api/users').set(organiser.auth).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    const record = await mongoose.connection
      .collection<{ _id: string; fingerprint: string }>('idempotency_records')
      .findOne({ _id: `${organiser.user.id}:${key}` });
    expect(record).not.toBeNull();
    const stored = JSON.stringify(record);
    expect(stored).not.toContain('secret initial password');
    const sorted = (v: Record<string, unknown>) =>
      `{${Object.keys(v)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${JSON.stringify(v[k])}`)
        .join(',')}}`;
    const plain = createHash('sha256')
      .update(`POST /api/users\n${sorted(body)}`)
      .digest('hex');
    expect(record!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(record!.fingerprint).not.toBe(plain);
  });

  test(
    'When a phone retries after two days offline, then the key still replays; after 72 hours the database expires it (TTL)',
    async () => {
      const body = newUserBody();
      const key = `offline-${Math.random().toString(36).slice(2)}`;
      const first = await api().post('/api/users').set(organiser.auth).set('Idempotency-Key', key).send(body);
      expect(first.status).toBe(201);
      const records = mongoose.connection.collection<{
        _id: string;
        fingerprint?: string;
        state?: string;
        createdAt?: Date;
      }>('idempotency_records');
      const id = `${organiser.user.id}:${key}`;
      await records.updateOne({ _id: id }, { $set: { createdAt: new Date(Date.now() - 48 * 3600_000) } });
      const replay = await api().post('/api/users').set(organiser.auth).set('Idempotency-Key', key).send(body);
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.id).toBe(first.body.id);

      // 71 hours old: kept (checked after the first expiry below, so a sweep has run meanwhile).
      await records.updateOne({ _id: id }, { $set: { createdAt: new Date(Date.now() - 71 * 3600_000) } });
      const other = `${organiser.user.id}:expired-${key}`;
      await records.insertOne({
        _id: other,
        fingerprint: 'x',
        state: 'done',
        createdAt: new Date(Date.now() - 73 * 3600_000),
      });
      expect(await untilExpired(async () => (await records.countDocuments({ _id: other })) === 0)).toBe(true);
      expect(await records.countDocuments({ _id: id })).toBe(1);
      await records.updateOne({ _id: id }, { $set: { createdAt: new Date(Date.now() - 73 * 3600_000) } });
      expect(await untilExpired(async () => (await records.countDocuments({ _id: id })) === 0)).toBe(true);
    },
    TTL_TEST_TIMEOUT_MS,
  );

  test('When two callers use the same Idempotency-Key, then each gets their own result', async () => {
    const other = await signedIn(app.url, { role: 'organiser' });
    const a = await api()
      .post('/api/users')
      .set(organiser.auth)
      .set('Idempotency-Key', 'shared-key')
      .send(newUserBody());
    const b = await api().post('/api/users').set(other.auth).set('Idempotency-Key', 'shared-key').send(newUserBody());
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
  });
});

describe('GET /api/users', () => {
  test('When an organiser lists users, then they get a page sorted by name, filterable by role and text', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    await createUser({ role: 'driver', name: `Zarina ${tag}` });
    await createUser({ role: 'driver', name: `Bakyt ${tag}` });
    await createUser({ role: 'coordinator', name: `Aibek ${tag}` });
    const res = await api().get('/api/users').query({ q: tag, role: 'driver', limit: 10 }).set(organiser.auth);
    expect(res.status).toBe(200);
    expect(pageSchema(userDtoSchema, 'UserPage').validate(res.body).error).toBeUndefined();
    expect(res.body.items.map((u: { name: string }) => u.name)).toEqual([`Bakyt ${tag}`, `Zarina ${tag}`]);
    expect(res.body.total).toBe(2);
    const page2 = await api().get('/api/users').query({ q: tag, limit: 1, offset: 1 }).set(organiser.auth);
    expect(page2.body).toMatchObject({ total: 3, limit: 1, offset: 1, items: [{ name: `Bakyt ${tag}` }] });
  });

  test('When the query is invalid, then it answers 400 naming the parameter', async () => {
    const res = await api().get('/api/users').query({ limit: 0, role: 'king' }).set(organiser.auth);
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['query.limit', 'query.role']);
  });

  test.each<Role>(['coordinator', 'driver'])('When a %s lists users, then it answers 403', async (role) => {
    const { auth } = await signedIn(app.url, { role });
    expect((await api().get('/api/users').set(auth)).status).toBe(403);
  });
});

describe('GET /api/users/:id', () => {
  test('When an organiser reads a user, then they get it; others get 403', async () => {
    const { user } = await createUser();
    expect((await api().get(`/api/users/${user.id}`).set(organiser.auth)).body.email).toBe(user.email);
    const { auth } = await signedIn(app.url, { role: 'coordinator' });
    expect((await api().get(`/api/users/${user.id}`).set(auth)).status).toBe(403);
  });

  test('When the id is malformed or unknown, then it answers 400 or 404', async () => {
    const bad = await api().get('/api/users/not-an-id').set(organiser.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('params.id');
    const missing = await api().get('/api/users/0123456789abcdef01234567').set(organiser.auth);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
  });
});

describe('PATCH /api/users/:id', () => {
  test('When an organiser changes a role, then the user has the new rights at once', async () => {
    const coordinator = await signedIn(app.url, { role: 'coordinator' });
    expect((await api().get('/api/users').set(coordinator.auth)).status).toBe(403);
    const res = await api().patch(`/api/users/${coordinator.user.id}`).set(organiser.auth).send({ role: 'organiser' });
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('organiser');
    expect((await api().get('/api/users').set(coordinator.auth)).status).toBe(200);
  });

  test('When an organiser disables a user, then the user is signed out everywhere and cannot sign in', async () => {
    const driver = await signedIn(app.url, { role: 'driver' });
    const res = await api().patch(`/api/users/${driver.user.id}`).set(organiser.auth).send({ active: false });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect((await api().get('/api/users/me').set(driver.auth)).status).toBe(401);
    expect((await api().post('/api/auth/refresh').send({ refreshToken: driver.tokens.refreshToken })).status).toBe(401);
    expect(
      (await api().post('/api/auth/login').send({ email: driver.user.email, password: driver.password })).status,
    ).toBe(401);

    await api().patch(`/api/users/${driver.user.id}`).set(organiser.auth).send({ active: true }).expect(200);
    await login(app.url, driver.user.email, driver.password);
  });

  test('When an organiser tries to change their own role or disable themselves, then it answers 403', async () => {
    const self = `/api/users/${organiser.user.id}`;
    expect((await api().patch(self).set(organiser.auth).send({ role: 'driver' })).status).toBe(403);
    expect((await api().patch(self).set(organiser.auth).send({ active: false })).status).toBe(403);
    expect((await api().get('/api/users/me').set(organiser.auth)).body).toMatchObject({
      role: 'organiser',
      active: true,
    });
  });

  test('When an organiser names their own account with an upper-case id, then it is still their own: 403', async () => {
    const self = await signedIn(app.url, { role: 'organiser' });
    const upper = `/api/users/${self.user.id.toUpperCase()}`;
    expect(upper).not.toBe(`/api/users/${self.user.id}`);
    expect((await api().patch(upper).set(self.auth).send({ role: 'driver' })).status).toBe(403);
    expect((await api().patch(upper).set(self.auth).send({ active: false })).status).toBe(403);
    expect((await api().put(`${upper}/password`).set(self.auth).send({ password: 'my own new password' })).status).toBe(
      403,
    );
    expect((await api().get('/api/users/me').set(self.auth)).body).toMatchObject({ role: 'organiser', active: true });
    // Other users' upper-case ids are the same ids, in canonical form.
    const { user } = await createUser();
    const read = await api().get(`/api/users/${user.id.toUpperCase()}`).set(self.auth);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(user.id);
  });

  test.each<Role>(['coordinator', 'driver'])(
    'When a %s tries to change another user, then it answers 403 and nothing changes',
    async (role) => {
      const { user } = await createUser({ role: 'driver', name: 'Unchanged' });
      const { auth } = await signedIn(app.url, { role });
      expect((await api().patch(`/api/users/${user.id}`).set(auth).send({ name: 'Changed' })).status).toBe(403);
      expect((await api().get(`/api/users/${user.id}`).set(organiser.auth)).body.name).toBe('Unchanged');
    },
  );

  test('When the patch is empty, then it answers 400', async () => {
    const { user } = await createUser();
    expect((await api().patch(`/api/users/${user.id}`).set(organiser.auth).send({})).status).toBe(400);
  });
});

describe('PUT /api/users/:id/password', () => {
  test('When an organiser resets a password, then the old one stops working and the new one must be changed', async () => {
    const driver = await signedIn(app.url, { role: 'driver' });
    const res = await api()
      .put(`/api/users/${driver.user.id}/password`)
      .set(organiser.auth)
      .send({ password: 'temporary password' });
    expect(res.status).toBe(200);
    expect(res.body.mustChangePassword).toBe(true);
    expect((await api().get('/api/users/me').set(driver.auth)).status).toBe(401);
    expect(
      (await api().post('/api/auth/login').send({ email: driver.user.email, password: driver.password })).status,
    ).toBe(401);
    expect((await login(app.url, driver.user.email, 'temporary password')).user.mustChangePassword).toBe(true);
  });

  test('When the temporary password is one of the most common, then it answers 400 and the old one stays', async () => {
    const { user, password } = await createUser();
    const res = await api().put(`/api/users/${user.id}/password`).set(organiser.auth).send({ password: '1q2w3e4r5t' });
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toBe('body.password');
    await login(app.url, user.email, password);
  });

  test.each<Role>(['coordinator', 'driver'])(
    'When a %s tries to reset a password, then it answers 403',
    async (role) => {
      const { user, password } = await createUser();
      const { auth } = await signedIn(app.url, { role });
      expect(
        (await api().put(`/api/users/${user.id}/password`).set(auth).send({ password: 'hijacked password' })).status,
      ).toBe(403);
      await login(app.url, user.email, password);
    },
  );
});

describe('GET and PATCH /api/users/me', () => {
  test.each<Role>(['organiser', 'coordinator', 'driver'])(
    'When a %s updates their own profile, then name, language and phone change',
    async (role) => {
      const { auth } = await signedIn(app.url, { role });
      const res = await api()
        .patch('/api/users/me')
        .set(auth)
        .send({ name: 'Асель', locale: 'en', phone: '+7 701 000 00 00' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'Асель', locale: 'en', phone: '+7 701 000 00 00', role });
    },
  );

  test.each<Role>(['coordinator', 'driver'])(
    'When a %s tries to raise their own role, then it answers 400 and the role stays',
    async (role) => {
      const { auth } = await signedIn(app.url, { role });
      const res = await api().patch('/api/users/me').set(auth).send({ role: 'organiser' });
      expect(res.status).toBe(400);
      expect(res.body.details[0].path).toBe('body.role');
      const active = await api().patch('/api/users/me').set(auth).send({ active: false });
      expect(active.status).toBe(400);
      expect((await api().get('/api/users/me').set(auth)).body).toMatchObject({ role, active: true });
    },
  );
});

describe('The places a user works at', () => {
  test('When an organiser sets the places of a coordinator, then they are kept and shown; a place that does not exist is 422 and changes nothing', async () => {
    const organiser = await signedIn(app.url, { role: 'organiser' });
    const coordinator = await signedIn(app.url, { role: 'coordinator' });
    const place = await buildLocation({ kind: 'collection_point' });
    const set = await request(app.url)
      .patch(`/api/users/${coordinator.user.id}`)
      .set(organiser.auth)
      .send({ locationIds: [place.id] })
      .expect(200);
    expect(set.body.locationIds).toEqual([place.id]);
    const missing = await request(app.url)
      .patch(`/api/users/${coordinator.user.id}`)
      .set(organiser.auth)
      .send({ locationIds: [place.id, '0123456789abcdef01234567'] })
      .expect(422);
    expect(missing.body.details).toEqual([expect.objectContaining({ path: 'body.locationIds.1' })]);
    const now = await request(app.url).get(`/api/users/${coordinator.user.id}`).set(organiser.auth).expect(200);
    expect(now.body.locationIds).toEqual([place.id]);
    // Not the coordinator's own to change.
    await request(app.url).patch('/api/users/me').set(coordinator.auth).send({ locationIds: [] }).expect(400);
  });
});
