#!/usr/bin/env node
// `npm run bench`: the five cases of issue 12, each against a baseline measured in the same run on
// the same database (tools/bench/baseline.mjs: the same database work with the MongoDB driver on a
// bare node:http server; for case 1 also a bare Express app). Three processes besides the
// database: Karavan (server/dist/main.js as `npm start` runs it, on MONGODB_URI = the embedded
// database, with tools/bench/probe.mjs preloaded for heap figures), the baselines, and this load
// generator (autocannon for HTTP, closed loop and at a fixed arrival rate; real socket.io-client
// connections, forked into tools/bench/sockets.mjs workers, for the fan-out).
//   1. GET /healthz through the whole stack vs a bare Express app (and Express vs node:http)
//   2. GET /api/shipments/:id vs a driver findOne by _id
//   3. POST /api/shipments/:id/updates vs an idempotent driver insert; then 20% replays, and
//      exactly one record per key checked in the database; 3b and 3c (report only) the same
//      writes done plainly by the bare server, and the shipment's write alone, vs the same insert
//   4. campaign progress and stock at a location with 1,000,000 ledger entries and 100,000
//      donations in the database (bulk-loaded in the real shapes), p95 under 20 ms
//   5. fan-out: 1,000 dashboard sockets, 50 updates/s: write acknowledged -> event received,
//      nothing lost, heap per connection; then 10,000 sockets at 5 updates/s
// Writes bench/results/latest.json and bench/results/<date>.json, prints a table.
// Environment: BENCH_SECONDS (per load run, default 5), BENCH_DONATIONS (100000),
// BENCH_LINES (lines per donation, 10: 1,000,000 ledger entries), BENCH_SOCKETS (1000),
// BENCH_MANY_SOCKETS (10000; 0 skips), BENCH_FANOUT_SECONDS (10), BENCH_CONNECTIONS (10),
// BENCH_CASES (which cases run, e.g. "5" or "1,2"; default "all"), BENCH_TRACE=1 (the server
// times its live-event pump, KARAVAN_LIVE_TRACE=1, and case 5 reports where each event's time
// went: queue, seq, store, emit, delivery; and both sides' event-loop delay),
// BENCH_PLAIN_SHIPMENTS (shipments each for 3b and 3c, 200), BENCH_BASELINE_PAD (characters added to the baseline's fan-out payload, e.g. 2200 for the size of
// Karavan's shipment.updated), BENCH_BASELINE_LIKE=1 (the baseline sends a payload Karavan sent
// in case 5, with its own update id: the same parsing work for the clients), BENCH_CPU_PROFILE=<file> (a CPU
// profile of Karavan during case 5's measurement), BENCH_HEAP_SNAPSHOTS=<dir> (heap snapshots of
// Karavan before and after case 5's sockets connect, to compare by constructor).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import {
  HERE,
  alternate,
  cpuBySide,
  ROOT,
  api,
  load,
  machine,
  openFilesLimit,
  percentile,
  reexecWithMoreFiles,
  sleep,
  startDatabase,
  startKaravan,
  startProcess,
} from './lib.mjs';
import { createLanes, shipmentsOnTheRoad } from './lanes.mjs';
import { ledgerDatabase } from './ledger-load.mjs';
import { writeReadmeTables } from './table.mjs';

if (!reexecWithMoreFiles()) await main();

async function main() {
  const require = createRequire(import.meta.url);
  const mongoose = require('mongoose');
  const { connectOptions, ensureIndexes } = require('../../server/dist/db/database.js');
  const { hashPassword } = require('../../server/dist/lib/passwords.js');
  const { User } = require('../../server/dist/users/users.model.js');
  const { SOCKETS_PER_USER_MAX } = require('@karavan/shared');
  const { ShipmentUpdate, Shipment } = require('../../server/dist/shipments/shipments.model.js');

  const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
  const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
  const DONATIONS = Number(process.env.BENCH_DONATIONS ?? 100_000);
  const LINES = Number(process.env.BENCH_LINES ?? 10);
  const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 1000);
  const MANY_SOCKETS = Number(process.env.BENCH_MANY_SOCKETS ?? 10_000);
  const FANOUT_SECONDS = Number(process.env.BENCH_FANOUT_SECONDS ?? 10);
  const SHIPMENTS = Number(process.env.BENCH_SHIPMENTS ?? 400);
  // Each of 3b and 3c: as many shipments as its lanes take updates in SECONDS (40 each) without
  // coming back to one, so that its histories grow no longer than Karavan's in case 3.
  const PLAIN_SHIPMENTS = Number(process.env.BENCH_PLAIN_SHIPMENTS ?? 200);
  const CASES = new Set((process.env.BENCH_CASES ?? 'all').split(',').map((c) => c.trim()));
  const runs = (n) => CASES.has('all') || CASES.has(String(n));
  const TRACE = process.env.BENCH_TRACE === '1';
  const BASELINE_PAD = Number(process.env.BENCH_BASELINE_PAD ?? 0);
  const BASELINE_LIKE = process.env.BENCH_BASELINE_LIKE === '1';
  const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;
  // A directory: case 5 writes heap snapshots of the server before and after its sockets connect.
  const HEAP_SNAPSHOTS = process.env.BENCH_HEAP_SNAPSHOTS;

  const startedAt = Date.now();
  const say = (text) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${text}`);
  const results = [];
  const rows = [];

  function writeReport(complete) {
    const report = {
      machine: machine(),
      at: new Date(startedAt).toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      complete,
      ...(CASES.has('all') ? {} : { only: [...CASES] }),
      cases: results,
    };
    // A run of some cases only (BENCH_CASES) never replaces the results of a whole run.
    const dir = path.join(ROOT, 'bench', 'results', ...(CASES.has('all') ? [] : ['partial']));
    fs.mkdirSync(dir, { recursive: true });
    const text = `${JSON.stringify(report, null, 2)}\n`;
    fs.writeFileSync(path.join(dir, 'latest.json'), text);
    if (complete) fs.writeFileSync(path.join(dir, `${report.at.slice(0, 19).replace(/:/g, '-')}.json`), text);
    return report;
  }

  const db = await startDatabase('karavan-bench-');
  const uri = `${db.uri}karavan_bench`;
  await mongoose.connect(uri, connectOptions());
  await ensureIndexes();
  await User.create({
    email: 'bench@karavan.local',
    name: 'Bench',
    role: 'organiser',
    mustChangePassword: false,
    passwordHash: await hashPassword('bench password'),
  });
  const karavan = startKaravan(uri, TRACE ? { KARAVAN_LIVE_TRACE: '1' } : {});
  const baseline = startProcess(path.join(HERE, 'baseline.mjs'), { name: 'baseline', env: { MONGODB_URI: uri } });
  const workers = [];
  try {
    const base = await karavan.url;
    const bare = JSON.parse(await baseline.url);
    say(
      `Karavan on ${base}, bare node:http on ${bare.http}, bare Express on ${bare.express}; open files limit ${openFilesLimit()}`,
    );
    const { accessToken: token } = await api(base, 'POST', '/api/auth/login', null, {
      email: 'bench@karavan.local',
      password: 'bench password',
    });
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // The dashboards of case 5: one user holds at most SOCKETS_PER_USER_MAX sockets (the oldest
    // beyond that are closed), so the sockets are spread over enough organisers, as many people's
    // dashboards would be; each signs in through the API.
    const viewerCount = Math.ceil(Math.max(SOCKETS, MANY_SOCKETS) / SOCKETS_PER_USER_MAX);
    const viewerHash = await hashPassword('bench password');
    await User.insertMany(
      Array.from({ length: viewerCount }, (_, i) => ({
        email: `viewer${i}@karavan.local`,
        name: `Viewer ${i}`,
        role: 'organiser',
        mustChangePassword: false,
        passwordHash: viewerHash,
      })),
    );
    const viewerTokens = [];
    for (let i = 0; i < viewerCount; i += 8) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(8, viewerCount - i) }, (_, j) =>
          api(base, 'POST', '/api/auth/login', null, {
            email: `viewer${i + j}@karavan.local`,
            password: 'bench password',
          }),
        ),
      );
      viewerTokens.push(...batch.map((answer) => answer.accessToken));
    }
    say(`${viewerCount} dashboard users signed in (${SOCKETS_PER_USER_MAX} sockets each at most)`);

    // The catalogue and shipments on the road, through the API.
    // Case 3's plain writes (3b, 3c) take shipments of their own, after the others.
    const shipmentIds = await shipmentsOnTheRoad(base, token, SHIPMENTS + (runs(3) ? 2 * PLAIN_SHIPMENTS : 0));
    say(`${shipmentIds.length} shipments on the road`);
    const plainIds = shipmentIds.splice(SHIPMENTS);
    // Case 3 and the fan-out each have their own shipments: a lane retired by case 3 never
    // leaves the fan-out short.
    const lanes = createLanes(shipmentIds.slice(160));
    // The fan-out's writes never run out of lanes when the answers are slow: 50 writes/s with
    // 40 lanes failed once answers took 0.8 s (after case 3, 5 December): 140 lanes, and case 5
    // alone (BENCH_CASES) has case 3's shipments too.
    const fanLanes = createLanes(runs(3) ? shipmentIds.slice(20, 160) : shipmentIds.slice(20));
    const readIds = shipmentIds.slice(0, 20);

    /** Closed loop, then at half the lower of the two maxima, for Karavan and its baseline. */
    async function compare(label, karavanOptions, baselineOptions) {
      const sides = [
        { connections: CONNECTIONS, ...karavanOptions },
        { connections: CONNECTIONS, ...baselineOptions },
      ];
      // Answers in flight when a slice ends are dropped: free their lanes after each slice.
      const release = () => lanes.releaseAll();
      await alternate(sides, 1, 1, release); // warm-up
      const [k, b] = await alternate(sides, SECONDS, 1, release);
      const rate = Math.max(10, Math.round(0.5 * Math.min(k.perSecond, b.perSecond)));
      const [kf, bf] = await alternate(
        sides.map((side) => ({ ...side, overallRate: rate })),
        SECONDS,
        1,
        release,
      );
      say(
        `${label}: ${k.perSecond.toFixed(0)} req/s vs ${b.perSecond.toFixed(0)} req/s (baseline); at ${rate} req/s p95 ${kf.p95} ms vs ${bf.p95} ms`,
      );
      return { k, b, kf, bf, rate };
    }
    const figures = (r) => ({
      reqPerSec: Math.round(r.perSecond),
      p50Ms: r.p50,
      p95Ms: r.p95,
      p99Ms: r.p99,
      non2xx: r.non2xx,
      errors: r.errors,
    });
    const record = (name, target, ratio, met, m, extra = {}) => {
      // Written after every case: a run cut short still leaves what it measured.
      setTimeout(() => writeReport(false));
      results.push({
        name,
        ratio: Math.round(ratio * 1000) / 1000,
        target,
        met,
        ...(m ? { p50Ms: m.kf.p50, p95Ms: m.kf.p95, p99Ms: m.kf.p99 } : {}),
        ...(m
          ? {
              closedLoop: { karavan: figures(m.k), baseline: figures(m.b) },
              fixedRate: { reqPerSec: m.rate, karavan: figures(m.kf), baseline: figures(m.bf) },
            }
          : {}),
        ...extra,
      });
    };
    // Throughput closed loop; latencies at the fixed rate when there is one (Karavan's, and the
    // baseline's p99 at the same rate).
    const row = (name, k, b, m) => {
      const l = m ? m.kf : k;
      const bl = m ? m.bf : b;
      rows.push([name, k.perSecond, b?.perSecond, m?.rate, l.p50, l.p95, l.p99, bl?.p99, k.non2xx + k.errors]);
    };

    if (runs(1)) {
      // 1. Middleware cost.
      const health = await compare('1. GET /healthz', { url: `${base}/healthz` }, { url: `${bare.express}/healthz` });
      const bareHttp = await load({ url: `${bare.http}/healthz`, connections: CONNECTIONS, duration: SECONDS });
      const health1 = health.k.perSecond / health.b.perSecond;
      record(
        '1. GET /healthz, whole stack vs bare Express (req/s)',
        '>= 0.80',
        health1,
        health1 >= 0.8 && health.k.non2xx === 0,
        health,
      );
      record(
        '1b. bare Express vs bare node:http, GET /healthz (req/s, report only)',
        null,
        health.b.perSecond / bareHttp.perSecond,
        null,
        null,
        {
          express: figures(health.b),
          nodeHttp: figures(bareHttp),
        },
      );
      row('1. GET /healthz (Karavan | bare Express)', health.k, health.b, health);
      row('1b. bare Express | bare node:http', health.b, bareHttp, null);
    }
    if (runs(2)) {
      // 2. Read a shipment by id.
      let r = 0;
      const read = await compare(
        '2. GET /api/shipments/:id',
        {
          url: base,
          headers: auth,
          requests: [{ setupRequest: (req) => ({ ...req, path: `/api/shipments/${readIds[r++ % readIds.length]}` }) }],
        },
        {
          url: bare.http,
          requests: [{ setupRequest: (req) => ({ ...req, path: `/shipments/${readIds[r++ % readIds.length]}` }) }],
        },
      );
      const read2 = read.k.perSecond / read.b.perSecond;
      record(
        '2. GET /api/shipments/:id vs driver findOne by _id (req/s)',
        '>= 0.65',
        read2,
        read2 >= 0.65 && read.k.non2xx === 0,
        read,
      );
      row('2. GET /api/shipments/:id', read.k, read.b, read);
    }
    if (runs(3)) {
      // 3. Idempotent status updates.
      const sent = new Set();
      const answered = [];
      let replays = 0;
      const updateRequest = (replayShare) => ({
        url: base,
        method: 'POST',
        headers: auth,
        requests: [
          {
            setupRequest(req, context) {
              if (replayShare > 0 && answered.length > 0 && Math.random() < replayShare) {
                const previous = answered[Math.floor(Math.random() * answered.length)];
                context.lane = -1;
                replays += 1;
                return {
                  ...req,
                  path: `/api/shipments/${previous.shipmentId}/updates`,
                  body: JSON.stringify(previous.body),
                };
              }
              const { lane, shipmentId, body } = lanes.next();
              context.lane = lane;
              context.update = { shipmentId, body };
              sent.add(body.id);
              return { ...req, path: `/api/shipments/${shipmentId}/updates`, body: JSON.stringify(body) };
            },
            onResponse(status, _body, context) {
              if (context.lane < 0) return;
              const ok = status >= 200 && status < 300;
              lanes.done(context.lane, ok);
              if (ok) answered.push(context.update);
            },
          },
        ],
      });
      const insertRequest = {
        url: bare.http,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              path: '/updates',
              body: JSON.stringify({
                id: randomUUID(),
                shipmentId: readIds[0],
                status: 'at_checkpoint',
                at: new Date().toISOString(),
              }),
            }),
          },
        ],
      };
      const updates = await compare('3. POST /api/shipments/:id/updates', updateRequest(0), insertRequest);
      const mixed = await load({ connections: CONNECTIONS, duration: SECONDS, ...updateRequest(0.2) });
      lanes.releaseAll();
      // Exactly one record per key, each once in its shipment's history.
      const ids = [...sent];
      let records = 0;
      for (let i = 0; i < ids.length; i += 1000)
        records += await ShipmentUpdate.countDocuments({ _id: { $in: ids.slice(i, i + 1000) } });
      const inHistory = new Map();
      for (const s of await Shipment.find({}, { history: 1 }).lean())
        for (const h of s.history) inHistory.set(h.id, (inHistory.get(h.id) ?? 0) + 1);
      const once = ids.filter((id) => inHistory.get(id) === 1).length;
      const exactlyOne = records === ids.length && once === ids.length;
      const update3 = updates.k.perSecond / updates.b.perSecond;
      say(
        `3. with 20% replays: ${mixed.perSecond.toFixed(0)} req/s, ${replays} replays; ${ids.length} keys, ${records} records, ${once} once in history`,
      );
      record(
        '3. POST /api/shipments/:id/updates vs idempotent driver insert (req/s); 20% replays: one record per key',
        '>= 0.45 and exactly one record per key',
        update3,
        update3 >= 0.45 && exactlyOne && updates.k.non2xx === 0 && mixed.non2xx === 0,
        updates,
        {
          withReplays: {
            ...figures(mixed),
            replays,
            keys: ids.length,
            records,
            onceInHistory: once,
            exactlyOnePerKey: exactlyOne,
          },
        },
      );
      row('3. POST .../updates (new ids)', updates.k, updates.b, updates);
      row('3. POST .../updates (20% replays)', mixed, null, null);

      // 3b, 3c (report only): the same writes done plainly by the bare server, in slices
      // alternating with the idempotent insert: what the database gives a status update before
      // any of Karavan's own work. 3b: the update's record, the shipment changed (its entry pushed
      // onto the history) and answered as it became, the live event's seq and the event; no
      // checks, no grouping. 3c: the shipment's write and answer alone.
      const plainLanes = [
        createLanes(plainIds.slice(0, PLAIN_SHIPMENTS)),
        createLanes(plainIds.slice(PLAIN_SHIPMENTS)),
      ];
      const plainRequest = (lanesOf, query) => ({
        url: bare.http,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest(req, context) {
              const { lane, shipmentId, body } = lanesOf.next();
              context.lane = lane;
              return { ...req, path: `/shipments/${shipmentId}/updates${query}`, body: JSON.stringify(body) };
            },
            onResponse(status, _body, context) {
              lanesOf.done(context.lane, status >= 200 && status < 300);
            },
          },
        ],
      });
      // Karavan's status updates again, in the same slices: every figure of this block is
      // measured side by side, with the CPU each process spent per request.
      const plainSides = [
        { connections: CONNECTIONS, ...insertRequest },
        { connections: CONNECTIONS, ...plainRequest(plainLanes[0], '') },
        { connections: CONNECTIONS, ...plainRequest(plainLanes[1], '?only=shipment') },
        { connections: CONNECTIONS, ...updateRequest(0) },
      ];
      const releasePlain = () => {
        plainLanes.forEach((l) => l.releaseAll());
        lanes.releaseAll();
      };
      await alternate(plainSides, 1, 1, releasePlain); // warm-up
      const cpu = cpuBySide({ karavan: karavan.child.pid, bare: baseline.child.pid, database: db.pid }, 4);
      const measured = await alternate(plainSides, SECONDS, 1, () => {
        cpu.afterEach();
        releasePlain();
      });
      const [insert, plain, alone, karavanSide] = measured;
      const cpuOf = measured.map((side, i) => cpu.perRequest(i, side.perSecond * SECONDS));
      const cpuText = (c) =>
        Object.entries(c)
          .map(([name, us]) => `${name} ${us}`)
          .join(', ');
      say(
        `3b/3c. req/s: insert ${insert.perSecond.toFixed(0)}, plain writes ${plain.perSecond.toFixed(0)}, the shipment alone ${alone.perSecond.toFixed(0)}, Karavan ${karavanSide.perSecond.toFixed(0)}; CPU µs per request: insert (${cpuText(cpuOf[0])}), plain (${cpuText(cpuOf[1])}), alone (${cpuText(cpuOf[2])}), Karavan (${cpuText(cpuOf[3])})`,
      );
      for (const [name, i] of [
        [
          "3b. a status update's writes done plainly by the bare server (record, shipment answered, seq, event; no checks, no grouping) vs idempotent insert (req/s, report only)",
          1,
        ],
        ["3c. the shipment's write and answer alone, bare, vs idempotent insert (req/s, report only)", 2],
      ]) {
        const side = measured[i];
        record(name, null, side.perSecond / insert.perSecond, null, null, {
          plain: figures(side),
          insert: figures(insert),
          karavan: figures(karavanSide),
          karavanToPlain: Math.round((karavanSide.perSecond / side.perSecond) * 1000) / 1000,
          cpuMicrosPerRequest: { plain: cpuOf[i], insert: cpuOf[0], karavan: cpuOf[3] },
        });
        row(name.slice(0, 3), side, insert, null);
      }
    }
    if (runs(5)) {
      // 5. Fan-out (before the big load, so that the sockets see an ordinary database).
      const WORKERS = 2;
      for (let w = 0; w < WORKERS; w++) {
        const worker = startProcess(path.join(HERE, 'sockets.mjs'), { name: `sockets ${w}` });
        await worker.url;
        workers.push(worker);
      }
      const ask = (worker, message) =>
        new Promise((resolve) => {
          const listener = (m) => {
            if (m && m.probe === undefined && m.ready === undefined) {
              worker.child.off('message', listener);
              resolve(m);
            }
          };
          worker.child.on('message', listener);
          worker.child.send(message);
        });
      const askAll = (message) => Promise.all(workers.map((w) => ask(w, message)));

      /** `sockets` clients in the dashboard room, `rate` writes/s for `seconds`: latencies, losses, heap. */
      async function fanout(label, url, server, sockets, rate, seconds, write) {
        await askAll({ close: true });
        await askAll({ reset: true });
        const snapshot = (when) =>
          HEAP_SNAPSHOTS ? path.join(HEAP_SNAPSHOTS, `${label.replace(/\W+/g, '-')}-${when}.heapsnapshot`) : undefined;
        const before = server ? await server.probe({ gc: true, heapSnapshot: snapshot('before') }) : null;
        const t0 = Date.now();
        // Each worker's sockets use users of their own, at most SOCKETS_PER_USER_MAX sockets each.
        const counts = workers.map(
          (_, i) => Math.floor(sockets / workers.length) + (i < sockets % workers.length ? 1 : 0),
        );
        let firstUser = 0;
        const opened = await Promise.all(
          workers.map((w, i) => {
            const users = Math.ceil(counts[i] / SOCKETS_PER_USER_MAX);
            const tokens = viewerTokens.slice(firstUser, (firstUser += users));
            return ask(w, {
              open: {
                url,
                tokens,
                count: counts[i],
                room: 'dashboard',
                event: 'shipment.updated',
              },
            });
          }),
        );
        const connected = opened.reduce((s, o) => s + o.opened, 0);
        const refused = opened.reduce((s, o) => s + o.failed, 0);
        const connectSeconds = (Date.now() - t0) / 1000;
        await sleep(500);
        const after = server ? await server.probe({ gc: true, heapSnapshot: snapshot('after') }) : null;
        say(`${label}: ${connected} sockets subscribed (${refused} refused) in ${connectSeconds.toFixed(1)} s`);
        // Live events go out in order: once every socket has the event of one write, whatever the
        // server still had queued from the cases before is out, and the measurement starts clean.
        const drainStart = Date.now();
        await write();
        while (Date.now() - drainStart < 120_000) {
          const got = (await askAll({ count: true })).reduce((sum, c) => sum + c.received, 0);
          if (got >= connected) break;
          await sleep(200);
        }
        const drainSeconds = (Date.now() - drainStart) / 1000;
        await askAll({ reset: true });
        // The pump's batches so far and the event-loop delay window are dropped: only this run's count.
        if (server) await server.probe({ trace: TRACE, reset: true });
        if (server && CPU_PROFILE) await server.probe({ profile: 'start' });
        // A fixed arrival rate: write i leaves at t0 + i/rate whatever the answers before it.
        const acks = {};
        let failures = 0;
        const total = Math.round(rate * seconds);
        const start = performance.now() + 100;
        const inFlight = [];
        for (let i = 0; i < total; i++) {
          const wait = start + (i * 1000) / rate - performance.now();
          if (wait > 0) await sleep(wait);
          inFlight.push(
            write().then(
              (id) => {
                acks[id] = performance.timeOrigin + performance.now();
              },
              (err) => {
                failures += 1;
                if (failures <= 3) console.error(`${label}: write failed: ${err.message}`);
              },
            ),
          );
        }
        await Promise.all(inFlight);
        if (server && CPU_PROFILE) await server.probe({ profile: CPU_PROFILE });
        const expected = Object.keys(acks).length * connected;
        const deadline = Date.now() + 15_000;
        let received = 0;
        while (Date.now() < deadline) {
          received = (await askAll({ count: true })).reduce((s, c) => s + c.received, 0);
          if (received >= expected) break;
          await sleep(200);
        }
        const reports = await askAll({ report: { acks, stages: TRACE } });
        const probed = server ? await server.probe({ trace: TRACE }) : null;
        const stages = TRACE ? stagesOf(acks, reports, probed) : undefined;
        const latencies = reports.flatMap((x) => x.latencies).sort((a, b) => a - b);
        const lost = reports.reduce((s, x) => s + x.lost, 0);
        const duplicates = reports.reduce((s, x) => s + x.duplicates, 0);
        const heapPerConnection = before && after ? (after.heapUsed - before.heapUsed) / Math.max(1, connected) : null;
        const rssPerConnection = before && after ? (after.rss - before.rss) / Math.max(1, connected) : null;
        const samplePayload = reports.find((x) => x.samplePayload)?.samplePayload;
        const out = {
          sockets: connected,
          refused,
          connectSeconds,
          drainSeconds,
          writesPerSecond: rate,
          writes: total,
          writeFailures: failures,
          eventsExpected: expected,
          eventsReceived: received,
          lost,
          duplicates,
          p50Ms: percentile(latencies, 50),
          p95Ms: percentile(latencies, 95),
          p99Ms: percentile(latencies, 99),
          maxMs: latencies[latencies.length - 1],
          heapPerConnectionKB: heapPerConnection === null ? null : Math.round((heapPerConnection / 1024) * 10) / 10,
          rssPerConnectionKB: rssPerConnection === null ? null : Math.round((rssPerConnection / 1024) * 10) / 10,
          serverLoopDelayMs: probed?.loopDelay,
          clientLoopDelayMs: reports.map((x) => x.clientLoop),
          payloadBytes: reports[0]?.payloadBytes,

          stages,
        };
        // Not in the results: only for the baseline to send the same shape (BENCH_BASELINE_LIKE).
        Object.defineProperty(out, 'samplePayload', { value: samplePayload, enumerable: false });
        if (stages)
          console.log(
            JSON.stringify(
              {
                label,
                stages,
                serverLoop: probed?.loopDelay,
                clientLoop: out.clientLoopDelayMs,
                payloadBytes: out.payloadBytes,
              },
              null,
              1,
            ),
          );
        say(
          `${label}: ${received}/${expected} events, lost ${lost}, duplicates ${duplicates}, p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms, heap ${out.heapPerConnectionKB} KB per connection`,
        );
        await askAll({ close: true });
        return out;
      }
      /**
       * Where each write's event spent its time (BENCH_TRACE=1): the pump's timed batches joined
       * with the writes' acks and the sockets' arrivals by update id. Epoch ms on one machine.
       */
      function stagesOf(acks, reports, probed) {
        const arrived = Object.assign({}, ...reports.map((r) => r.arrived));
        const spans = {};
        const add = (name, v) => (spans[name] ??= []).push(v);
        const batches = probed?.liveTrace ?? [];
        for (const b of batches) {
          add('batch: events queued', b.queued);
          add('batch: events sent', b.sent);
          add('batch: mark (watermark.begin)', b.marked - b.started);
          add('batch: take seqs ($inc)', b.seqTaken - b.marked);
          add('batch: build payloads', b.built - b.seqTaken);
          add('batch: store (insertMany)', b.stored - b.built);
          add('batch: stored -> batch before sent', b.sentAfter - b.stored);
          add('batch: emit (io.to().emit loop)', b.emitted - (b.sentAfter ?? b.stored));
          add('batch: whole', b.emitted - b.started);
          for (const u of b.updates) {
            const ack = acks[u.id];
            const got = arrived[u.id];
            if (ack === undefined || !got) continue;
            add('event: enqueued -> ack (HTTP answer)', ack - u.enqueued);
            add('event: enqueued -> batch started (queue wait)', b.started - u.enqueued);
            add('event: batch started -> emitted', b.emitted - b.started);
            add('event: emitted -> first socket', got[0] - b.emitted);
            add('event: emitted -> median socket', got[1] - b.emitted);
            add('event: emitted -> last socket', got[2] - b.emitted);
            add('event: ack -> median socket', got[1] - ack);
          }
        }
        const out = { batches: batches.length };
        for (const [name, list] of Object.entries(spans)) {
          list.sort((x, y) => x - y);
          const r = (v) => Math.round(v * 10) / 10;
          out[name] = {
            n: list.length,
            p50: r(percentile(list, 50)),
            p99: r(percentile(list, 99)),
            max: r(list[list.length - 1]),
          };
        }
        return out;
      }
      const karavanWrite = async () => {
        const { lane, shipmentId, body } = fanLanes.next();
        try {
          await api(base, 'POST', `/api/shipments/${shipmentId}/updates`, token, body);
          fanLanes.done(lane, true);
          return body.id;
        } catch (err) {
          fanLanes.done(lane, false);
          throw err;
        }
      };
      const baselineWrite = async () => {
        const id = randomUUID();
        const like = BASELINE_LIKE ? fan.samplePayload : undefined;
        await api(bare.http, 'POST', '/fanout', null, { id, pad: BASELINE_PAD, like });
        return id;
      };
      const fan = await fanout(
        `5. Karavan, ${SOCKETS} sockets`,
        base,
        karavan,
        SOCKETS,
        50,
        FANOUT_SECONDS,
        karavanWrite,
      );
      const fanBase = await fanout(
        `5. baseline, ${SOCKETS} sockets`,
        bare.http,
        null,
        SOCKETS,
        50,
        FANOUT_SECONDS,
        baselineWrite,
      );
      const fanMet =
        fan.p50Ms <= 20 &&
        fan.p99Ms <= 100 &&
        fan.lost === 0 &&
        fan.duplicates === 0 &&
        fan.writeFailures === 0 &&
        fan.refused === 0 &&
        fan.heapPerConnectionKB <= 12;
      record(
        `5. fan-out, ${SOCKETS} dashboard sockets, 50 updates/s: write acknowledged -> event received`,
        'p50 <= 20 ms, p99 <= 100 ms, nothing lost, heap <= 12 KB per connection',
        fanBase.p99Ms / Math.max(fan.p99Ms, 0.01),
        fanMet,
        null,
        {
          p50Ms: fan.p50Ms,
          p95Ms: fan.p95Ms,
          p99Ms: fan.p99Ms,
          karavan: fan,
          baseline: fanBase,
          ratioOf: 'baseline p99 / Karavan p99',
        },
      );
      rows.push([
        `5. fan-out ${SOCKETS} sockets, 50/s (ms)`,
        null,
        null,
        50,
        fan.p50Ms,
        fan.p95Ms,
        fan.p99Ms,
        fanBase.p99Ms,
        fan.lost,
      ]);
      if (MANY_SOCKETS > 0) {
        const many = await fanout(
          `5b. Karavan, ${MANY_SOCKETS} sockets`,
          base,
          karavan,
          MANY_SOCKETS,
          5,
          FANOUT_SECONDS,
          karavanWrite,
        );
        record(
          `5b. fan-out, ${MANY_SOCKETS} dashboard sockets, 5 updates/s (how far it goes)`,
          'every socket connected, nothing lost (p50/p99 reported)',
          1,
          many.refused === 0 && many.lost === 0 && many.duplicates === 0 && many.writeFailures === 0,
          null,
          { p50Ms: many.p50Ms, p95Ms: many.p95Ms, p99Ms: many.p99Ms, karavan: many, openFilesLimit: openFilesLimit() },
        );
        rows.push([
          `5b. fan-out ${MANY_SOCKETS} sockets, 5/s (ms)`,
          null,
          null,
          5,
          many.p50Ms,
          many.p95Ms,
          many.p99Ms,
          null,
          many.lost,
        ]);
      }
    }
    for (const w of workers) await w.stop();
    workers.length = 0;

    if (runs(4)) {
      // 4. Reads that never scan the ledger, with a big one in the database: its own database
      // (bulk-loaded by a child process), Karavan and baseline processes.
      await karavan.stop();
      await baseline.stop();
      say(`4. the big ledger: ${DONATIONS.toLocaleString('en')} donations x ${LINES} lines`);
      const ledger = await ledgerDatabase(DONATIONS, LINES);
      const { campaignId, locationId, movements, donations, loadSeconds } = ledger.meta;
      const karavan4 = startKaravan(ledger.uri);
      const baseline4 = startProcess(path.join(HERE, 'baseline.mjs'), {
        name: 'baseline (ledger)',
        env: { MONGODB_URI: ledger.uri },
      });
      try {
        const base4 = await karavan4.url;
        const bare4 = JSON.parse(await baseline4.url);
        const { accessToken } = await api(base4, 'POST', '/api/auth/login', null, {
          email: 'bench@karavan.local',
          password: 'bench password',
        });
        const auth4 = { authorization: `Bearer ${accessToken}` };
        say(
          `4. ${movements.toLocaleString('en')} ledger entries, ${donations.toLocaleString('en')} donations (written in bulk in ${loadSeconds.toFixed(0)} s)`,
        );
        const progress = await compare(
          '4. GET /api/campaigns/:id/progress',
          { url: `${base4}/api/campaigns/${campaignId}/progress`, headers: auth4 },
          { url: `${bare4.http}/progress/${campaignId}` },
        );
        const stockRead = await compare(
          '4. GET /api/stock?locationId=',
          { url: `${base4}/api/stock?locationId=${locationId}`, headers: auth4 },
          { url: `${bare4.http}/stock?locationId=${locationId}` },
        );
        for (const [name, m] of [
          ['4. GET /api/campaigns/:id/progress', progress],
          ['4. GET /api/stock?locationId=', stockRead],
        ]) {
          record(
            `${name} with ${movements.toLocaleString('en')} ledger entries and ${donations.toLocaleString('en')} donations (p95 at half the maximum rate)`,
            'p95 < 20 ms',
            m.k.perSecond / m.b.perSecond,
            m.kf.p95 < 20 && m.kf.non2xx === 0,
            m,
            {
              ratioOf: 'req/s vs the driver doing the same reads',
              bulkLoadSeconds: Math.round(loadSeconds),
            },
          );
          row(name, m.k, m.b, m);
        }
      } finally {
        await karavan4.stop().catch(() => undefined);
        await baseline4.stop().catch(() => undefined);
        await ledger.stop();
      }
    }
  } finally {
    for (const w of workers) await w.stop().catch(() => undefined);
    await karavan.stop().catch(() => undefined);
    await baseline.stop().catch(() => undefined);
    await mongoose.disconnect();
    await db.stop();
  }

  const took = (Date.now() - startedAt) / 1000;
  const report = writeReport(true);
  if (CASES.has('all')) await writeReadmeTables();
  const m = report.machine;
  console.log(
    `\nKaravan benchmarks, ${m.cpus} x ${m.model}, ${m.memory}, Node ${m.node}, ${m.os}; ${took.toFixed(0)} s\n`,
  );
  const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '' : Number(v).toFixed(d));
  console.log(
    ['case'.padEnd(44), 'req/s', 'base req/s', 'fixed rate', 'p50 ms', 'p95 ms', 'p99 ms', 'base p99', 'errors']
      .map((h, i) => (i ? h.padStart(10) : h))
      .join(' '),
  );
  for (const [name, rps, brps, rate, p50, p95, p99, bp99, errs] of rows) {
    console.log(
      [name.padEnd(44), fmt(rps), fmt(brps), fmt(rate), fmt(p50, 1), fmt(p95, 1), fmt(p99, 1), fmt(bp99, 1), fmt(errs)]
        .map((v, i) => (i ? v.padStart(10) : v))
        .join(' '),
    );
  }
  console.log(
    '\n(latencies: Karavan at the fixed rate, half the lower maximum of Karavan and its baseline; fan-out: write acknowledged -> event received)\n',
  );
  for (const c of results) {
    const verdict = c.met === null ? 'report' : c.met ? 'MET' : 'MISSED';
    console.log(
      `${verdict.padEnd(7)} ${c.name}: ratio ${c.ratio}${c.target ? `, target ${c.target}` : ''}${c.p95Ms !== undefined ? `, p50/p95/p99 ${c.p50Ms}/${c.p95Ms}/${c.p99Ms} ms` : ''}`,
    );
  }
  console.log(`\nWritten: bench/results/${CASES.has('all') ? '' : 'partial/'}latest.json (${os.hostname()})`);
  if (results.some((c) => c.met === false)) process.exitCode = 1;
}
