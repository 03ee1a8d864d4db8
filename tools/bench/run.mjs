#!/usr/bin/env node
// `npm run bench`: throughput of the API on the embedded database, as ratios to a baseline
// measured in the same run (GET /healthz: HTTP stack only), so that a noisy 2-core machine
// still gives comparable numbers. Bounded: a fixed number of requests per case, loopback only.
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

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-bench-'));
const db = await startEmbeddedDb({ dir });
await mongoose.connect(`${db.uri}karavan_bench`, connectOptions(true));
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
  console.log(`\nKaravan API on the embedded database, concurrency ${CONCURRENCY}, ${os.cpus().length} CPUs\n`);
  console.log('case'.padEnd(52), 'req/s'.padStart(9), 'ratio to baseline'.padStart(19), 'failures'.padStart(9));
  for (const c of cases) {
    console.log(
      c.name.padEnd(52),
      c.perSecond.toFixed(0).padStart(9),
      (c.perSecond / baseline).toFixed(3).padStart(19),
      String(c.failures).padStart(9),
    );
  }
} finally {
  await karavan.close();
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
  await db.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
