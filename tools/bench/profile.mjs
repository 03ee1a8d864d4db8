#!/usr/bin/env node
// Finds where a request's time goes: starts the embedded database and Karavan under
// `node --cpu-prof`, loads one route with autocannon, stops the server (which writes the
// profile) and prints the functions with the most self time, and the packages/files they are in.
//   node tools/bench/profile.mjs [path] [seconds]      e.g. node tools/bench/profile.mjs /healthz 10
//   node tools/bench/profile.mjs updates [seconds]     status updates on shipments on the road (case 3)
//   node tools/bench/profile.mjs shipment [seconds]    a shipment read by its id (case 2)
// The .cpuprofile is kept under .cache/profiles/ (open it in Chrome DevTools or speedscope).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, api, load, startDatabase, startKaravan } from './lib.mjs';
import { createLanes, shipmentsOnTheRoad } from './lanes.mjs';

const require = createRequire(import.meta.url);
const mongoose = require('mongoose');
const { connectOptions, ensureIndexes } = require('../../server/dist/db/database.js');
const { hashPassword } = require('../../server/dist/lib/passwords.js');
const { User } = require('../../server/dist/users/users.model.js');

const route = process.argv[2] ?? '/healthz';
const seconds = Number(process.argv[3] ?? 10);
const dir = path.join(ROOT, '.cache', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
fs.mkdirSync(dir, { recursive: true });

const db = await startDatabase('karavan-profile-');
const uri = `${db.uri}karavan_profile`;
await mongoose.connect(uri, connectOptions());
await ensureIndexes();
await User.create({
  email: 'bench@karavan.local',
  name: 'Bench',
  role: 'organiser',
  mustChangePassword: false,
  passwordHash: await hashPassword('bench password'),
});
const karavan = startKaravan(uri, {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
try {
  const base = await karavan.url;
  const { accessToken } = await api(base, 'POST', '/api/auth/login', null, {
    email: 'bench@karavan.local',
    password: 'bench password',
  });
  const r =
    route === 'updates'
      ? await loadUpdates(base, accessToken)
      : route === 'shipment'
        ? await loadShipmentReads(base, accessToken)
        : await load({
            url: `${base}${route}`,
            headers: { authorization: `Bearer ${accessToken}` },
            duration: seconds,
          });
  console.log(`${route}: ${r.perSecond.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}`);
} finally {
  await karavan.stop();
  await mongoose.disconnect();
  await db.stop();
}

/** Case 3 of `npm run bench`: status updates, one lane per connection, each a valid next step. */
async function loadUpdates(base, token) {
  const ids = await shipmentsOnTheRoad(base, token, 200);
  const lanes = createLanes(ids);
  return load({
    url: base,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    duration: seconds,
    requests: [
      {
        setupRequest(req, context) {
          const { lane, shipmentId, body } = lanes.next();
          context.lane = lane;
          return { ...req, path: `/api/shipments/${shipmentId}/updates`, body: JSON.stringify(body) };
        },
        onResponse(status, _body, context) {
          lanes.done(context.lane, status >= 200 && status < 300);
        },
      },
    ],
  });
}

const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map();
const byPlace = new Map();
for (const [id, us] of self) {
  const { callFrame } = byId.get(id);
  const where = callFrame.url.replace(/^file:\/\//, '').replace(ROOT, '');
  const key = `${callFrame.functionName || '(anonymous)'} ${where}:${callFrame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const pkg =
    /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ??
    (where.startsWith('/server') ? where : where || callFrame.functionName);
  byPlace.set(pkg, (byPlace.get(pkg) ?? 0) + us);
}
const top = (map, n) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`)
    .join('\n');
console.log(
  `\nself time by package or file:\n${top(byPlace, 25)}\n\nself time by function:\n${top(byFunction, 30)}\n\nprofile: ${path.join(dir, file)}`,
);

// Each middleware's own share of the server's busy time: a middleware is a function Express's
// router calls (`handleRequest` in router/lib/layer.js) or the route's chain calls (`next` of
// `sequence` in server/dist/lib/route.js). It calls the next one inside itself, so the profile's
// tree is cut at each call: a middleware owns its subtree less the subtrees of the middlewares and
// the router steps it calls; the router's own steps (finding and calling the next layer) are one
// line. What runs later (after an await: the handler's answer) is counted where it runs.
const children = new Map(profile.nodes.map((n) => [n.id, n.children ?? []]));
const frame = (id) => byId.get(id).callFrame;
const isCaller = (id) => {
  const { functionName, url } = frame(id);
  return (
    (functionName === 'handleRequest' && url.includes('router/lib/layer.js')) ||
    (functionName === 'next' && url.endsWith('server/dist/lib/route.js'))
  );
};
const ROUTER = 'Express router: finding and calling the next layer';
const nameOf = (id) => {
  const where = frame(id)
    .url.replace(/^file:\/\//, '')
    .replace(ROOT, '');
  return `${frame(id).functionName || '(anonymous)'} ${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ?? where}:${frame(id).lineNumber + 1}`;
};
const own = new Map();
const busy = total - [...self].filter(([id]) => frame(id).functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
const REST = '(Node: HTTP parsing, sockets, timers; garbage collection; start-up)';
const walk = (id, entry) => {
  if (frame(id).functionName !== '(idle)') own.set(entry, (own.get(entry) ?? 0) + (self.get(id) ?? 0));
  for (const c of children.get(id)) {
    const { url } = frame(c);
    const key =
      isCaller(id) && !isCaller(c)
        ? nameOf(c)
        : url.includes('node_modules/router/') || isCaller(c)
          ? entry === REST
            ? entry
            : ROUTER
          : entry === REST && url.includes('/server/dist/')
            ? `${nameOf(c)} (outside the chain: after an await)`
            : entry;
    walk(c, key);
  }
};
walk(profile.nodes[0].id, REST);
const shares = [...own]
  .filter(([, us]) => us > 0)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 25)
  .map(([middleware, us]) => ({ middleware, percent: Math.round((1000 * us) / busy) / 10 }));
console.log(
  `\neach middleware's own time, % of the server's busy time (${(busy / 1e6).toFixed(1)} s):\n${shares
    .map((s) => `${s.percent.toFixed(1).padStart(5)} %  ${s.middleware}`)
    .join('\n')}`,
);
if (process.env.PROFILE_SAVE) {
  fs.writeFileSync(
    process.env.PROFILE_SAVE,
    `${JSON.stringify({ route, seconds, at: new Date().toISOString(), busySeconds: busy / 1e6, shares }, null, 2)}\n`,
  );
  console.log(`written: ${process.env.PROFILE_SAVE}`);
}

/** Case 2 of `npm run bench`: a shipment read by its id, 20 shipments in turn. */
async function loadShipmentReads(base, token) {
  const ids = await shipmentsOnTheRoad(base, token, 20);
  let n = 0;
  return load({
    url: base,
    headers: { authorization: `Bearer ${token}` },
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, path: `/api/shipments/${ids[n++ % ids.length]}` }) }],
  });
}
