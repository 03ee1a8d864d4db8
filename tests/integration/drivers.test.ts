import request from 'supertest';
import { driverDtoSchema } from '@karavan/shared';
import { User } from '../../server/src/users/users.model';
import { startTestApp, type TestApp } from '../support/app';
import { createUser, signedIn } from '../support/factories';

// GET /api/drivers: the driver picker of those who plan shipments (coordinators may not list users).

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('GET /api/drivers', () => {
  test('When a coordinator lists drivers, then active drivers come by name with id, name and phone only', async () => {
    const coordinator = await signedIn(app.url, { role: 'coordinator' });
    const tag = `Z${Date.now()}`;
    const b = await createUser({ role: 'driver', name: `${tag} Бакыт` });
    const a = await createUser({ role: 'driver', name: `${tag} Айбек` });
    await User.updateOne({ _id: a.user.id }, { $set: { phone: '+996555123456' } });
    await createUser({ role: 'driver', name: `${tag} Уволен`, active: false });
    await createUser({ role: 'coordinator', name: `${tag} Координатор` });

    const res = await request(app.url).get('/api/drivers').query({ q: tag }).set(coordinator.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(res.body.items).toEqual([
      { id: a.user.id, name: `${tag} Айбек`, phone: '+996555123456' },
      { id: b.user.id, name: `${tag} Бакыт`, phone: null },
    ]);
    for (const item of res.body.items) expect(driverDtoSchema.validate(item).error).toBeUndefined();

    const second = await request(app.url)
      .get('/api/drivers')
      .query({ q: tag, limit: 1, offset: 1 })
      .set(coordinator.auth);
    expect(second.body).toMatchObject({ total: 2, limit: 1, offset: 1, items: [{ id: b.user.id }] });
  });

  test('When a driver or an unsigned caller asks, then 403 and 401; an organiser may', async () => {
    const driver = await signedIn(app.url, { role: 'driver' });
    const organiser = await signedIn(app.url, { role: 'organiser' });
    expect((await request(app.url).get('/api/drivers').set(driver.auth)).status).toBe(403);
    expect((await request(app.url).get('/api/drivers')).status).toBe(401);
    expect((await request(app.url).get('/api/drivers').set(organiser.auth)).status).toBe(200);
  });

  test('When the query breaks its schema, then 400 names the field', async () => {
    const coordinator = await signedIn(app.url, { role: 'coordinator' });
    const res = await request(app.url).get('/api/drivers').query({ limit: 500 }).set(coordinator.auth);
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toBe('query.limit');
  });
});
