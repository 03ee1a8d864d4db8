#!/usr/bin/env node
// `npm run bench:dashboard`: the organisers' dashboard with a big drive, in Debian's Chromium
// against the real server on the embedded database (an H2 file, as `npm start` runs it).
//
// 1. Baseline: a campaign with one donation and one truck on the road (an empty database but for
//    that), measured first.
// 2. Big drive: 100,000 donations (the seed's `--scale` writer: ledger, index, balances, totals
//    and the dashboard's hourly counters, as the services keep them) and 50 trucks on the road,
//    created and moved through the API (positions, a checkpoint, some not heard from for 3 h).
//
// For each: the time from navigation start to a fully rendered dashboard (progress numbers,
// every truck in the list and on the map, the chart, the stock and the feed), a first load (the
// bundle already cached by the sign-in page) and BENCH_LOADS more; the API calls the page made (time, bytes) and the same calls timed from
// Node; then a burst of BENCH_BURST donations in BENCH_BURST_MS posted through the API: the time
// from each POST to the number changing on screen, long tasks (PerformanceObserver 'longtask')
// and frame gaps over 50 ms meanwhile, and the API requests the page made during the burst (it
// must make none: events update the client cache). Figures are printed with the ratio of the big
// drive to the baseline and written to bench/results/dashboard.json. Map tiles are refused (no
// tile server here, as often in the field). Bounded: a fixed number of loads and requests.
/* global window, document, requestAnimationFrame, MutationObserver -- pageProbe and page.evaluate run in the page */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const mongoose = require('mongoose');
const { startEmbeddedDb } = require('../../server/dist/db/embedded-db.js');
const { connectOptions, ensureIndexes } = require('../../server/dist/db/database.js');
const { createKaravan } = require('../../server/dist/app.js');
const { loadConfig } = require('../../server/dist/config.js');
const { createLogger } = require('../../server/dist/lib/logger.js');
const { hashPassword } = require('../../server/dist/lib/passwords.js');
const { User } = require('../../server/dist/users/users.model.js');
const { Location } = require('../../server/dist/locations/locations.model.js');
const { seedSynthetic, progressReporter } = require('../../server/dist/seeds/synthetic.js');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DONATIONS = Number(process.env.BENCH_DONATIONS ?? 100_000);
const TRUCKS = Number(process.env.BENCH_TRUCKS ?? 50);
const BURST = Number(process.env.BENCH_BURST ?? 50);
const BURST_MS = Number(process.env.BENCH_BURST_MS ?? 5_000);
const LOADS = Number(process.env.BENCH_LOADS ?? 3);
const API_REPEATS = Number(process.env.BENCH_API_REPEATS ?? 10);
const CHROMIUM = process.env.KARAVAN_CHROMIUM ?? '/usr/bin/chromium';
const OUT = path.join(ROOT, 'bench', 'results', 'dashboard.json');
const HOUR = 3_600_000;

if (!fs.existsSync(path.join(ROOT, 'client', 'dist', 'index.html'))) {
  console.error('The client is not built: run `npm run build` first (npm run bench:dashboard does).');
  process.exit(1);
}

/** Runs in the page before its scripts: records when the dashboard is complete, changes of the watched number, long tasks and frame gaps. */
function pageProbe() {
  const expect = JSON.parse(localStorage.getItem('karavan.bench.expect') || 'null');
  const bench = { ready: null, milestones: {}, longtasks: [], changes: [], gaps: [], expect };
  window.__bench = bench;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) bench.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    bench.noLongtasks = true;
  }
  let lastFrame = null;
  const frame = (t) => {
    if (lastFrame !== null && t - lastFrame > 50) bench.gaps.push({ start: lastFrame, duration: t - lastFrame });
    lastFrame = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  if (!expect) return;
  let last = null;
  const mark = (name, ok) => {
    if (ok && bench.milestones[name] === undefined) bench.milestones[name] = performance.now();
    return ok;
  };
  const check = () => {
    const cell = document.querySelector(
      `[data-testid="progress"] tr[data-item="${expect.itemId}"] td[data-column="donated"]`,
    );
    const digits = cell ? cell.textContent.replace(/\D/g, '') : null;
    if (digits !== null && digits !== last) {
      last = digits;
      bench.changes.push({ at: performance.timeOrigin + performance.now(), value: Number(digits) });
    }
    if (bench.ready !== null || bench.pending) return;
    const parts = [
      mark('progress', digits !== null && Number(digits) === expect.donated),
      mark(
        'truckList',
        document.querySelectorAll('[data-testid="shipments"] tr[data-shipment]').length === expect.trucks,
      ),
      mark('truckMarkers', document.querySelectorAll('.dashboard-truck').length === expect.trucks),
      mark('chart', document.querySelector('[data-testid="donations-chart"] rect') !== null),
      mark('stock', document.querySelector('[data-testid="stock"]') !== null),
      mark('feed', document.querySelectorAll('[data-testid="feed"] li').length > 0),
    ];
    if (parts.every(Boolean)) {
      bench.pending = true;
      // Complete in the DOM; the next frame is when it is painted.
      requestAnimationFrame(() => {
        bench.ready = performance.now();
      });
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
}

/** BENCH_PROFILE=1: a CPU profile of the page (last load and burst), its top functions by self time printed. */
async function startProfile(page) {
  if (!process.env.BENCH_PROFILE) return null;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return cdp;
}
async function stopProfile(cdp, title) {
  if (!cdp) return;
  const { profile } = await cdp.send('Profiler.stop');
  const dt = new Map();
  profile.timeDeltas.forEach((d, i) => dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + d));
  const self = new Map();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt.get(node.id) ?? 0) / 1000);
  }
  const file = path.join(os.tmpdir(), `karavan-dashboard-${title.replace(/\W+/g, '-')}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(profile));
  console.log(`  CPU profile (${title}), top self time, ${file}:`);
  for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`    ${ms.toFixed(1).padStart(8)} ms  ${key}`);
  }
}

const median = (xs) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
const quantile = (xs, q) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const round = (x, digits = 1) => (x === null || x === undefined ? null : Number(x.toFixed(digits)));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-bench-dashboard-'));
const db = await startEmbeddedDb({ dir });
// Bulk seeding keeps the database busy for seconds at a time: the driver's monitor must not give up.
await mongoose.connect(`${db.uri}karavan_bench_dashboard`, {
  ...connectOptions(),
  connectTimeoutMS: 60_000,
  serverSelectionTimeoutMS: 60_000,
});
await ensureIndexes();
const config = loadConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  LOGIN_RATE_LIMIT: '10000',
  REFRESH_RATE_LIMIT: '10000',
  WRITE_RATE_LIMIT: '100000',
});
const karavan = createKaravan({ config, logger: createLogger('silent'), jwtSecret: randomBytes(32).toString('hex') });
await new Promise((resolve) => karavan.server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${karavan.server.address().port}`;
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
});

async function call(method, url, auth, body, headers = {}) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...auth, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function user(role) {
  const email = `${role}@bench.karavan.local`;
  const doc = await User.create({
    email,
    name: role,
    role,
    mustChangePassword: false,
    passwordHash: await hashPassword('bench password'),
  });
  const login = () => call('POST', '/api/auth/login', {}, { email, password: 'bench password' });
  const tokens = await login();
  return { id: doc._id.toHexString(), email, login, auth: { authorization: `Bearer ${tokens.accessToken}` } };
}

/** `count` trucks on the road in `campaignId`: loading, departed with a position, a third at the checkpoint; every fifth last heard from 3 h ago. */
async function putTrucksOnTheRoad(auth, { campaignId, points, itemId, count, checkpoint, destination, prefix }) {
  const now = Date.now();
  for (let i = 0; i < count; i += 1) {
    const origin = points[i % points.length];
    const shipment = await call('POST', '/api/shipments', auth, {
      campaignId,
      originId: origin.id,
      destinationId: destination.id,
      route: [checkpoint.id],
      vehicle: { plate: `${prefix}${String(i).padStart(3, '0')}`, kind: 'truck', capacityKg: 5000 },
      lines: [{ itemId, quantity: 10 }],
    });
    const heard = i % 5 === 0 ? now - 3 * HOUR : now - (i % 60) * 60_000 - 60_000;
    const f = (i + 1) / (count + 1);
    const update = (status, at, extra = {}) =>
      call('POST', `/api/shipments/${shipment.id}/updates`, auth, {
        id: randomUUID(),
        status,
        at: new Date(at).toISOString(),
        ...extra,
      });
    await update('loading', heard - 20 * 60_000);
    await update('departed', heard - 10 * 60_000, {
      position: { lat: origin.position.lat + f * 0.2, lng: origin.position.lng + f * 0.3 },
    });
    if (i % 3 === 0) {
      await update('at_checkpoint', heard, { checkpointId: checkpoint.id, position: checkpoint.position });
    }
  }
}

/** Loads the dashboard of a campaign and measures it, then a burst of donations on it. */
async function measureDashboard(label, scene, organiser, coordinator) {
  const progress = await call('GET', `/api/campaigns/${scene.campaignId}/progress`, organiser.auth);
  const donated = progress.items.find((row) => row.itemId === scene.itemId).donated;
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1600, height: 1000 } });
  await context.route(/tile\.openstreetmap\.org/, (route) => route.abort('internetdisconnected'));
  await context.addInitScript(pageProbe);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  let apiRequests = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/api/')) apiRequests.push(`${req.method()} ${url.pathname}${url.search}`);
  });
  await page.goto('/');
  const tokens = await organiser.login();
  await page.evaluate(
    ([token, expect]) => {
      localStorage.setItem('karavan.refreshToken', token);
      localStorage.setItem('karavan.bench.expect', JSON.stringify(expect));
    },
    [tokens.refreshToken, { itemId: scene.itemId, donated, trucks: scene.trucks }],
  );

  const loads = [];
  let lastLoad;
  for (let n = 0; n <= LOADS; n += 1) {
    apiRequests = [];
    const cdp = n === LOADS ? await startProfile(page) : null;
    await page.goto(`/dashboard?campaign=${scene.campaignId}`, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__bench?.ready != null, null, { timeout: 120_000, polling: 50 });
    await stopProfile(cdp, `${label} load`);
    lastLoad = await page.evaluate(() => {
      const b = window.__bench;
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        readyMs: b.ready,
        milestones: b.milestones,
        domContentLoadedMs: nav?.domContentLoadedEventEnd ?? null,
        longtasks: b.longtasks.filter((t) => t.start <= b.ready),
        api: performance
          .getEntriesByType('resource')
          .filter((r) => new URL(r.name).pathname.startsWith('/api/'))
          .map((r) => ({
            url: new URL(r.name).pathname + new URL(r.name).search,
            startMs: r.startTime,
            durationMs: r.duration,
            transferBytes: r.transferSize,
            bodyBytes: r.decodedBodySize,
          })),
      };
    });
    lastLoad.apiRequests = apiRequests.length;
    loads.push(lastLoad);
  }
  const cold = loads[0];
  const warm = loads.slice(1);
  // What the issue names: progress numbers, the truck list and the trucks on the map.
  const core = (l) => Math.max(l.milestones.progress, l.milestones.truckList, l.milestones.truckMarkers);

  // The same API calls from Node (server time without the browser's share of the CPU).
  const { accessToken } = await organiser.login();
  const bearer = { authorization: `Bearer ${accessToken}` };
  const api = [];
  for (const url of [...new Set(lastLoad.api.map((r) => r.url))].filter((u) => !u.startsWith('/api/auth/'))) {
    const times = [];
    let bytes = 0;
    for (let i = 0; i < API_REPEATS; i += 1) {
      const t0 = performance.now();
      const res = await fetch(`${base}${url}`, { headers: bearer });
      const body = await res.arrayBuffer();
      times.push(performance.now() - t0);
      bytes = body.byteLength;
      if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    }
    const inPage = lastLoad.api.filter((r) => r.url === url);
    api.push({
      url: url.replace(/[0-9a-f]{24}/g, ':id'),
      calls: inPage.length,
      serverMedianMs: round(median(times)),
      jsonBytes: bytes,
      pageDurationMs: round(median(inPage.map((r) => r.durationMs))),
      transferBytes: inPage[0]?.transferBytes ?? null,
    });
  }

  // The burst: BURST donations of 1 loaf each, one every BURST_MS / BURST, through the API.
  await sleep(1000);
  const timeOrigin = await page.evaluate(() => performance.timeOrigin);
  const before = await page.evaluate(() => Number(window.__bench.changes.at(-1)?.value));
  apiRequests = [];
  const burstProfile = await startProfile(page);
  const burstStart = Date.now();
  const sent = [];
  const posts = [];
  for (let k = 0; k < BURST; k += 1) {
    const due = burstStart + (k * BURST_MS) / BURST;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    sent.push(Date.now());
    posts.push(
      call(
        'POST',
        '/api/donations',
        coordinator.auth,
        { campaignId: scene.campaignId, locationId: scene.locationId, lines: [{ itemId: scene.itemId, quantity: 1 }] },
        { 'idempotency-key': randomUUID() },
      ).then(() => Date.now()),
    );
  }
  const answered = await Promise.all(posts);
  await page.waitForFunction((target) => window.__bench.changes.at(-1)?.value >= target, before + BURST, {
    timeout: 60_000,
    polling: 50,
  });
  const burstEnd = Date.now();
  await sleep(500);
  await stopProfile(burstProfile, `${label} burst`);
  const probe = await page.evaluate(() => ({
    changes: window.__bench.changes,
    longtasks: window.__bench.longtasks,
    gaps: window.__bench.gaps,
  }));
  const latencies = sent.map((at, k) => {
    const shown = probe.changes.find((c) => c.value >= before + k + 1 && c.at >= at - 5);
    return shown ? shown.at - at : null;
  });
  const from = burstStart - timeOrigin;
  const to = burstEnd - timeOrigin + 500;
  const during = (list) => list.filter((t) => t.start >= from && t.start <= to);
  const burstLongtasks = during(probe.longtasks);
  const burstGaps = during(probe.gaps);
  const burst = {
    donations: BURST,
    seconds: round((sent.at(-1) - sent[0]) / 1000, 2),
    postMedianMs: round(median(answered.map((t, k) => t - sent[k]))),
    toScreenMs: {
      p50: round(
        quantile(
          latencies.filter((x) => x !== null),
          0.5,
        ),
      ),
      p95: round(
        quantile(
          latencies.filter((x) => x !== null),
          0.95,
        ),
      ),
      max: round(Math.max(...latencies.filter((x) => x !== null))),
      missing: latencies.filter((x) => x === null).length,
    },
    screenUpdates: probe.changes.filter((c) => c.at >= burstStart).length,
    longTasks: {
      count: burstLongtasks.length,
      totalMs: round(burstLongtasks.reduce((s, t) => s + t.duration, 0)),
      maxMs: round(Math.max(0, ...burstLongtasks.map((t) => t.duration))),
    },
    frameGapsOver50ms: { count: burstGaps.length, maxMs: round(Math.max(0, ...burstGaps.map((g) => g.duration))) },
    apiRequestsDuringBurst: apiRequests.length,
    apiRequestsDuringBurstList: [...new Set(apiRequests)].slice(0, 10),
  };
  await context.close();
  const loadSummary = (l) => ({
    readyMs: round(l.readyMs),
    milestonesMs: Object.fromEntries(Object.entries(l.milestones).map(([k, v]) => [k, round(v)])),
    domContentLoadedMs: round(l.domContentLoadedMs),
    apiRequests: l.apiRequests,
    apiBytes: l.api.reduce((s, r) => s + (r.transferBytes || 0), 0),
    longTasks: l.longtasks.length,
    longTasksMs: round(l.longtasks.reduce((s, t) => s + t.duration, 0)),
    waterfall: l.api.map((r) => ({
      url: r.url.replace(/[0-9a-f]{24}/g, ':id').slice(0, 60),
      startMs: round(r.startMs),
      endMs: round(r.startMs + r.durationMs),
    })),
  });
  return {
    label,
    donated,
    trucks: scene.trucks,
    render: {
      coldMs: round(cold.readyMs),
      warmMs: warm.map((l) => round(l.readyMs)),
      warmMedianMs: round(median(warm.map((l) => l.readyMs))),
      coreColdMs: round(core(cold)),
      coreWarmMs: warm.map((l) => round(core(l))),
      coreWarmMedianMs: round(median(warm.map(core))),
      cold: loadSummary(cold),
      lastWarm: loadSummary(warm.at(-1) ?? cold),
    },
    api,
    burst,
    pageErrors: errors,
  };
}

function printResult(r) {
  console.log(
    `\n${r.label}: ${r.donated.toLocaleString('en')} donated of the watched item, ${r.trucks} trucks on the road`,
  );
  console.log(
    `  everything rendered (+ chart, stock, feed) after navigation start: first load ${r.render.coldMs} ms, then ${r.render.warmMs.join(' / ')} ms (median ${r.render.warmMedianMs} ms)`,
  );
  console.log(
    `  progress, truck list and markers shown: first load ${r.render.coreColdMs} ms, then ${r.render.coreWarmMs.join(' / ')} ms (median ${r.render.coreWarmMedianMs} ms)`,
  );
  console.log(
    `  milestones (last load, ms): DOMContentLoaded ${r.render.lastWarm.domContentLoadedMs}, ${JSON.stringify(r.render.lastWarm.milestonesMs)}`,
  );
  if (process.env.BENCH_VERBOSE) {
    for (const w of r.render.lastWarm.waterfall)
      console.log(`    ${String(w.startMs).padStart(7)} -> ${String(w.endMs).padStart(7)}  ${w.url}`);
  }
  console.log(
    `  page load: ${r.render.lastWarm.apiRequests} API requests, ${r.render.lastWarm.apiBytes} bytes transferred, ${r.render.lastWarm.longTasks} long tasks (${r.render.lastWarm.longTasksMs} ms)`,
  );
  console.log(
    `  ${'API call'.padEnd(78)} ${'calls'.padStart(5)} ${'server ms'.padStart(9)} ${'in page ms'.padStart(10)} ${'JSON B'.padStart(8)} ${'sent B'.padStart(7)}`,
  );
  for (const a of r.api) {
    console.log(
      `  ${a.url.slice(0, 78).padEnd(78)} ${String(a.calls).padStart(5)} ${String(a.serverMedianMs).padStart(9)} ${String(a.pageDurationMs).padStart(10)} ${String(a.jsonBytes).padStart(8)} ${String(a.transferBytes).padStart(7)}`,
    );
  }
  const b = r.burst;
  console.log(
    `  burst: ${b.donations} donations in ${b.seconds} s (POST median ${b.postMedianMs} ms); POST -> number on screen p50 ${b.toScreenMs.p50} ms, p95 ${b.toScreenMs.p95} ms, max ${b.toScreenMs.max} ms (${b.screenUpdates} screen updates)`,
  );
  console.log(
    `  during the burst: ${b.longTasks.count} long tasks (${b.longTasks.totalMs} ms, longest ${b.longTasks.maxMs} ms), ${b.frameGapsOver50ms.count} frame gaps over 50 ms (longest ${b.frameGapsOver50ms.maxMs} ms), ${b.apiRequestsDuringBurst} API requests from the page`,
  );
}

let exitCode = 0;
try {
  const organiser = await user('organiser');
  const coordinator = await user('coordinator');
  const place = (name, kind, position) => call('POST', '/api/locations', organiser.auth, { name, kind, position });
  const checkpoint = await place('Кордай', 'checkpoint', { lat: 43.0386, lng: 74.7059 });
  const destination = await place('Алматы, пункт раздачи', 'distribution_point', { lat: 43.2389, lng: 76.8897 });

  // Baseline: one donation, one truck.
  const bread = await call('POST', '/api/items', organiser.auth, {
    name: { ru: 'Хлеб', en: 'Bread' },
    baseUnit: 'loaf',
    perishable: true,
    shelfLifeHours: 72,
  });
  const point = await place('Бишкек, пункт сбора', 'collection_point', { lat: 42.8746, lng: 74.6122 });
  const small = await call('POST', '/api/campaigns', organiser.auth, {
    name: 'Baseline',
    status: 'active',
    targets: [{ itemId: bread.id, quantity: 15_000 }],
  });
  await call('POST', '/api/donations', coordinator.auth, {
    campaignId: small.id,
    locationId: point.id,
    lines: [{ itemId: bread.id, quantity: 100 }],
  });
  await putTrucksOnTheRoad(organiser.auth, {
    campaignId: small.id,
    points: [point],
    itemId: bread.id,
    count: 1,
    checkpoint,
    destination,
    prefix: '01KG',
  });
  await karavan.live.idle();
  const baseline = await measureDashboard(
    'Baseline (one donation, one truck)',
    { campaignId: small.id, itemId: bread.id, locationId: point.id, trucks: 1 },
    organiser,
    coordinator,
  );
  printResult(baseline);

  // The big drive.
  console.log(`\nSeeding ${DONATIONS.toLocaleString('en')} donations and ${TRUCKS} trucks...`);
  const seedStarted = Date.now();
  const actor = { id: organiser.id, role: 'organiser', email: organiser.email, mustChangePassword: false };
  const synthetic = await seedSynthetic(actor, DONATIONS, progressReporter(process.stdout, 'donations'));
  const seedSeconds = (Date.now() - seedStarted) / 1000;
  const campaign = await call('GET', `/api/campaigns/${synthetic.campaignId}`, organiser.auth);
  const points = (await Location.find({ name: /^Synthetic point/ }).lean()).map((p) => ({
    id: p._id.toHexString(),
    position: p.position,
  }));
  const [breadTarget, , waterTarget] = campaign.targets;
  // Trucks leave from the points that have water (the seed gives water to two points in three).
  const water = await call(
    'GET',
    `/api/stock?campaignId=${synthetic.campaignId}&itemId=${waterTarget.itemId}&limit=200`,
    organiser.auth,
  );
  const withWater = points.filter((p) =>
    water.items.some((row) => row.locationId === p.id && row.onHand - row.reserved >= 100),
  );
  const trucksStarted = Date.now();
  await putTrucksOnTheRoad(organiser.auth, {
    campaignId: synthetic.campaignId,
    points: withWater,
    itemId: waterTarget.itemId,
    count: TRUCKS,
    checkpoint,
    destination,
    prefix: '02KG',
  });
  await karavan.live.idle();
  const trucksSeconds = (Date.now() - trucksStarted) / 1000;
  console.log(
    `Seeded ${synthetic.donations} donations (${synthetic.movements} ledger entries) in ${seedSeconds.toFixed(1)} s, ${TRUCKS} trucks in ${trucksSeconds.toFixed(1)} s`,
  );
  const big = await measureDashboard(
    `Big drive (${DONATIONS.toLocaleString('en')} donations, ${TRUCKS} trucks)`,
    { campaignId: synthetic.campaignId, itemId: breadTarget.itemId, locationId: points[0].id, trucks: TRUCKS },
    organiser,
    coordinator,
  );
  printResult(big);

  const ratio = (a, b) => (a && b ? round(a / b, 2) : null);
  const ratios = {
    renderWarm: ratio(big.render.warmMedianMs, baseline.render.warmMedianMs),
    coreWarm: ratio(big.render.coreWarmMedianMs, baseline.render.coreWarmMedianMs),
    renderCold: ratio(big.render.coldMs, baseline.render.coldMs),
    toScreenP50: ratio(big.burst.toScreenMs.p50, baseline.burst.toScreenMs.p50),
    toScreenP95: ratio(big.burst.toScreenMs.p95, baseline.burst.toScreenMs.p95),
    pageApiBytes: ratio(big.render.lastWarm.apiBytes, baseline.render.lastWarm.apiBytes),
  };
  const verdict = {
    coreUnderOneSecond: big.render.coreWarmMedianMs < 1000,
    everythingUnderOneSecond: big.render.warmMedianMs < 1000,
    noRefetchDuringBurst: big.burst.apiRequestsDuringBurst === 0 && baseline.burst.apiRequestsDuringBurst === 0,
    noLongTaskOver100msDuringBurst: big.burst.longTasks.maxMs <= 100,
    noPageErrors: big.pageErrors.length === 0 && baseline.pageErrors.length === 0,
  };
  console.log(`\nBig drive / baseline: ${JSON.stringify(ratios)}`);
  console.log(`Verdict: ${JSON.stringify(verdict)}`);
  if (!verdict.noRefetchDuringBurst || !verdict.noPageErrors) exitCode = 1;

  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const prettier = require('prettier');
  const json = JSON.stringify(
    {
      measuredAt: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model ?? null,
        loadAverage: os.loadavg().map((x) => round(x)),
        node: process.version,
      },
      settings: { donations: DONATIONS, trucks: TRUCKS, burst: BURST, burstMs: BURST_MS, warmLoads: LOADS },
      seed: { seconds: round(seedSeconds), ledgerEntries: synthetic.movements, trucksSeconds: round(trucksSeconds) },
      baseline,
      big,
      ratios,
      verdict,
    },
    null,
    2,
  );
  // Formatted as the repository formats JSON (npm run lint checks it).
  fs.writeFileSync(OUT, await prettier.format(json, { parser: 'json' }));
  console.log(`Written to ${path.relative(ROOT, OUT)}`);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await browser.close();
  await karavan.close();
  await mongoose.connection.dropDatabase().catch(() => undefined);
  await mongoose.disconnect();
  await db.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
