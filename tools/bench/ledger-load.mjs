// The big database of benchmark case 4: 100,000 donations and 1,000,000 ledger entries, written
// in bulk in the real collection shapes (see bulkLoad) into an embedded database of its own, by
// a child process (`node tools/bench/ledger-load.mjs load <uri> <donations> <lines> <meta file>`,
// its own Mongoose) while this one keeps the database running for the measurements.
// (Keeping a built copy is no shortcut: the embedded database did not even open a 2 GB file of
// 1,000,000 entries within 5 minutes on this machine; see README, "Benchmarks and soak".)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const LEDGER_DB = 'karavan_bench_ledger';

/**
 * An embedded database holding the big ledger: `{ uri, meta, dir, stop(), reopen() }`. `reopen()`
 * stops the database cleanly and starts it again on the same data file, resolving to the seconds
 * from the launch to READY (the secondary indexes are stored in the file and checked, not rebuilt); `uri` is then
 * the new one.
 */
export async function ledgerDatabase(donations, lines) {
  const require = createRequire(import.meta.url);
  const { startEmbeddedDb } = require('../../server/dist/db/embedded-db.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-bench-ledger-'));
  let db = await startEmbeddedDb({ dir });
  const handle = {
    uri: `${db.uri}${LEDGER_DB}`,
    dir,
    meta: null,
    async stop() {
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    async reopen() {
      await db.stop();
      const started = process.hrtime.bigint();
      db = await startEmbeddedDb({ dir, readyTimeoutMs: 300_000 });
      handle.uri = `${db.uri}${LEDGER_DB}`;
      return Number(process.hrtime.bigint() - started) / 1e9;
    },
  };
  try {
    const metaFile = path.join(dir, 'meta.json');
    const child = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), 'load', handle.uri, String(donations), String(lines), metaFile],
      { stdio: 'inherit' },
    );
    const code = await new Promise((resolve) => child.once('exit', (c, signal) => resolve(c ?? signal)));
    if (code !== 0) throw new Error(`loading the big ledger failed (${code})`);
    handle.meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    return handle;
  } catch (err) {
    await handle.stop();
    throw err;
  }
}

async function load(uri, donations, lines, metaFile) {
  const require = createRequire(import.meta.url);
  const mongoose = require('mongoose');
  const { connectOptions, ensureIndexes } = require('../../server/dist/db/database.js');
  // Every component's model, so that ensureIndexes declares all their indexes on the empty
  // collections first, as the server does on its first start: the bulk writes then keep them,
  // like any write (an index declared after the load would be built by the server's start).
  require('../../server/dist/app.js');
  const { hashPassword } = require('../../server/dist/lib/passwords.js');
  const { User } = require('../../server/dist/users/users.model.js');
  // Long bulk writes keep the database busy for seconds: a monitor that gives up after 3 s (the
  // server's setting, right for requests) would cut them off.
  await mongoose.connect(uri, {
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
  fs.writeFileSync(metaFile, JSON.stringify({ ...result, movements, donations: donationCount }));
  say(`${movements} ledger entries, ${donationCount} donations in ${result.loadSeconds.toFixed(0)} s`);
  await mongoose.disconnect();
}

/**
 * 100,000 donations of LINES lines each, received over 30 days at 10 collection points: the
 * donations, their ledger entries (movements), lots, balances and campaign
 * totals, written in bulk in the shapes the engine writes (the sums of exactly those movements).
 */
export async function bulkLoad(count, lineCount, say = () => undefined) {
  const require = createRequire(import.meta.url);
  const mongoose = require('mongoose');
  const { Item } = require('../../server/dist/items/items.model.js');
  const { Location } = require('../../server/dist/locations/locations.model.js');
  const { Campaign } = require('../../server/dist/campaigns/campaigns.model.js');
  const { Donation } = require('../../server/dist/donations/donations.model.js');
  const { User } = require('../../server/dist/users/users.model.js');
  const { effectOf, lotIdOf, lotExpiry } = require('../../server/dist/stock/index.js');
  const { Balance, CampaignTotal, Movement, Lot } = require('../../server/dist/stock/stock.model.js');
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'load') {
  await load(process.argv[3], Number(process.argv[4]), Number(process.argv[5]), process.argv[6]);
}
