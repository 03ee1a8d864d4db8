import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import mongoose from 'mongoose';
import request from 'supertest';
import type { DonationDto, StockRowDto } from '@karavan/shared';
import { Balance, CampaignTotal } from '../../server/src/stock';
import { startTestApp, type TestApp } from '../support/app';
import { expectLedgerConsistent, expectProgressInvariant, stockWorld, type StockWorld } from '../support/stock';

let app: TestApp;
let w: StockWorld;
beforeAll(async () => {
  app = await startTestApp();
  w = await stockWorld(app.url);
});
afterAll(() => app.close());

describe('POST /api/admin/reconcile', () => {
  test('When the totals match the ledger, then an organiser gets a report without differences', async () => {
    await w.donate([{ itemId: w.bread.id, quantity: 5 }]);
    const res = await request(app.url).post('/api/admin/reconcile').set(w.organiser.auth).expect(200);
    expect(res.body).toMatchObject({ differences: [], inFlight: 0, fixed: false });
    expect(res.body.movements).toBeGreaterThan(0);
    expect(res.body.balances).toBeGreaterThan(0);
  });

  test('When a coordinator or a driver asks, then it is 403', async () => {
    await request(app.url).post('/api/admin/reconcile').set(w.coordinator.auth).expect(403);
    await request(app.url).post('/api/admin/reconcile').set(w.driver.auth).expect(403);
    await request(app.url).post('/api/admin/reconcile').expect(401);
  });

  test('When totals were changed behind the ledger, then every difference is reported, and fixed on request', async () => {
    const donation = await w.donate([{ itemId: w.kefir.id, quantity: 8 }]);
    const balanceId = `${w.point.id}:${donation.lines[0]!.lotId}`;
    const totalId = `${w.campaign.id}:${w.kefir.id}`;
    await Balance.collection.updateOne({ _id: balanceId } as never, { $inc: { onHand: 2, available: 2 } });
    await CampaignTotal.collection.updateOne({ _id: totalId } as never, { $inc: { delivered: 1 } });
    const res = await request(app.url).post('/api/admin/reconcile').set(w.organiser.auth).expect(200);
    expect(res.body.differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ collection: 'balances', id: balanceId, field: 'onHand' }),
        expect.objectContaining({ collection: 'balances', id: balanceId, field: 'available' }),
        { collection: 'campaign_totals', id: totalId, field: 'delivered', stored: 1, fromLedger: 0 },
      ]),
    );
    expect(res.body.differences).toHaveLength(3);
    const fixed = await request(app.url)
      .post('/api/admin/reconcile')
      .query({ fix: true })
      .set(w.organiser.auth)
      .expect(200);
    expect(fixed.body.fixed).toBe(true);
    await expectLedgerConsistent();
  });
});

describe('npm run reconcile', () => {
  test('When run against a database with a difference, then it prints it, exits 2, and --fix repairs it', async () => {
    const donation = await w.donate([{ itemId: w.water.id, quantity: 3 }]);
    const balanceId = `${w.point.id}:${donation.lines[0]!.lotId}`;
    await Balance.collection.updateOne({ _id: balanceId } as never, { $inc: { onHand: -1, available: -1 } });
    const uri = new URL(process.env.KARAVAN_TEST_MONGODB_URI!);
    uri.pathname = `/${mongoose.connection.name}`;
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(__dirname, '../../server/dist/stock/reconcile.run.js'), ...args], {
        env: { ...process.env, MONGODB_URI: uri.toString(), LOG_LEVEL: 'silent', NODE_ENV: 'test' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const check = run();
    expect(check.stderr).toBe('');
    expect(check.status).toBe(2);
    expect(check.stdout).toContain(`balances ${balanceId} onHand: stored`);
    expect(run('--fix').status).toBe(2);
    const clean = run();
    expect(clean.stdout).toContain('No differences');
    expect(clean.status).toBe(0);
  });
});

// Random sequences of donations, write-offs, adjustments and voids through the API, checked
// against a model of what each lot holds: every answer is the one the model predicts (201/200 or
// 409, never anything else), the stock equals the model, donated = onHand + inTransit +
// delivered + writtenOff, and the reconcile finds nothing.
type Command =
  | { kind: 'donate'; item: 0 | 1 | 2; quantity: number; pack: boolean; at: 0 | 1 }
  | { kind: 'writeOff'; pick: number; quantity: number }
  | { kind: 'adjust'; pick: number; counted: number }
  | { kind: 'void'; pick: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('donate' as const),
    item: fc.constantFrom(0 as const, 1 as const, 2 as const),
    quantity: fc.integer({ min: 1, max: 30 }),
    pack: fc.boolean(),
    at: fc.constantFrom(0 as const, 1 as const),
  }),
  fc.record({ kind: fc.constant('writeOff' as const), pick: fc.nat(), quantity: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('adjust' as const), pick: fc.nat(), counted: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
);

describe('Random sequences of stock operations', () => {
  test('When any sequence of donations, write-offs, adjustments and voids runs, then the ledger, the totals and a model agree', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 15 }), async (commands) => {
        const campaign = await request(app.url)
          .post('/api/campaigns')
          .set(w.organiser.auth)
          .send({
            name: `Property ${Date.now()}-${Math.random()}`,
            status: 'active',
            targets: [{ itemId: w.bread.id, quantity: 100 }],
          })
          .expect(201);
        const campaignId = campaign.body.id as string;
        const items = [w.bread, w.milk, w.water];
        const locations = [w.point.id, w.warehouse.id];
        const onHand = new Map<string, number>(); // `${locationId}:${lotId}` -> model
        const donations: DonationDto[] = [];
        const voided = new Set<string>();
        const keys = () => [...onHand.keys()];

        for (const c of commands) {
          if (c.kind === 'donate') {
            const item = items[c.item]!;
            const unit = c.pack && item.packs[0] ? item.packs[0].unit : undefined;
            const res = await request(app.url)
              .post('/api/donations')
              .set(w.coordinator.auth)
              .send({
                campaignId,
                locationId: locations[c.at],
                lines: [{ itemId: item.id, quantity: c.quantity, ...(unit ? { unit } : {}) }],
              })
              .expect(201);
            const d = res.body as DonationDto;
            donations.push(d);
            const key = `${d.locationId}:${d.lines[0]!.lotId}`;
            onHand.set(key, (onHand.get(key) ?? 0) + d.lines[0]!.quantity);
          } else if (c.kind === 'writeOff' && onHand.size > 0) {
            const key = keys()[c.pick % onHand.size]!;
            const [locationId, lotId] = key.split(':');
            const res = await request(app.url)
              .post('/api/stock/write-offs')
              .set(w.coordinator.auth)
              .send({ locationId, lotId, quantity: c.quantity, reason: 'spoiled' });
            const enough = onHand.get(key)! >= c.quantity;
            expect(res.status).toBe(enough ? 201 : 409);
            if (enough) onHand.set(key, onHand.get(key)! - c.quantity);
          } else if (c.kind === 'adjust' && onHand.size > 0) {
            const key = keys()[c.pick % onHand.size]!;
            const [locationId, lotId] = key.split(':');
            await request(app.url)
              .post('/api/stock/adjustments')
              .set(w.coordinator.auth)
              .send({ locationId, lotId, countedQuantity: c.counted, reason: 'count' })
              .expect(201);
            onHand.set(key, c.counted);
          } else if (c.kind === 'void' && donations.length > 0) {
            const d = donations[c.pick % donations.length]!;
            const key = `${d.locationId}:${d.lines[0]!.lotId}`;
            const res = await request(app.url)
              .post(`/api/donations/${d.id}/void`)
              .set(w.coordinator.auth)
              .send({ reason: 'test' });
            const ok = !voided.has(d.id) && onHand.get(key)! >= d.lines[0]!.quantity;
            expect(res.status).toBe(ok ? 200 : 409);
            if (ok) {
              voided.add(d.id);
              onHand.set(key, onHand.get(key)! - d.lines[0]!.quantity);
            }
          }
        }

        const stock = await request(app.url)
          .get('/api/stock')
          .query({ campaignId, includeEmpty: true, limit: 200 })
          .set(w.coordinator.auth)
          .expect(200);
        const actual = new Map(
          (stock.body.items as StockRowDto[]).map((r) => [`${r.locationId}:${r.lotId}`, r.onHand]),
        );
        expect(actual).toEqual(onHand);
        const progress = await expectProgressInvariant(app.url, w.coordinator.auth, campaignId);
        const totalOnHand = [...onHand.values()].reduce((a, b) => a + b, 0);
        expect(progress.items.reduce((sum: number, i: { onHand: number }) => sum + i.onHand, 0)).toBe(totalOnHand);
        await expectLedgerConsistent();
      }),
      { numRuns: 20 },
    );
  }, 120_000);
});
