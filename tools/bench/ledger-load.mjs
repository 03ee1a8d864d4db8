// The big database of benchmark case 4: 100,000 donations and 1,000,000 ledger entries, written
// in bulk in the real collection shapes (see bulkLoad). Writing it through the wire protocol
// takes minutes on a busy 2-core machine, so it is built once into .cache/bench/ (by a child
// process: `node tools/bench/ledger-load.mjs build <donations> <lines> <dir>`) and every run
// starts an embedded database on a fresh copy of that file. The cache key includes this file's
// loader's code and the server's stock and donation models, so a change to the shapes rebuilds it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, '..', '..');
export const LEDGER_DB = 'karavan_bench_ledger';

function cacheDir(donations, lines) {
  const hash = createHash('sha256');
  hash.update(bulkLoad.toString());
  for (const file of [
    path.join(ROOT, 'server', 'dist', 'stock', 'stock.model.js'),
    path.join(ROOT, 'server', 'dist', 'stock', 'ledger-index.js'),
    path.join(ROOT, 'server', 'dist', 'donations', 'donations.model.js'),
  ]) {
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : file);
  }
  return path.join(ROOT, '.cache', 'bench', `ledger-${donations}x${lines}-${hash.digest('hex').slice(0, 12)}`);
}

/**
 * An embedded database holding the big ledger (built first if not cached), on a copy of the
 * cached file: `{ uri, meta, stop() }`. `meta` says what is in it and how long it took to write.
 */
export async function ledgerDatabase(donations, lines, say = () => undefined) {
  const require = createRequire(import.meta.url);
  const { startEmbeddedDb } = require('../../server/dist/db/embedded-db.js');
  const cached = cacheDir(donations, lines);
  const metaFile = path.join(cached, 'meta.json');
  let fromCache = true;
  if (!fs.existsSync(metaFile)) {
    fromCache = false;
    say(`building ${path.relative(ROOT, cached)} (once; later runs copy it)`);
    const r = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), 'build', String(donations), String(lines), cached],
      {
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) throw new Error(`building the big ledger failed (${r.status ?? r.signal})`);
  }
  const meta = { ...JSON.parse(fs.readFileSync(metaFile, 'utf8')), fromCache };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-bench-ledger-'));
  fs.copyFileSync(path.join(cached, 'karavan.mv.db'), path.join(dir, 'karavan.mv.db'));
  const db = await startEmbeddedDb({ dir });
  return {
    uri: `${db.uri}${LEDGER_DB}`,
    meta,
    async stop() {
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function build(donations, lines, target) {
  const require = createRequire(import.meta.url);
  const mongoose = require('mongoose');
  const { startEmbeddedDb } = require('../../server/dist/db/embedded-db.js');
  const { connectOptions, ensureIndexes } = require('../../server/dist/db/database.js');
  const { hashPassword } = require('../../server/dist/lib/passwords.js');
  const { User } = require('../../server/dist/users/index.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-bench-ledger-build-'));
  const db = await startEmbeddedDb({ dir });
  try {
    // Long bulk writes keep the database busy for seconds: a monitor that gives up after 3 s (the
    // server's setting, right for requests) would cut them off.
    await mongoose.connect(`${db.uri}${LEDGER_DB}`, {
      ...connectOptions(),
      serverSelectionTimeoutMS: 120_000,
      connectTimeoutMS: 120_000,
      heartbeatFrequencyMS: 30_000,
    });
    await ensureIndexes();
    await User.create({
      email: 'bench@karavan.local',
      name: 'Bench',
      role: 'organiser',
      mustChangePassword: false,
      passwordHash: await hashPassword('bench password'),
    });
    const say = (text) => console.log(`  [ledger] ${text}`);
    const result = await bulkLoad(donations, lines, say);
    const [movements, donationCount] = await Promise.all([
      mongoose.connection.db.collection('movements').estimatedDocumentCount(),
      mongoose.connection.db.collection('donations').estimatedDocumentCount(),
    ]);
    await mongoose.disconnect();
    await db.stop();
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(path.join(dir, 'karavan.mv.db'), path.join(target, 'karavan.mv.db'));
    fs.writeFileSync(
      path.join(target, 'meta.json'),
      `${JSON.stringify({ ...result, movements, donations: donationCount, builtAt: new Date().toISOString() }, null, 2)}\n`,
    );
    say(`${movements} ledger entries, ${donationCount} donations in ${result.loadSeconds.toFixed(0)} s`);
  } finally {
    await db.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'build') {
  await build(Number(process.argv[3]), Number(process.argv[4]), process.argv[5]);
}

/**
 * 100,000 donations of LINES lines each, received over 30 days at 10 collection points: the
 * donations, their ledger entries (movements), the ledger index, lots, balances and campaign
 * totals, written in bulk in the shapes the engine writes (the sums of exactly those movements).
 */
export async function bulkLoad(count, lineCount, say = () => undefined) {
  const require = createRequire(import.meta.url);
  const mongoose = require('mongoose');
  const { Item } = require('../../server/dist/items/index.js');
  const { Location } = require('../../server/dist/locations/index.js');
  const { Campaign } = require('../../server/dist/campaigns/index.js');
  const { Donation } = require('../../server/dist/donations/index.js');
  const { User } = require('../../server/dist/users/index.js');
  const {
    Balance,
    CampaignTotal,
    Movement,
    Lot,
    effectOf,
    lotIdOf,
    lotExpiry,
    indexMovements,
  } = require('../../server/dist/stock/index.js');
  const HOUR = 3_600_000;
  const started = Date.now();
  const admin = await User.findOne({ email: 'bench@karavan.local' });
  const names = [
    ['Хлеб', 'Bread', 'loaf', 72],
    ['Молоко', 'Milk', 'litre', 120],
    ['Кефир', 'Kefir', 'litre', 240],
    ['Вода', 'Water', 'litre', null],
    ['Мука', 'Flour', 'kg', 4320],
    ['Рис', 'Rice', 'kg', 8640],
    ['Масло', 'Oil', 'litre', 4320],
    ['Сахар', 'Sugar', 'kg', null],
    ['Чай', 'Tea', 'piece', 8640],
    ['Гречка', 'Buckwheat', 'kg', 8640],
  ].slice(0, lineCount);
  const items = await Item.create(
    names.map(([ru, en, baseUnit, hours]) => ({
      name: { ru, en },
      baseUnit,
      perishable: hours !== null,
      shelfLifeHours: hours,
    })),
  );
  const locations = await Location.create(
    Array.from({ length: 10 }, (_, i) => ({ name: `Пункт сбора ${i + 1}`, kind: 'collection_point' })),
  );
  const campaign = await Campaign.create({
    name: 'Большой сбор',
    status: 'active',
    targets: items.map((it) => ({ itemId: it._id, quantity: 1_000_000 })),
  });
  const campaignId = campaign._id.toHexString();
  const now = Date.now();
  const balanceSums = new Map();
  const totalSums = new Map();
  const lots = new Map();
  const add = (map, id, inc, fields) => {
    const entry = map.get(id) ?? { fields, inc: {} };
    for (const [k, v] of Object.entries(inc)) entry.inc[k] = (entry.inc[k] ?? 0) + v;
    map.set(id, entry);
  };
  const BATCH = 500;
  let movementCount = 0;
  let pending = Promise.resolve();
  const spent = {};
  for (let start = 0; start < count; start += BATCH) {
    const donations = [];
    const movements = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const id = new mongoose.Types.ObjectId().toHexString();
      const receivedAt = new Date(now - 30 * 24 * HOUR + (i / count) * 30 * 24 * HOUR);
      const locationId = locations[i % locations.length]._id.toHexString();
      const lines = items.map((it, n) => {
        const itemId = it._id.toHexString();
        const expiresAt = it.shelfLifeHours
          ? lotExpiry(new Date(receivedAt.getTime() + it.shelfLifeHours * HOUR), it.shelfLifeHours)
          : null;
        const lotId = lotIdOf(campaignId, itemId, expiresAt);
        if (!lots.has(lotId)) lots.set(lotId, { _id: lotId, itemId, campaignId, expiresAt, createdAt: receivedAt });
        return { itemId, quantity: 1 + ((i + n) % 9), lotId, expiresAt };
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
        voidOpId: null,
        voidClaimedAt: null,
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
    movementCount += movements.length;
    // One batch written while the next is built.
    await pending;
    const timed = async (name, promise) => {
      const t = Date.now();
      await promise;
      spent[name] = (spent[name] ?? 0) + (Date.now() - t);
    };
    pending = Promise.all([
      timed('donations', Donation.collection.insertMany(donations, { ordered: false })),
      timed(
        'movements',
        (async () => {
          for (let i = 0; i < movements.length; i += 1000) {
            await Movement.collection.insertMany(movements.slice(i, i + 1000), { ordered: false });
          }
        })(),
      ),
      process.env.BENCH_LEDGER_INDEX === '0' ? null : timed('ledger index', indexMovements(movements, movements[0].at)),
    ]);
    if ((start / BATCH) % 20 === 19)
      say(`  ${(start + BATCH).toLocaleString('en')} donations written (ms spent: ${JSON.stringify(spent)})`);
  }
  await pending;
  let t = Date.now();
  say(`  bulk phases (ms): ${JSON.stringify(spent)}`);
  const upserts = (map, fields) =>
    [...map].map(([id, { fields: set, inc }]) => ({
      updateOne: {
        filter: { _id: id },
        update: { $inc: Object.fromEntries(fields.map((f) => [f, inc[f] ?? 0])), $setOnInsert: { ...set, ops: [] } },
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
    {
      ordered: false,
    },
  );
  say(`  lots, balances, totals: ${Date.now() - t} ms`);
  return {
    campaignId,
    locationId: locations[3]._id.toHexString(),
    loadSeconds: (Date.now() - started) / 1000,
    movements: movementCount,
  };
}
