import mongoose from 'mongoose';
import request from 'supertest';
import { reconcileStock } from '../../server/src/stock';
import { startTestApp, type TestApp } from '../support/app';
import { login } from '../support/factories';
import { DEMO_PASSWORD, seedDemo } from '../support/seed';
import { createUser } from '../support/factories';

const counts = async () => {
  const db = mongoose.connection.db!;
  const out: Record<string, number> = {};
  for (const name of [
    'users',
    'items',
    'locations',
    'campaigns',
    'volunteers',
    'donations',
    'movements',
    'shipments',
    'balances',
    'events',
  ]) {
    out[name] = await db.collection(name).countDocuments();
  }
  return out;
};

describe('npm run seed (the January 2022 drive)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  test('When the demo is seeded twice, then the second run adds nothing and the ledger reconciles', async () => {
    const first = await seedDemo();
    expect(first.result.drive.donations.created).toBeGreaterThan(40);
    expect(first.result.drive.shipments.created).toBe(4);
    expect(first.output).toMatch(/driver\s+nurlan@demo\.karavan/);
    expect(first.output).toMatch(/organiser\s+aigul@demo\.karavan/);
    expect(first.output).toMatch(/coordinator\s+bakyt@demo\.karavan/);
    const before = await counts();
    expect(before.events).toBeGreaterThan(0); // live events stored as the API stores them

    // Later (the next hour, the next day): the same story, nothing added.
    const second = await seedDemo({ now: new Date(Date.now() + 5 * 3_600_000) });
    expect(second.result.users.created).toBe(0);
    expect(second.result.catalogue.created).toBe(0);
    expect(second.result.drive.donations.created).toBe(0);
    expect(second.result.drive.shipments.created).toBe(0);
    const after = await counts();
    expect({ ...after, events: 0 }).toEqual({ ...before, events: 0 });

    const report = await reconcileStock();
    expect(report.differences).toEqual([]);
    expect(report.movements).toBe(before.movements);
  });

  test('When the demo is seeded, then the dashboard numbers tell the story: every stage and a shortfall written off', async () => {
    await seedDemo();
    const token = (await login(app.url, 'aigul@demo.karavan', DEMO_PASSWORD)).accessToken;
    const auth = { Authorization: `Bearer ${token}` };
    const campaigns = await request(app.url).get('/api/campaigns').set(auth);
    const campaign = campaigns.body.items.find((c: { name: { en?: string } }) => /January 2022/.test(c.name.en ?? ''));
    expect(campaign.targets.map((t: { quantity: number }) => t.quantity)).toEqual([15000, 15000, 5000]);
    const shipments = await request(app.url).get('/api/shipments').query({ campaignId: campaign.id }).set(auth);
    expect(shipments.body.items.map((s: { status: string }) => s.status).sort()).toEqual(
      ['at_checkpoint', 'delivered', 'loading', 'planned'].sort(),
    );
    const progress = (await request(app.url).get(`/api/campaigns/${campaign.id}/progress`).set(auth)).body;
    for (const item of progress.items) {
      expect(item.donated).toBe(item.onHand + item.inTransit + item.delivered + item.writtenOff);
    }
    const bread = progress.items[0];
    expect(bread.donated).toBeGreaterThan(10_000);
    expect(bread.delivered).toBeGreaterThan(0);
    expect(bread.inTransit).toBeGreaterThan(0);
    expect(bread.reserved).toBeGreaterThan(0);
    expect(bread.writtenOff).toBe(20);
    // Nothing has expired on the day the seed runs, and some bread is inside each alert window.
    for (const item of progress.items) {
      expect(item.expired).toBe(0);
      expect(item.usable).toBe(item.onHand);
    }
    const soon = await request(app.url).get('/api/stock').query({ expiringWithinHours: 48, limit: 200 }).set(auth);
    const hoursLeft = soon.body.items.map(
      (row: { expiresAt: string }) => (new Date(row.expiresAt).getTime() - Date.now()) / 3_600_000,
    );
    expect(soon.body.items.every((row: { expired: boolean }) => !row.expired)).toBe(true);
    expect(hoursLeft.some((h: number) => h > 0 && h <= 24)).toBe(true);
    expect(hoursLeft.some((h: number) => h > 24 && h <= 48)).toBe(true);
    // The driver sees the assigned trucks only.
    const driver = (await login(app.url, 'nurlan@demo.karavan', DEMO_PASSWORD)).accessToken;
    const own = await request(app.url).get('/api/shipments').set('Authorization', `Bearer ${driver}`);
    expect(own.body.items).toHaveLength(1);
  });

  test('When --reset is asked on a database not marked as demo, then it is refused unless forced', async () => {
    await mongoose.connection.db!.collection('settings').deleteOne({ _id: 'demo' as never });
    await createUser({ role: 'organiser' });
    await expect(seedDemo({ reset: true })).rejects.toThrow(/not marked as demo/);
    expect(await mongoose.connection.db!.collection('users').countDocuments()).toBeGreaterThan(5);
    const forced = await seedDemo({ reset: true, force: true });
    expect(forced.output).toMatch(/Emptied the database/);
    expect(await mongoose.connection.db!.collection('users').countDocuments()).toBe(5);
    // Now marked as demo: a reset needs no force.
    const again = await seedDemo({ reset: true });
    expect(again.result.drive.shipments.created).toBe(4);
    expect((await reconcileStock()).differences).toEqual([]);
  });

  test('When synthetic data is generated in bulk, then the ledger, its index and the totals reconcile', async () => {
    const { result } = await seedDemo({ scale: 3000 });
    const s = result.synthetic!;
    expect(s.donations).toBe(3000);
    expect(s.movements).toBe(6000);
    const report = await reconcileStock();
    expect(report.differences).toEqual([]);
    const token = (await login(app.url, 'aigul@demo.karavan', DEMO_PASSWORD)).accessToken;
    const progress = (
      await request(app.url).get(`/api/campaigns/${s.campaignId}/progress`).set('Authorization', `Bearer ${token}`)
    ).body;
    expect(progress.items.reduce((n: number, i: { donated: number }) => n + i.donated, 0)).toBeGreaterThan(3000);
    const page = await request(app.url)
      .get('/api/movements')
      .query({ campaignId: s.campaignId, limit: 5 })
      .set('Authorization', `Bearer ${token}`);
    expect(page.body.items).toHaveLength(5);
  });
});
