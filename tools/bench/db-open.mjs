#!/usr/bin/env node
// `npm run bench:db-open`: how long the embedded database (H2 file) takes to open with
// BENCH_OPEN_DOCS documents (default 1,000,000) under three secondary indexes, which it rebuilds in
// memory from the documents when it opens: from the launch to READY, and to the first indexed
// query answered. Loads the documents first (a minute or two at 1M).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { MongoClient } = require('mongodb');
const { startEmbeddedDb } = require('../../server/dist/db/embedded-db.js');

const DOCS = Number(process.env.BENCH_OPEN_DOCS ?? 1_000_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-open-'));
try {
  let db = await startEmbeddedDb({ dir });
  let client = await MongoClient.connect(db.uri);
  let ledger = client.db('karavan_bench').collection('ledger');
  await ledger.createIndex({ locationId: 1, at: -1 });
  await ledger.createIndex({ campaignId: 1, at: -1 });
  await ledger.createIndex({ donationId: 1 });
  const loadStarted = Date.now();
  for (let i = 0; i < DOCS; i += 5000) {
    await ledger.insertMany(
      Array.from({ length: Math.min(5000, DOCS - i) }, (_, j) => ({
        _id: `m:${String(i + j).padStart(8, '0')}`,
        itemId: `item-${(i + j) % 300}`,
        locationId: `loc-${(i + j) % 400}`,
        campaignId: `camp-${(i + j) % 10}`,
        donationId: `don-${Math.floor((i + j) / 10)}`,
        qty: ((i + j) % 7) + 1,
        at: new Date(1_650_000_000_000 + (i + j) * 1000),
      })),
      { ordered: false },
    );
  }
  const loadSeconds = (Date.now() - loadStarted) / 1000;
  await client.close();
  await db.stop();
  const size = fs.statSync(path.join(dir, 'karavan.mv.db')).size;

  const openStarted = Date.now();
  db = await startEmbeddedDb({ dir });
  const readySeconds = (Date.now() - openStarted) / 1000;
  client = await MongoClient.connect(db.uri);
  ledger = client.db('karavan_bench').collection('ledger');
  const first = await ledger.find({ locationId: 'loc-7' }).sort({ at: -1 }).limit(50).toArray();
  const firstSeconds = (Date.now() - openStarted) / 1000;
  const t = process.hrtime.bigint();
  const again = await ledger.find({ donationId: 'don-4242' }).toArray();
  const pointMs = Number(process.hrtime.bigint() - t) / 1e6;
  console.log(
    `${DOCS} documents, 3 secondary indexes, data file ${(size / 1e6).toFixed(0)} MB (loaded in ${loadSeconds.toFixed(0)} s)\n` +
      `open: READY after ${readySeconds.toFixed(1)} s, first indexed query (${first.length} rows) answered after ${firstSeconds.toFixed(1)} s\n` +
      `then an indexed find (${again.length} rows): ${pointMs.toFixed(1)} ms`,
  );
  await client.close();
  await db.stop();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
