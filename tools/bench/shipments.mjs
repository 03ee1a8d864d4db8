#!/usr/bin/env node
// `npm run bench:shipments`: the status-update route on the embedded database, as `npm start`
// runs it. A driver's phone replaying its outbox: POST /api/shipments/:id/updates with 20% of the
// requests replays of an update already answered (same client-made id). Prints req/s and the
// ratio to GET /healthz measured in the same run (a noisy shared machine still gives comparable
// numbers), then checks that every update id has exactly one record and that replays changed
// nothing. Each of CONCURRENCY phones reports at_checkpoint / departed on its own shipments in
// order, taking a fresh shipment every 40 updates (a real shipment has tens of updates).
// The same load again with every new update signed by the phone's device key (ECDSA P-256, as the
// browsers make it), to give the cost of checking a signature per update, over HTTP and, in the
// process, of the check itself against the canonical JSON and SHA-256 that every update costs.
// Bounded: a fixed number of requests, loopback only.
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
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
const { ShipmentUpdate, Shipment } = require('../../server/dist/shipments/shipments.model.js');
const { reconcileStock } = require('../../server/dist/stock/index.js');
const { verifySignature } = require('../../server/dist/devices/index.js');
const { canonicalJson, signedUpdatePayload } = require('@karavan/shared');

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const REPLAY_SHARE = 0.2;
const UPDATES_PER_SHIPMENT = 40;
const WARM_UP = 100;
const TURNS = 4;

async function measure(name, count, makeRequest, concurrency = CONCURRENCY) {
  let next = 0;
  let failures = 0;
  const latencies = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < count) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        const res = await makeRequest(i, worker);
        const text = await res.text();
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!res.ok && failures++ < 2) console.error(`${name}: ${res.status} ${text.slice(0, 300)}`);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { name, perSecond: count / seconds, failures, p50: at(0.5), p95: at(0.95), count, seconds, latencies };
}

/** Runs measured in turns, as one: the machine's drift shared between the cases compared. */
function merged(name, runs) {
  const count = runs.reduce((n, r) => n + r.count, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  const failures = runs.reduce((n, r) => n + r.failures, 0);
  return { name, perSecond: count / seconds, failures, p50: at(0.5), p95: at(0.95), count, seconds, latencies };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-bench-shipments-'));
const db = await startEmbeddedDb({ dir });
await mongoose.connect(`${db.uri}karavan_bench_shipments`, connectOptions());
await ensureIndexes();
const config = loadConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  LOGIN_RATE_LIMIT: '10000',
  WRITE_RATE_LIMIT: '10000000',
});
const karavan = createKaravan({ config, logger: createLogger('silent'), jwtSecret: randomBytes(32).toString('hex') });
await new Promise((resolve) => karavan.server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${karavan.server.address().port}`;

async function call(method, url, auth, body) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

try {
  await User.create({
    email: 'bench@karavan.local',
    name: 'Bench',
    role: 'organiser',
    mustChangePassword: false,
    passwordHash: await hashPassword('bench password'),
  });
  const login = await call('POST', '/api/auth/login', {}, { email: 'bench@karavan.local', password: 'bench password' });
  const auth = { authorization: `Bearer ${login.accessToken}` };

  const item = await call('POST', '/api/items', auth, {
    name: { ru: 'Хлеб', en: 'Bread' },
    baseUnit: 'loaf',
    perishable: true,
    shelfLifeHours: 72,
  });
  const place = (name, kind) => call('POST', '/api/locations', auth, { name, kind });
  const origin = await place('Бишкек, пункт сбора', 'collection_point');
  const checkpoint = await place('Кордай', 'checkpoint');
  const destination = await place('Алматы, пункт раздачи', 'distribution_point');
  const campaign = await call('POST', '/api/campaigns', auth, { name: 'Январь 2022', targets: [] });

  // The phone's device key, registered to the bench's user (the app does this at sign-in).
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const jwk = { kty, crv, x, y };
  const device = await call('POST', '/api/devices', auth, { publicKey: jwk });
  const signed = (shipmentId, update) => {
    const body = { ...update, deviceId: device.id };
    const payload = Buffer.from(signedUpdatePayload(shipmentId, body), 'utf8');
    return {
      ...body,
      signature: sign('sha256', payload, { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
    };
  };

  // Updates unsigned and signed, in turns (a warm-up of each first), on the same shipments.
  const newUpdates = 2 * REQUESTS + 2 * WARM_UP;
  const perWorker = Math.ceil(newUpdates / CONCURRENCY) + 2;
  const shipmentsPerWorker = Math.ceil(perWorker / UPDATES_PER_SHIPMENT);
  const total = CONCURRENCY * shipmentsPerWorker;
  await call('POST', '/api/donations', auth, {
    campaignId: campaign.id,
    locationId: origin.id,
    lines: [{ itemId: item.id, quantity: total * 10 }],
  });
  let clock = Date.now() - 24 * 3_600_000;
  const at = () => new Date((clock += 1000)).toISOString();
  const phones = [];
  for (let w = 0; w < CONCURRENCY; w++) {
    const shipments = [];
    for (let s = 0; s < shipmentsPerWorker; s++) {
      const shipment = await call('POST', '/api/shipments', auth, {
        campaignId: campaign.id,
        originId: origin.id,
        destinationId: destination.id,
        route: [checkpoint.id],
        lines: [{ itemId: item.id, quantity: 10 }],
      });
      for (const status of ['loading', 'departed']) {
        await call('POST', `/api/shipments/${shipment.id}/updates`, auth, { id: randomUUID(), status, at: at() });
      }
      shipments.push(shipment.id);
    }
    phones.push({ shipments, sent: 0, answered: [] });
  }

  // Warm up the JIT and the connections.
  await measure('warm-up', 200, () => fetch(`${base}/healthz`));
  const baseline = await measure('GET /healthz (baseline)', REQUESTS * 2, () => fetch(`${base}/healthz`));

  const sentIds = new Set();
  const signedIds = new Set();
  let replays = 0;
  const updates = (withSignature, count) =>
    measure(
      `POST /api/shipments/:id/updates (${REPLAY_SHARE * 100}% replays${withSignature ? ', signed' : ''})`,
      count,
      async (_i, worker) => {
        const phone = phones[worker];
        if (phone.answered.length > 0 && Math.random() < REPLAY_SHARE) {
          replays += 1;
          const previous = phone.answered[Math.floor(Math.random() * phone.answered.length)];
          return fetch(`${base}/api/shipments/${previous.shipmentId}/updates`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...auth },
            body: JSON.stringify(previous.body),
          });
        }
        const n = phone.sent++;
        const shipmentId = phone.shipments[Math.min(phone.shipments.length - 1, Math.floor(n / UPDATES_PER_SHIPMENT))];
        const update = { id: randomUUID(), status: n % 2 === 0 ? 'at_checkpoint' : 'departed', at: at() };
        const body = withSignature ? signed(shipmentId, update) : update;
        sentIds.add(body.id);
        if (withSignature) signedIds.add(body.id);
        const res = await fetch(`${base}/api/shipments/${shipmentId}/updates`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth },
          body: JSON.stringify(body),
        });
        if (res.ok) phone.answered.push({ shipmentId, body });
        return res;
      },
    );
  await updates(false, WARM_UP);
  await updates(true, WARM_UP);
  const unsignedRuns = [];
  const signedRuns = [];
  for (let turn = 0; turn < TURNS; turn++) {
    unsignedRuns.push(await updates(false, Math.ceil(REQUESTS / TURNS)));
    signedRuns.push(await updates(true, Math.ceil(REQUESTS / TURNS)));
  }
  const updateCase = merged(unsignedRuns[0].name, unsignedRuns);
  const signedCase = merged(signedRuns[0].name, signedRuns);

  // The check itself, in this process: the server's verifySignature (key import, then ECDSA
  // P-256) of a real update's payload, against what every update costs anyway (its canonical
  // JSON and a SHA-256 of the chain record).
  const sample = signed(phones[0].shipments[0], { id: randomUUID(), status: 'at_checkpoint', at: at() });
  const samplePayload = signedUpdatePayload(phones[0].shipments[0], sample);
  const perCall = (fn, n) => {
    for (let i = 0; i < Math.min(n, 200); i++) fn();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    return Number(process.hrtime.bigint() - t0) / 1e3 / n;
  };
  const hashUs = perCall(
    () =>
      createHash('sha256')
        .update(canonicalJson({ content: sample, prevHash: null }))
        .digest('hex'),
    20_000,
  );
  let good = 0;
  const verifyUs = perCall(() => {
    if (verifySignature(jwk, samplePayload, sample.signature)) good += 1;
  }, 2_000);

  // Exactly one record per update id, and every update once in its shipment's history.
  const ids = [...sentIds];
  const records = await ShipmentUpdate.countDocuments({ _id: { $in: ids } });
  const shipments = await Shipment.find({}).lean();
  const inHistory = new Map();
  for (const s of shipments) for (const h of s.history) inHistory.set(h.id, (inHistory.get(h.id) ?? 0) + 1);
  const once = ids.filter((id) => inHistory.get(id) === 1).length;
  const verified = shipments.flatMap((s) => s.history).filter((h) => signedIds.has(h.id) && h.verified === true).length;
  const report = await reconcileStock();

  console.log(
    `\nShipment status updates on the embedded database, concurrency ${CONCURRENCY}, ${os.cpus().length} CPUs\n`,
  );
  console.log(
    'case'.padEnd(52),
    'req/s'.padStart(9),
    'ratio'.padStart(7),
    'p50 ms'.padStart(8),
    'p95 ms'.padStart(8),
    'failures'.padStart(9),
  );
  for (const c of [baseline, updateCase, signedCase]) {
    console.log(
      c.name.padEnd(52),
      c.perSecond.toFixed(0).padStart(9),
      (c.perSecond / baseline.perSecond).toFixed(3).padStart(7),
      c.p50.toFixed(1).padStart(8),
      c.p95.toFixed(1).padStart(8),
      String(c.failures).padStart(9),
    );
  }
  console.log(
    `\n${ids.length} distinct updates, ${replays} replays: ${records} update records (${records === ids.length ? 'exactly one per id' : 'MISMATCH'}), ${once} applied once in their shipment's history; reconcile: ${report.differences.length} differences`,
  );
  const extraMs = 1000 / signedCase.perSecond - 1000 / updateCase.perSecond;
  console.log(
    `Signature checking: ${verifyUs.toFixed(0)} µs per update in the process (ECDSA P-256 verify; the key, read once, is cached), ` +
      `${(verifyUs / hashUs).toFixed(1)}x the canonical JSON + SHA-256 every update costs (${hashUs.toFixed(1)} µs); ` +
      `over HTTP signed/unsigned ${(signedCase.perSecond / updateCase.perSecond).toFixed(3)} ` +
      `(${extraMs >= 0 ? '+' : ''}${extraMs.toFixed(2)} ms of server time per update, ` +
      `device lookup included); ${verified} of ${signedIds.size} signed updates recorded as verified`,
  );
  if (
    records !== ids.length ||
    once !== ids.length ||
    updateCase.failures + signedCase.failures > 0 ||
    verified !== signedIds.size ||
    good === 0 ||
    report.differences.length > 0
  ) {
    process.exitCode = 1;
  }
} finally {
  await karavan.close();
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
  await db.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
