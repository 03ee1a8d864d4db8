#!/usr/bin/env node
// `npm run bench:scale`: the figures of issue 17 at scale, from ONE bulk load of 1,000,000 ledger
// entries and 100,000 donations (tools/bench/ledger-load.mjs) into the embedded database (H2 file):
//   A. reads of the API (Karavan as `npm start` runs it, server/dist/main.js), each against a bare
//      baseline doing the same database reads with the driver on node:http (tools/bench/baseline.mjs),
//      in alternating 1-second slices: closed loop, then p50/p95 at a fixed rate (half the lower
//      maximum), and one request at a time (service time) — campaign progress, stock at a location, donations of a location, the ledger of a
//      location, shipments by status (SCALE_SHIPMENTS shipment documents, copies of one planned
//      through the API, spread over the statuses);
//   B. the database alone, one query at a time: a find on a field among 100,000 documents, scanned
//      (no index), then with its index declared;
//   C. the database stopped and opened again on the same data file: seconds to READY and to the
//      first indexed query answered.
// Every figure carries the load average (os.loadavg, as `uptime` prints it) measured around it.
// Writes bench/results/scale-latest.json after every figure (a cut run keeps what it measured)
// and a dated copy at the end; the exit code is 1 when a target is missed.
// Environment: BENCH_SECONDS (slices per side and phase, default 5), BENCH_DONATIONS (100000),
// BENCH_LINES (10), SCALE_SHIPMENTS (20000), SCALE_FIND_DOCS (100000), SCALE_FIND_QUERIES (400),
// SCALE_SEQUENTIAL (200: requests one at a time per read), BENCH_CONNECTIONS (10).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { HERE, ROOT, alternate, api, machine, percentile, startKaravan, startProcess } from './lib.mjs';
import { ledgerDatabase } from './ledger-load.mjs';
import { writeReadmeTables } from './table.mjs';

const require = createRequire(import.meta.url);
const { MongoClient, ObjectId } = require('mongodb');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const DONATIONS = Number(process.env.BENCH_DONATIONS ?? 100_000);
const LINES = Number(process.env.BENCH_LINES ?? 10);
const SHIPMENTS = Number(process.env.SCALE_SHIPMENTS ?? 20_000);
const FIND_DOCS = Number(process.env.SCALE_FIND_DOCS ?? 100_000);
const FIND_QUERIES = Number(process.env.SCALE_FIND_QUERIES ?? 400);
const SEQUENTIAL = Number(process.env.SCALE_SEQUENTIAL ?? 200);

const startedAt = Date.now();
const say = (text) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${text}`);
const load = () => os.loadavg().map((v) => Math.round(v * 100) / 100);
const figures = [];
let meta = null;

function writeReport(complete) {
  const report = {
    machine: machine(),
    at: new Date(startedAt).toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    complete,
    data: meta,
    figures,
  };
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  fs.writeFileSync(path.join(dir, 'scale-latest.json'), text);
  if (complete) fs.writeFileSync(path.join(dir, `scale-${report.at.slice(0, 19).replace(/:/g, '-')}.json`), text);
  return report;
}

/** Records one figure: `p95Ms` against `targetMs` (null: reported only), the load around it. */
function record(name, targetMs, measured, loadBefore, extra = {}) {
  const met = targetMs === null ? null : measured.p95Ms <= targetMs && !(measured.failures > 0);
  figures.push({
    name,
    target: targetMs === null ? null : `p95 ≤ ${targetMs} ms`,
    met,
    p50Ms: measured.p50Ms,
    p95Ms: measured.p95Ms,
    p99Ms: measured.p99Ms,
    loadAverage: { before: loadBefore, after: load() },
    ...extra,
  });
  writeReport(false);
  say(
    `${met === null ? 'report' : met ? 'MET   ' : 'MISSED'} ${name}: p50 ${measured.p50Ms} / p95 ${measured.p95Ms} ms (load ${load()[0]})`,
  );
}

/** Karavan vs its baseline: closed loop, then latencies at half the lower maximum. */
async function compare(karavanOptions, baselineOptions) {
  const sides = [
    { connections: CONNECTIONS, ...karavanOptions },
    { connections: CONNECTIONS, ...baselineOptions },
  ];
  await alternate(sides, 1, 1); // warm-up
  const [k, b] = await alternate(sides, SECONDS, 1);
  const rate = Math.max(10, Math.round(0.5 * Math.min(k.perSecond, b.perSecond)));
  const [kf, bf] = await alternate(
    sides.map((side) => ({ ...side, overallRate: rate })),
    SECONDS,
    1,
  );
  return { k, b, kf, bf, rate };
}

/** Runs `operation` `count` times one after the other: latency percentiles (ms). */
async function timed(count, operation) {
  const latencies = [];
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    await operation(i);
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  latencies.sort((a, b) => a - b);
  const r = (v) => Math.round(v * 100) / 100;
  return {
    p50Ms: r(percentile(latencies, 50)),
    p95Ms: r(percentile(latencies, 95)),
    p99Ms: r(percentile(latencies, 99)),
    count,
  };
}

say(`bulk load: ${DONATIONS.toLocaleString('en')} donations x ${LINES} lines (load ${load().join(' ')})`);
const loadBefore = load();
const ledger = await ledgerDatabase(DONATIONS, LINES);
meta = { ...ledger.meta, loadAverage: { before: loadBefore, after: load() } };
say(
  `${ledger.meta.movements.toLocaleString('en')} ledger entries, ${ledger.meta.donations.toLocaleString('en')} donations in ${ledger.meta.loadSeconds.toFixed(0)} s`,
);
let karavan = null;
let baseline = null;
let client = null;
try {
  const { campaignId, locationId } = ledger.meta;
  const scaleName = `${ledger.meta.movements.toLocaleString('en')} ledger entries, ${ledger.meta.donations.toLocaleString('en')} donations`;
  client = await MongoClient.connect(ledger.uri);
  const db = client.db();

  // Shipments: one planned through the API, then copies of its document over the statuses.
  let before = load();
  const launched = process.hrtime.bigint();
  karavan = startKaravan(ledger.uri, {}, [], 600_000);
  const base = await karavan.url;
  const startSeconds = Number(process.hrtime.bigint() - launched) / 1e9;
  figures.push({
    name: `Karavan started on that database (npm start: indexes ensured, repair pass, migrations): to listening`,
    target: null,
    met: null,
    seconds: Math.round(startSeconds * 10) / 10,
    loadAverage: { before, after: load() },
  });
  writeReport(false);
  say(`Karavan listening after ${startSeconds.toFixed(1)} s`);
  const { accessToken } = await api(base, 'POST', '/api/auth/login', null, {
    email: 'bench@karavan.local',
    password: 'bench password',
  });
  const destination = await api(base, 'POST', '/api/locations', accessToken, {
    name: 'Алматы, пункт раздачи',
    kind: 'distribution_point',
  });
  const [item] = await db.collection('items').find().limit(1).toArray();
  const planned = await api(base, 'POST', '/api/shipments', accessToken, {
    campaignId,
    originId: locationId,
    destinationId: destination.id,
    route: [],
    lines: [{ itemId: item._id.toHexString(), quantity: 10 }],
  });
  const template = await db.collection('shipments').findOne({ _id: new ObjectId(planned.id) });
  const STATUSES = ['planned', 'loading', 'departed', 'at_checkpoint', 'arrived', 'delivered', 'cancelled'];
  const shipmentsStarted = Date.now();
  for (let i = 0; i < SHIPMENTS; i += 1000) {
    await db.collection('shipments').insertMany(
      Array.from({ length: Math.min(1000, SHIPMENTS - i) }, (_, j) => {
        const n = i + j;
        const at = new Date(startedAt - (SHIPMENTS - n) * 60_000);
        return {
          ...template,
          _id: new ObjectId(),
          status: STATUSES[n % STATUSES.length],
          createdAt: at,
          updatedAt: at,
        };
      }),
      { ordered: false },
    );
  }
  meta.shipments = SHIPMENTS + 1;
  say(
    `${SHIPMENTS.toLocaleString('en')} shipment documents written in ${((Date.now() - shipmentsStarted) / 1000).toFixed(0)} s`,
  );

  baseline = startProcess(path.join(HERE, 'baseline.mjs'), { name: 'baseline', env: { MONGODB_URI: ledger.uri } });
  const bare = JSON.parse(await baseline.url);
  const auth = { authorization: `Bearer ${accessToken}` };

  // A. The API.
  const reads = [
    ['campaign progress', `/api/campaigns/${campaignId}/progress`, `/progress/${campaignId}`],
    ['stock at a location', `/api/stock?locationId=${locationId}`, `/stock?locationId=${locationId}`],
    [
      'donations of a location (list, indexed)',
      `/api/donations?locationId=${locationId}`,
      `/donations?locationId=${locationId}`,
    ],
    [
      'ledger of a location (list, indexed)',
      `/api/movements?locationId=${locationId}`,
      `/movements?locationId=${locationId}`,
    ],
    ['shipments by status (list, indexed)', '/api/shipments?status=departed', '/shipments?status=departed'],
  ];
  const fetchBody = (url, headers = {}) => fetch(url, { headers }).then((r) => r.arrayBuffer());
  for (const [name, karavanPath, barePath] of reads) {
    // One request at a time first: the service time, which a loaded machine queues less.
    const alone = await timed(SEQUENTIAL, () => fetchBody(`${base}${karavanPath}`, auth));
    const bareAlone = await timed(SEQUENTIAL, () => fetchBody(`${bare.http}${barePath}`));
    const before = load();
    const m = await compare({ url: `${base}${karavanPath}`, headers: auth }, { url: `${bare.http}${barePath}` });
    record(
      `${name}, ${scaleName}: GET ${karavanPath.replace(/[0-9a-f]{24}/g, ':id')}`,
      20,
      { p50Ms: m.kf.p50, p95Ms: m.kf.p95, p99Ms: m.kf.p99, failures: m.kf.non2xx + m.kf.errors + m.k.non2xx },
      before,
      {
        fixedRate: m.rate,
        failures: {
          karavan: m.k.non2xx + m.k.errors + m.kf.non2xx + m.kf.errors,
          baseline: m.b.non2xx + m.b.errors + m.bf.non2xx + m.bf.errors,
        },
        karavan: { reqPerSec: Math.round(m.k.perSecond), closedLoopP95Ms: m.k.p95 },
        oneAtATime: { karavan: alone, baseline: bareAlone },
        baseline: {
          reqPerSec: Math.round(m.b.perSecond),
          p50Ms: m.bf.p50,
          p95Ms: m.bf.p95,
          p99Ms: m.bf.p99,
        },
      },
    );
  }
  await karavan.stop();
  karavan = null;
  await baseline.stop();
  baseline = null;

  // B. The database alone: a find on a field among FIND_DOCS documents, scanned then indexed.
  const coll = db.collection('bench_find');
  for (let i = 0; i < FIND_DOCS; i += 5000) {
    await coll.insertMany(
      Array.from({ length: Math.min(5000, FIND_DOCS - i) }, (_, j) => ({
        _id: `doc:${String(i + j).padStart(7, '0')}`,
        donorId: `donor-${(i + j) % 5000}`,
        locationId: `loc-${(i + j) % 20}`,
        qty: ((i + j) % 7) + 1,
        at: new Date(1_650_000_000_000 + (i + j) * 1000),
      })),
      { ordered: false },
    );
  }
  const find = (i) =>
    coll
      .find({ donorId: `donor-${(i * 7919) % 5000}` })
      .limit(50)
      .toArray();
  await timed(2, find); // warm-up
  before = load();
  const scan = await timed(Math.max(10, Math.round(FIND_QUERIES / 20)), find);
  record(
    `database alone: find by a field among ${FIND_DOCS.toLocaleString('en')} documents, no index (scan)`,
    null,
    scan,
    before,
  );
  await coll.createIndex({ donorId: 1 });
  await timed(50, find); // warm-up
  before = load();
  const indexed = await timed(FIND_QUERIES, find);
  record(
    `database alone: find by an indexed field among ${FIND_DOCS.toLocaleString('en')} documents (20 rows each)`,
    5,
    indexed,
    before,
    { scanP95Ms: scan.p95Ms },
  );
  await client.close();
  client = null;

  // C. Opened again on the same data file (1M ledger entries and their indexes).
  const sizeMb = Math.round(
    fs
      .readdirSync(ledger.dir)
      .reduce((s, f) => s + (f.endsWith('.db') ? fs.statSync(path.join(ledger.dir, f)).size : 0), 0) / 1e6,
  );
  before = load();
  const readySeconds = await ledger.reopen();
  const opened = Date.now();
  client = await MongoClient.connect(ledger.uri);
  const first = await client
    .db()
    .collection('movements')
    .find({ locationId })
    .sort({ at: -1, _id: -1 })
    .limit(50)
    .toArray();
  const firstSeconds = readySeconds + (Date.now() - opened) / 1000;
  figures.push({
    name: `embedded database opened with ${ledger.meta.movements.toLocaleString('en')} ledger entries (H2 file, ${sizeMb} MB): to READY, to the first indexed query (${first.length} rows)`,
    target: 'ready < 10 s',
    met: readySeconds < 10 && firstSeconds < 10,
    readySeconds: Math.round(readySeconds * 10) / 10,
    firstQuerySeconds: Math.round(firstSeconds * 10) / 10,
    loadAverage: { before, after: load() },
  });
  writeReport(false);
  say(`opened again: READY after ${readySeconds.toFixed(1)} s, first indexed query after ${firstSeconds.toFixed(1)} s`);
} finally {
  await client?.close().catch(() => undefined);
  await karavan?.stop().catch(() => undefined);
  await baseline?.stop().catch(() => undefined);
  await ledger.stop();
}

const report = writeReport(true);
await writeReadmeTables();
const m = report.machine;
console.log(`\nKaravan at scale, ${m.cpus} x ${m.model}, ${m.memory}, Node ${m.node}; ${report.durationSeconds} s\n`);
for (const f of figures) {
  const verdict = f.met === null ? 'report' : f.met ? 'MET' : 'MISSED';
  const value =
    f.p95Ms !== undefined
      ? `p50 ${f.p50Ms} / p95 ${f.p95Ms} ms`
      : f.seconds !== undefined
        ? `${f.seconds} s`
        : `${f.readySeconds} s / ${f.firstQuerySeconds} s`;
  const bare = f.baseline ? `; baseline p50 ${f.baseline.p50Ms} / p95 ${f.baseline.p95Ms} ms` : '';
  const alone = f.oneAtATime
    ? `; one at a time p50 ${f.oneAtATime.karavan.p50Ms} / p95 ${f.oneAtATime.karavan.p95Ms} ms (baseline ${f.oneAtATime.baseline.p50Ms} / ${f.oneAtATime.baseline.p95Ms})`
    : '';
  console.log(
    `${verdict.padEnd(7)} ${f.name}: ${value}${bare}${alone} (${f.target ?? 'reported'}; load ${f.loadAverage.before[0]})`,
  );
}
console.log('\nWritten: bench/results/scale-latest.json');
if (figures.some((f) => f.met === false)) process.exitCode = 1;
