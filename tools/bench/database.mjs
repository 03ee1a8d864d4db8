#!/usr/bin/env node
// `npm run bench:db`: throughput of the API on the embedded database (mongo-java-server on its H2
// file, as `npm start` runs it), as ratios to a baseline measured in the same run (GET /healthz:
// HTTP stack only), so that a noisy 2-core machine still gives comparable numbers; then the
// database alone on a collection of 100,000 ledger-like documents, as ratios to a ping.
// Bounded: a fixed number of requests per case, loopback and a Unix socket only.
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
const { User } = require('../../server/dist/users/index.js');

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const LEDGER_SIZE = Number(process.env.BENCH_LEDGER_SIZE ?? 100_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

async function measure(name, count, makeRequest) {
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next += 1;
        const res = await makeRequest();
        if (!res.ok) failures += 1;
        await res.arrayBuffer();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { name, perSecond: count / seconds, failures };
}

/** Runs `operation` `count` times, `concurrency` at once; throughput and latency percentiles. */
async function measureDb(name, count, operation, concurrency = CONCURRENCY) {
  let next = 0;
  const latencies = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await operation(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { name, perSecond: count / seconds, p50: at(0.5), p95: at(0.95) };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-bench-'));
const db = await startEmbeddedDb({ dir });
await mongoose.connect(`${db.uri}karavan_bench`, connectOptions());
await ensureIndexes();
const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', LOGIN_RATE_LIMIT: '10000' });
const karavan = createKaravan({ config, logger: createLogger('silent'), jwtSecret: randomBytes(32).toString('hex') });
await new Promise((resolve) => karavan.server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${karavan.server.address().port}`;

try {
  await User.create({
    email: 'bench@karavan.local',
    name: 'Bench',
    role: 'organiser',
    mustChangePassword: false,
    passwordHash: await hashPassword('bench password'),
  });
  for (let i = 0; i < 200; i++) {
    await User.create({ email: `u${i}@karavan.local`, name: `User ${i}`, role: 'driver', passwordHash: 'x' });
  }
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@karavan.local', password: 'bench password' }),
  }).then((r) => r.json());
  const auth = { authorization: `Bearer ${login.accessToken}` };

  // Warm up the JIT and the connections.
  await measure('warm-up', 200, () => fetch(`${base}/api/users/me`, { headers: auth }));

  const cases = [
    await measure('GET /healthz (baseline)', REQUESTS, () => fetch(`${base}/healthz`)),
    await measure('GET /readyz (database ping)', REQUESTS, () => fetch(`${base}/readyz`)),
    await measure('GET /api/users/me (JWT + _id lookup)', REQUESTS, () =>
      fetch(`${base}/api/users/me`, { headers: auth }),
    ),
    await measure('GET /api/users?limit=50 (201 users, scan + count)', Math.ceil(REQUESTS / 10), () =>
      fetch(`${base}/api/users?limit=50`, { headers: auth }),
    ),
    await measure('POST /api/auth/login (argon2id)', 40, () =>
      fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'bench@karavan.local', password: 'bench password' }),
      }),
    ),
  ];
  const baseline = cases[0].perSecond;
  console.log(
    `\nKaravan API on the embedded database (H2 file), concurrency ${CONCURRENCY}, ${os.cpus().length} CPUs\n`,
  );
  console.log('case'.padEnd(52), 'req/s'.padStart(9), 'ratio to baseline'.padStart(19), 'failures'.padStart(9));
  for (const c of cases) {
    console.log(
      c.name.padEnd(52),
      c.perSecond.toFixed(0).padStart(9),
      (c.perSecond / baseline).toFixed(3).padStart(19),
      String(c.failures).padStart(9),
    );
  }

  // The database alone, through the driver Mongoose uses.
  const raw = mongoose.connection.db;
  const ledger = raw.collection('bench_ledger');
  const started = Date.now();
  for (let i = 0; i < LEDGER_SIZE; i += 1000) {
    await ledger.insertMany(
      Array.from({ length: Math.min(1000, LEDGER_SIZE - i) }, (_, j) => ({
        _id: `entry:${String(i + j).padStart(7, '0')}`,
        item: `item-${(i + j) % 50}`,
        location: `loc-${(i + j) % 20}`,
        qty: ((i + j) % 7) + 1,
        at: new Date(1_650_000_000_000 + (i + j) * 1000),
      })),
    );
  }
  const loadSeconds = (Date.now() - started) / 1000;
  const balances = raw.collection('bench_balances');
  await balances.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: `balance:${i}`, onHand: 1_000_000 })));
  const id = (i) => `entry:${String((i * 7919) % LEDGER_SIZE).padStart(7, '0')}`;
  // Warm up the database's JIT on the point reads and one scan.
  await measureDb('warm-up', 500, (i) => ledger.findOne({ _id: id(i), qty: { $gte: 1 } }));
  await measureDb('warm-up', 2, () => ledger.find({ location: 'loc-1' }).sort({ at: -1 }).limit(50).toArray());
  const dbCases = [
    await measureDb('ping (baseline)', REQUESTS, () => raw.admin().ping()),
    await measureDb(`find one by _id (of ${LEDGER_SIZE})`, REQUESTS, (i) => ledger.findOne({ _id: id(i) })),
    await measureDb(`find one by _id + another field (of ${LEDGER_SIZE})`, REQUESTS, (i) =>
      ledger.findOne({ _id: id(i), qty: { $gte: 1 } }),
    ),
    await measureDb('guarded $inc over 100 balances', REQUESTS, (i) =>
      balances.updateOne({ _id: `balance:${i % 100}`, onHand: { $gte: 1 } }, { $inc: { onHand: -1 } }),
    ),
    await measureDb('insert one ledger entry (committed)', REQUESTS, (i) =>
      ledger.insertOne({ _id: `extra:${i}`, item: 'item-0', location: 'loc-0', qty: 1, at: new Date() }),
    ),
    // Scans, one at a time (a collection serves one operation at a time: latency is the point).
    await measureDb(
      `find by a field, sort, limit 50 (scan of ${LEDGER_SIZE})`,
      20,
      (i) =>
        ledger
          .find({ location: `loc-${i % 20}` })
          .sort({ at: -1 })
          .limit(50)
          .toArray(),
      1,
    ),
    await measureDb(
      `countDocuments by a field (scan of ${LEDGER_SIZE})`,
      20,
      (i) => ledger.countDocuments({ location: `loc-${i % 20}` }),
      1,
    ),
    await measureDb(
      `range of _id, sort, limit 50 (scan of ${LEDGER_SIZE})`,
      20,
      (i) =>
        ledger
          .find({ _id: { $gte: id(i) } })
          .sort({ _id: 1 })
          .limit(50)
          .toArray(),
      1,
    ),
  ];
  // The same reads with declared indexes (secondary indexes, kept in memory by the embedded database).
  const indexStarted = Date.now();
  await ledger.createIndex({ location: 1, at: -1 });
  await ledger.createIndex({ item: 1 });
  const indexSeconds = (Date.now() - indexStarted) / 1000;
  dbCases.push(
    await measureDb(
      `find by an indexed field, limit 50 (index, of ${LEDGER_SIZE})`,
      REQUESTS / 4,
      (i) =>
        ledger
          .find({ item: `item-${i % 50}` })
          .limit(50)
          .toArray(),
      1,
    ),
    await measureDb(
      `find by an indexed field, sort, limit 50 (index, of ${LEDGER_SIZE})`,
      REQUESTS / 4,
      (i) =>
        ledger
          .find({ location: `loc-${i % 20}` })
          .sort({ at: -1 })
          .limit(50)
          .toArray(),
      1,
    ),
    await measureDb(
      `find by indexed field + range (index, of ${LEDGER_SIZE})`,
      REQUESTS / 4,
      (i) =>
        ledger
          .find({
            location: `loc-${i % 20}`,
            at: { $gte: new Date(1_650_000_000_000 + ((i * 7919) % LEDGER_SIZE) * 1000) },
          })
          .sort({ at: -1 })
          .limit(20)
          .toArray(),
      1,
    ),
    await measureDb('insert one ledger entry, 2 indexes (committed)', REQUESTS, (i) =>
      ledger.insertOne({ _id: `extra-indexed:${i}`, item: 'item-0', location: 'loc-0', qty: 1, at: new Date() }),
    ),
  );
  console.log(`\nindexes built on ${LEDGER_SIZE} documents in ${indexSeconds.toFixed(1)} s`);
  const taken = (await balances.find().toArray()).reduce((sum, b) => sum + (1_000_000 - b.onHand), 0);
  console.log(
    `\nThe database alone (driver over the Unix socket), ${LEDGER_SIZE} ledger documents loaded in ${loadSeconds.toFixed(1)} s\n`,
  );
  console.log(
    'case'.padEnd(52),
    'ops/s'.padStart(9),
    'ratio to ping'.padStart(14),
    'p50 ms'.padStart(8),
    'p95 ms'.padStart(8),
  );
  for (const c of dbCases) {
    console.log(
      c.name.padEnd(52),
      c.perSecond.toFixed(0).padStart(9),
      (c.perSecond / dbCases[0].perSecond).toFixed(3).padStart(14),
      c.p50.toFixed(2).padStart(8),
      c.p95.toFixed(2).padStart(8),
    );
  }
  console.log(`\nguarded $inc: ${REQUESTS} sent, ${taken} applied (none lost: ${taken === REQUESTS})`);
} finally {
  await karavan.close();
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
  await db.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
