#!/usr/bin/env node
// `npm run bench:stock`: the stock core on the embedded database, as `npm start` runs it.
//  1. Recording a donation of 3 lines through the API (req/s and the ratio to GET /healthz in the
//     same run, so that a noisy shared machine still gives comparable numbers).
//  2. Reading campaign progress, stock at a location and the newest movements at a location,
//     p50/p95 in ms, once 100,000 donations (300,000 ledger movements) are in the database.
//     They are loaded with bulk writes that keep the ledger's invariants: the donations and their
//     movements, then the balances and campaign totals summed from exactly those movements (the
//     same effect the engine applies one operation at a time).
// Bounded: a fixed number of requests per case, loopback only. BENCH_DONATIONS changes the size.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const mongoose = require('mongoose');
const { startEmbeddedDb } = require('../../server/dist/db/embedded-db.js');
const { connectOptions, ensureIndexes } = require('../../server/dist/db/database.js');
const { createKaravan } = require('../../server/dist/app.js');
const { loadConfig } = require('../../server/dist/config.js');
const { createLogger } = require('../../server/dist/lib/logger.js');
const { hashPassword } = require('../../server/dist/lib/passwords.js');
const { User } = require('../../server/dist/users/users.model.js');
const { Item } = require('../../server/dist/items/items.model.js');
const { Location } = require('../../server/dist/locations/locations.model.js');
const { Campaign } = require('../../server/dist/campaigns/campaigns.model.js');
const { Donation } = require('../../server/dist/donations/donations.model.js');
const { effectOf, lotIdOf, lotExpiry } = require('../../server/dist/stock/index.js');
const { Balance, CampaignTotal, Movement, Lot } = require('../../server/dist/stock/stock.model.js');

const DONATIONS = Number(process.env.BENCH_DONATIONS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const READS = Number(process.env.BENCH_READS ?? 300);
const HOUR = 3_600_000;

/** `count` requests, `concurrency` at once: throughput, failures and latency percentiles. */
async function measure(name, count, makeRequest, concurrency = CONCURRENCY) {
  let next = 0;
  let failures = 0;
  const latencies = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        const res = await makeRequest(i);
        await res.arrayBuffer();
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!res.ok) failures += 1;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { name, perSecond: count / seconds, failures, p50: at(0.5), p95: at(0.95) };
}

const oid = () => new mongoose.Types.ObjectId();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-bench-stock-'));
const db = await startEmbeddedDb({ dir });
await mongoose.connect(`${db.uri}karavan_bench_stock`, connectOptions());
await ensureIndexes();
const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', LOGIN_RATE_LIMIT: '10000' });
const karavan = createKaravan({ config, logger: createLogger('silent'), jwtSecret: randomBytes(32).toString('hex') });
await new Promise((resolve) => karavan.server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${karavan.server.address().port}`;

try {
  const admin = await User.create({
    email: 'bench@karavan.local',
    name: 'Bench',
    role: 'organiser',
    mustChangePassword: false,
    passwordHash: await hashPassword('bench password'),
  });
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@karavan.local', password: 'bench password' }),
  }).then((r) => r.json());
  const headers = { authorization: `Bearer ${login.accessToken}`, 'content-type': 'application/json' };

  const items = await Item.create([
    {
      name: { ru: 'Хлеб', en: 'Bread' },
      baseUnit: 'loaf',
      packs: [{ unit: 'tray', size: 20 }],
      perishable: true,
      shelfLifeHours: 72,
    },
    {
      name: { ru: 'Молоко', en: 'Milk' },
      baseUnit: 'litre',
      packs: [{ unit: 'crate', size: 12 }],
      perishable: true,
      shelfLifeHours: 120,
    },
    {
      name: { ru: 'Кефир', en: 'Kefir' },
      baseUnit: 'litre',
      packs: [{ unit: 'crate', size: 12 }],
      perishable: true,
      shelfLifeHours: 240,
    },
  ]);
  const locations = await Location.create(
    Array.from({ length: 10 }, (_, i) => ({ name: `Пункт ${i + 1}`, kind: i < 8 ? 'collection_point' : 'warehouse' })),
  );
  const campaign = await Campaign.create({
    name: 'Январь 2022',
    status: 'active',
    targets: [
      { itemId: items[0]._id, quantity: 15_000 },
      { itemId: items[1]._id, quantity: 15_000 },
      { itemId: items[2]._id, quantity: 5_000 },
    ],
  });
  const campaignId = campaign._id.toHexString();
  const donationBody = (i) =>
    JSON.stringify({
      campaignId,
      locationId: locations[i % locations.length]._id.toHexString(),
      donor: { kind: 'anonymous' },
      lines: [
        { itemId: items[0]._id.toHexString(), quantity: 1 + (i % 5), unit: 'tray' },
        { itemId: items[1]._id.toHexString(), quantity: 2 + (i % 7) },
        { itemId: items[2]._id.toHexString(), quantity: 1, unit: 'crate' },
      ],
    });

  await measure('warm-up', 100, (i) =>
    fetch(`${base}/api/donations`, { method: 'POST', headers, body: donationBody(i) }),
  );
  const cases = [
    await measure('GET /healthz (baseline)', REQUESTS * 2, () => fetch(`${base}/healthz`)),
    await measure('POST /api/donations (3 lines)', REQUESTS, (i) =>
      fetch(`${base}/api/donations`, { method: 'POST', headers, body: donationBody(i) }),
    ),
  ];
  await karavan.live.idle();

  // Bulk-load the donations: 3 lines each, received over 30 days at 10 locations.
  const loadStarted = Date.now();
  const now = Date.now();
  const balanceSums = new Map();
  const totalSums = new Map();
  const lots = new Map();
  const add = (map, id, inc, fields) => {
    const entry = map.get(id) ?? { fields, inc: {} };
    for (const [k, v] of Object.entries(inc)) entry.inc[k] = (entry.inc[k] ?? 0) + v;
    map.set(id, entry);
  };
  const BATCH = 1_000;
  for (let start = 0; start < DONATIONS; start += BATCH) {
    const donations = [];
    const movements = [];
    for (let i = start; i < Math.min(DONATIONS, start + BATCH); i++) {
      const id = oid().toHexString();
      const receivedAt = new Date(now - 30 * 24 * HOUR + (i / DONATIONS) * 30 * 24 * HOUR);
      const locationId = locations[i % locations.length]._id.toHexString();
      const lines = items.map((item, n) => {
        const itemId = item._id.toHexString();
        const expiresAt = lotExpiry(new Date(receivedAt.getTime() + item.shelfLifeHours * HOUR), item.shelfLifeHours);
        const lotId = lotIdOf(campaignId, itemId, expiresAt);
        lots.set(lotId, { _id: lotId, itemId, campaignId, expiresAt, createdAt: receivedAt });
        return { itemId, quantity: [20, 6, 12][n] + (i % 3), lotId, expiresAt };
      });
      donations.push({
        _id: id,
        campaignId,
        locationId,
        receivedAt,
        receivedBy: admin._id.toHexString(),
        donor: { kind: 'anonymous', name: null, phone: null, consentToContact: false, locale: null },
        lines,
        note: null,
        opId: id,
        voiding: null,
        voided: null,
        createdAt: receivedAt,
      });
      lines.forEach((line, n) => {
        const m = {
          _id: `${id}:${n}`,
          opId: id,
          kind: 'received',
          at: receivedAt,
          actorId: admin._id.toHexString(),
          locationId,
          itemId: line.itemId,
          campaignId,
          lotId: line.lotId,
          expiresAt: line.expiresAt,
          quantity: line.quantity,
          reason: null,
          note: null,
          donationId: id,
          shipmentId: null,
        };
        movements.push(m);
        const effect = effectOf(m);
        add(balanceSums, effect.balance.id, effect.balance.inc, {
          locationId,
          lotId: line.lotId,
          itemId: line.itemId,
          campaignId,
          expiresAt: line.expiresAt,
        });
        add(totalSums, effect.total.id, effect.total.inc, { campaignId, itemId: line.itemId });
      });
    }
    await Donation.collection.insertMany(donations, { ordered: false });
    // The movements' declared indexes serve the ledger's readers: nothing else to write.
    await Movement.collection.insertMany(movements, { ordered: false });
  }
  const upserts = (map, fields) =>
    [...map].map(([id, { fields: set, inc }]) => ({
      updateOne: {
        filter: { _id: id },
        update: {
          $inc: Object.fromEntries(fields.map((f) => [f, inc[f] ?? 0])),
          $setOnInsert: { ...set, ops: [] },
        },
        upsert: true,
      },
    }));
  await Lot.collection.bulkWrite(
    [...lots.values()].map((lot) => ({
      updateOne: { filter: { _id: lot._id }, update: { $setOnInsert: lot }, upsert: true },
    })),
    { ordered: false },
  );
  await Balance.collection.bulkWrite(upserts(balanceSums, ['onHand', 'reserved', 'available']), { ordered: false });
  await CampaignTotal.collection.bulkWrite(
    upserts(totalSums, ['donated', 'onHand', 'reserved', 'inTransit', 'delivered', 'writtenOff']),
    { ordered: false },
  );
  const loadSeconds = (Date.now() - loadStarted) / 1000;
  const [movementCount, balanceCount] = await Promise.all([
    Movement.estimatedDocumentCount(),
    Balance.estimatedDocumentCount(),
  ]);

  const location = locations[3]._id.toHexString();
  const baseline = cases[0].perSecond;
  const row = (c) =>
    console.log(
      c.name.padEnd(52),
      c.perSecond.toFixed(0).padStart(9),
      (c.perSecond / baseline).toFixed(3).padStart(19),
      c.p50.toFixed(1).padStart(8),
      c.p95.toFixed(1).padStart(8),
      String(c.failures).padStart(9),
    );
  const header = () =>
    console.log(
      'case'.padEnd(52),
      'req/s'.padStart(9),
      'ratio to baseline'.padStart(19),
      'p50 ms'.padStart(8),
      'p95 ms'.padStart(8),
      'failures'.padStart(9),
    );
  console.log(`\nKaravan stock core on the embedded database, concurrency ${CONCURRENCY}, ${os.cpus().length} CPUs\n`);
  header();
  cases.forEach(row);
  console.log(
    `\nAfter loading ${DONATIONS.toLocaleString('en')} donations in ${loadSeconds.toFixed(0)} s: ${movementCount.toLocaleString('en')} movements, ${balanceCount} balances (lots bucket the donations).`,
  );
  header();
  // Each case on its own line as soon as it is measured.
  const reads = [
    [
      'GET /api/campaigns/:id/progress',
      READS,
      () => fetch(`${base}/api/campaigns/${campaignId}/progress`, { headers }),
      1,
    ],
    ['GET /api/stock?locationId=', READS, () => fetch(`${base}/api/stock?locationId=${location}`, { headers }), 1],
    [
      'GET /api/campaigns/:id/progress (8 at once)',
      READS,
      () => fetch(`${base}/api/campaigns/${campaignId}/progress`, { headers }),
      CONCURRENCY,
    ],
    [
      'POST /api/donations (3 lines), large database',
      Math.ceil(REQUESTS / 2),
      (i) => fetch(`${base}/api/donations`, { method: 'POST', headers, body: donationBody(i) }),
      CONCURRENCY,
    ],
    [
      'GET /api/movements?locationId= (ledger page)',
      5,
      () => fetch(`${base}/api/movements?locationId=${location}&limit=50`, { headers }),
      1,
    ],
  ];
  for (const [name, count, makeRequest, concurrency] of reads) {
    try {
      row(await measure(name, count, makeRequest, concurrency));
    } catch (err) {
      console.log(name.padEnd(52), `failed: ${err.message}`);
    }
  }
  await karavan.live.idle();
  const progress = await fetch(`${base}/api/campaigns/${campaignId}/progress`, { headers }).then((r) => r.json());
  const broken = progress.items.filter((i) => i.donated !== i.onHand + i.inTransit + i.delivered + i.writtenOff);
  console.log(
    `\nProgress invariant: ${broken.length === 0 ? 'holds for every item' : `BROKEN for ${broken.length} item(s)`}. Target: progress p95 under 20 ms.`,
  );
} finally {
  await karavan.close();
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
  await db.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
