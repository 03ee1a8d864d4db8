import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { stockWorld, type StockWorld } from '../support/stock';

let app: TestApp;
let w: StockWorld;
beforeAll(async () => {
  app = await startTestApp();
  w = await stockWorld(app.url);
});
afterAll(() => app.close());

const overTime = (campaignId: string, auth: Record<string, string>, hours = 48) =>
  request(app.url).get(`/api/campaigns/${campaignId}/donations-over-time`).query({ hours }).set(auth);

describe('GET /api/campaigns/:id/donations-over-time', () => {
  test('When donations are recorded and one is voided, then the current hour counts the ones that stand', async () => {
    const before = await overTime(w.campaign.id, w.organiser.auth).expect(200);
    const last = before.body.buckets.at(-1);
    const first = await w.donate([{ itemId: w.bread.id, quantity: 10 }]);
    await w.donate([{ itemId: w.bread.id, quantity: 5 }]);
    await request(app.url)
      .post(`/api/donations/${first.id}/void`)
      .set(w.organiser.auth)
      .send({ reason: 'recorded twice' })
      .expect(200);
    // The counters are updated after the write (an event listener): wait for them.
    let now = last;
    for (let i = 0; i < 50; i += 1) {
      const res = await overTime(w.campaign.id, w.organiser.auth).expect(200);
      expect(res.body.buckets).toHaveLength(48);
      now = res.body.buckets.at(-1);
      if (now.donations === last.donations + 1 && now.quantity === last.quantity + 5) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(now).toEqual({ at: last.at, local: last.local, donations: last.donations + 1, quantity: last.quantity + 5 });
  });

  test('When a driver or a stranger asks, then the answer is 403 or 401; an unknown campaign is 404', async () => {
    expect((await overTime(w.campaign.id, w.driver.auth)).status).toBe(403);
    expect((await request(app.url).get(`/api/campaigns/${w.campaign.id}/donations-over-time`)).status).toBe(401);
    expect((await overTime('0123456789abcdef01234567', w.organiser.auth)).status).toBe(404);
    expect((await overTime(w.campaign.id, w.organiser.auth, 0)).status).toBe(400);
  });
});

describe('GET /api/public/campaigns/:id', () => {
  test('When a campaign is not public, then it is 404 even for an organiser; public, it needs no sign-in', async () => {
    expect((await request(app.url).get(`/api/public/campaigns/${w.campaign.id}`)).status).toBe(404);
    const organiser = await signedIn(app.url, { role: 'organiser' });
    await request(app.url)
      .patch(`/api/campaigns/${w.campaign.id}`)
      .set(organiser.auth)
      .send({ public: true })
      .expect(200);
    const res = await request(app.url).get(`/api/public/campaigns/${w.campaign.id}`).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=30, stale-while-revalidate=30');
    expect(res.body.id).toBe(w.campaign.id);
    for (const need of res.body.needs) expect(need.needed).toBe(Math.max(0, need.target - need.collected));
  });
});
