import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import mongoose from 'mongoose';
import { startEmbeddedDb, type EmbeddedDb } from '../../server/src/db/embedded-db';

// These tests run the embedded database on its H2 file (the rest of the suite uses the memory
// backend), each in a directory of its own.
const dirs: string[] = [];
const running: EmbeddedDb[] = [];

function newDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-h2-'));
  dirs.push(dir);
  return path.join(dir, 'data', 'db');
}

async function start(dir: string, onLog?: (line: string) => void): Promise<EmbeddedDb> {
  const db = await startEmbeddedDb({ dir, onLog });
  running.push(db);
  return db;
}

async function withClient<T>(db: EmbeddedDb, use: (client: mongoose.mongo.MongoClient) => Promise<T>): Promise<T> {
  const client = new mongoose.mongo.MongoClient(db.uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.close(true);
  }
}

function mode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

/** Inodes of the TCP sockets (IPv4 and IPv6) in the LISTEN state on this machine. */
function listeningTcpInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(table)) continue;
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A') inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** Inodes of the sockets a process holds open. */
function socketInodes(pid: number): string[] {
  return fs
    .readdirSync(`/proc/${pid}/fd`)
    .map((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .map((target) => /^socket:\[(\d+)\]$/.exec(target)?.[1])
    .filter((inode): inode is string => Boolean(inode));
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((db) => db.stop()));
});

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('The embedded database on its H2 file', () => {
  test('When a second database starts on a directory in use, then it is refused; once the first stops, it starts', async () => {
    const dir = newDir();
    const first = await start(dir);
    expect(first.uri).toBe(`mongodb://${encodeURIComponent(first.socketPath)}/`);
    await expect(startEmbeddedDb({ dir })).rejects.toThrow(/in use by another running Karavan/);
    await first.stop();
    expect(first.process.exitCode).toBe(0);
    const again = await start(dir);
    await again.stop();
    expect(again.process.exitCode).toBe(0);
  });

  test('When the process that started it goes away (its stdin closes), then it stops cleanly and frees the directory', async () => {
    const dir = newDir();
    const db = await start(dir);
    const exited = new Promise<number | null>((resolve) => db.process.once('exit', (code) => resolve(code)));
    db.process.stdin!.end();
    expect(await exited).toBe(0);
    expect(fs.existsSync(db.socketPath)).toBe(false);
    await start(dir); // the lock was released
  });

  test('When the database is stopped and started again, then the data and the unique indexes are still there', async () => {
    const dir = newDir();
    let db = await start(dir);
    await withClient(db, async (client) => {
      const items = client.db('karavan_test_restart').collection('items');
      await items.createIndex({ code: 1 }, { unique: true });
      await items.insertMany([
        { code: 'bread', qty: 3 },
        { code: 'milk', qty: 5 },
      ]);
      await items.updateOne({ code: 'milk' }, { $inc: { qty: 2 } });
    });
    await db.stop();

    db = await start(dir);
    await withClient(db, async (client) => {
      const items = client.db('karavan_test_restart').collection('items');
      expect(
        await items
          .find({}, { projection: { _id: 0 } })
          .sort({ code: 1 })
          .toArray(),
      ).toEqual([
        { code: 'bread', qty: 3 },
        { code: 'milk', qty: 7 },
      ]);
      await expect(items.insertOne({ code: 'bread' })).rejects.toMatchObject({ code: 11000 });
    });
  });

  test('When a data file written before the compact key format is opened, then every document is found by its keys, no unique value can be repeated, and new keys join them', async () => {
    // Written by the launcher before StoredKeyType (see the fixture's make-keys-file.mjs): its
    // maps are ordered by the keys' Java-serialized bytes, which today's comparisons must follow.
    const dir = newDir();
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fixture = path.join(__dirname, '..', 'fixtures', 'embedded-db', 'keys-before-stored-key-type.mv.db.gz');
    fs.writeFileSync(path.join(dir, 'karavan.mv.db'), zlib.gunzipSync(fs.readFileSync(fixture)), { mode: 0o600 });
    const counts = { strings: 489, objectids: 400, numbers: 275, mixed: 185, pairs: 300 };
    type Keyed = { _id: unknown; email?: string; a?: string; b?: number };

    /** Every document is found by `_id` (and by its other unique keys), and none can be inserted again. */
    async function expectAllKeyed(client: mongoose.mongo.MongoClient, expected: Record<string, number>) {
      const keys = client.db('keys');
      for (const [name, count] of Object.entries(expected)) {
        const coll = keys.collection<Keyed>(name);
        const docs = await coll.find({}).toArray(); // a scan of the documents
        expect(docs).toHaveLength(count);
        for (let i = 0; i < docs.length; i += 100) {
          const chunk = docs.slice(i, i + 100);
          const found = await coll.find({ _id: { $in: chunk.map((d) => d._id) } }).toArray();
          expect(found).toHaveLength(chunk.length);
        }
        const again = await coll.insertMany(docs, { ordered: false }).catch((error: unknown) => error);
        expect(again).toMatchObject({ code: 11000 });
        expect((again as { writeErrors: unknown[] }).writeErrors).toHaveLength(count);
        expect(await coll.countDocuments({})).toBe(count);
      }
      const users = keys.collection<Keyed>('objectids');
      for (const doc of await users.find({}).limit(50).toArray()) {
        expect(await users.findOne({ email: doc.email })).toEqual(doc);
        await expect(users.insertOne({ _id: new mongoose.Types.ObjectId(), email: doc.email })).rejects.toMatchObject({
          code: 11000,
        });
      }
      const pairs = keys.collection<Keyed>('pairs');
      for (const doc of await pairs.find({}).limit(50).toArray()) {
        expect(await pairs.findOne({ a: doc.a, b: doc.b })).toEqual(doc);
        await expect(pairs.insertOne({ _id: -1, a: doc.a, b: doc.b })).rejects.toMatchObject({ code: 11000 });
      }
    }

    let db = await start(dir);
    await withClient(db, async (client) => {
      await expectAllKeyed(client, counts);
      const keys = client.db('keys');
      await keys
        .collection<Keyed>('strings')
        .insertMany(
          ['', 'a0', 'Хлеб и молоко', '😀😀', '\u0000x', 'z'.repeat(70_000)].map((_id) => ({ _id: `new:${_id}` })),
        );
      await keys.collection<Keyed>('objectids').insertMany(
        Array.from({ length: 30 }, (_, i) => ({
          _id: new mongoose.Types.ObjectId(),
          email: `new${i}@karavan.local`,
        })),
      );
      await keys
        .collection<Keyed>('numbers')
        .insertMany([{ _id: 3 }, { _id: -7 }, { _id: 2 ** 40 + 1 }, { _id: 0.25 }]);
      await keys.collection<Keyed>('pairs').insertMany([
        { _id: 1000, a: 'new', b: 1 },
        { _id: 1001, a: 'new', b: 2 },
      ]);
    });
    await db.stop();

    db = await start(dir);
    await withClient(db, (client) =>
      expectAllKeyed(client, { ...counts, strings: 495, objectids: 430, numbers: 279, pairs: 302 }),
    );
  });

  test('When the database process is killed (kill -9) in the middle of a stream of writes, then every acknowledged write is there after a restart', async () => {
    const dir = newDir();
    let db = await start(dir);
    const acknowledged = { inserts: 0, increments: 0 };
    let attempted = 0;
    await withClient(db, async (client) => {
      const col = client.db('karavan_test_crash').collection<{ _id: string | number; n?: number }>('writes');
      await col.insertOne({ _id: 'counter', n: 0 });
      let killed = false;
      // Ten writers, each alternating an insert and a guarded increment, until the process dies.
      const writer = async (w: number) => {
        for (let i = 0; !killed; i++) {
          attempted += 1;
          try {
            if (i % 2 === 0) {
              await col.insertOne({ _id: w * 1_000_000 + i });
              acknowledged.inserts += 1;
            } else {
              const res = await col.updateOne({ _id: 'counter', n: { $gte: 0 } }, { $inc: { n: 1 } });
              if (res.modifiedCount === 1) acknowledged.increments += 1;
            }
          } catch {
            return; // the connection died with the process
          }
          if (acknowledged.inserts + acknowledged.increments >= 1000 && !killed) {
            killed = true;
            db.process.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: 10 }, (_, w) => writer(w)));
    });
    await new Promise<void>((resolve) => {
      if (db.process.exitCode !== null || db.process.signalCode !== null) resolve();
      else db.process.once('exit', () => resolve());
    });
    expect(db.process.signalCode).toBe('SIGKILL');

    db = await start(dir);
    await withClient(db, async (client) => {
      const col = client.db('karavan_test_crash').collection<{ _id: string | number; n?: number }>('writes');
      const inserted = await col.countDocuments({ _id: { $ne: 'counter' } });
      const counter = (await col.findOne({ _id: 'counter' }))?.n ?? -1;
      // Printed for the report: how many writes were acknowledged, and how many are stored.
      process.stdout.write(
        `crash test: ${attempted} writes sent, ${acknowledged.inserts} inserts + ${acknowledged.increments} increments acknowledged; ` +
          `after kill -9 and restart: ${inserted} inserts, counter ${counter}\n`,
      );
      expect(acknowledged.inserts + acknowledged.increments).toBeGreaterThanOrEqual(1000);
      expect(inserted).toBeGreaterThanOrEqual(acknowledged.inserts);
      expect(counter).toBeGreaterThanOrEqual(acknowledged.increments);
      // Nothing is invented either: at most the writes in flight when it died come on top.
      expect(inserted - acknowledged.inserts + counter - acknowledged.increments).toBeLessThanOrEqual(10);
    });
  });

  test('When the database is killed (kill -9) while documents under secondary indexes are inserted, updated and deleted, then after a restart every indexed query answers exactly what a scan does', async () => {
    type Row = { _id: number; bin: number; tags: number[]; at: Date };
    const dir = newDir();
    let db = await start(dir);
    const acknowledged = new Map<number, Row | null>(); // the last acknowledged state of each row
    await withClient(db, async (client) => {
      const col = client.db('karavan_test_crash').collection<Row>('indexed');
      await col.createIndex({ bin: 1, at: -1 });
      await col.createIndex({ tags: 1 });
      let killed = false;
      let writes = 0;
      const writer = async (w: number) => {
        for (let i = 0; !killed; i++) {
          const id = w * 1_000 + (i % 200);
          const row: Row = {
            _id: id,
            bin: (i * 7 + w) % 10,
            tags: [i % 5, (i + w) % 3],
            at: new Date(1e12 + i * 1000),
          };
          try {
            if (i % 3 === 2) {
              await col.deleteOne({ _id: id });
              acknowledged.set(id, null);
            } else {
              await col.replaceOne({ _id: id }, row, { upsert: true });
              acknowledged.set(id, row);
            }
          } catch {
            return; // the connection died with the process
          }
          writes += 1;
          if (writes >= 800 && !killed) {
            killed = true;
            db.process.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    });
    await new Promise<void>((resolve) => {
      if (db.process.exitCode !== null || db.process.signalCode !== null) resolve();
      else db.process.once('exit', () => resolve());
    });
    expect(db.process.signalCode).toBe('SIGKILL');

    const log: string[] = [];
    db = await start(dir, (line) => log.push(line));
    // The last commit before the kill held documents and index entries that agree: the stored
    // indexes are used as they are, none is built again.
    expect(log.filter((line) => line.includes('building'))).toEqual([]);
    await withClient(db, async (client) => {
      const col = client.db('karavan_test_crash').collection<Row>('indexed');
      const all = await col.find().sort({ _id: 1 }).toArray();
      // Each row's stored state is its last acknowledged one, or the write in flight after it.
      expect(all.length).toBeGreaterThan(0);
      for (const bin of [0, 3, 7]) {
        const scanned = all.filter((r) => r.bin === bin);
        expect(await col.find({ bin }).sort({ _id: 1 }).toArray()).toEqual(scanned);
        const newest = [...scanned].sort((a, b) => b.at.getTime() - a.at.getTime() || a._id - b._id).slice(0, 5);
        const indexed = await col.find({ bin }).sort({ at: -1 }).limit(5).toArray();
        expect(indexed.map((r) => r.at.getTime())).toEqual(newest.map((r) => r.at.getTime()));
      }
      for (const tag of [0, 2, 4]) {
        expect(await col.find({ tags: tag }).sort({ _id: 1 }).toArray()).toEqual(
          all.filter((r) => r.tags.includes(tag)),
        );
      }
      expect(await col.countDocuments({ bin: { $in: [1, 2] } })).toBe(
        all.filter((r) => r.bin === 1 || r.bin === 2).length,
      );
      // The indexes are still there and still kept up to date after the restart.
      // (listed in the order H2 stores their descriptions, not always the order of creation)
      expect((await col.listIndexes().toArray()).map((i) => i.name).sort()).toEqual(['_id_', 'bin_1_at_-1', 'tags_1']);
      await col.deleteMany({ bin: 3 });
      expect(await col.countDocuments({ bin: 3 })).toBe(0);
      await col.insertOne({ _id: -1, bin: 3, tags: [42], at: new Date(0) });
      expect(await col.find({ tags: 42 }).toArray()).toEqual([{ _id: -1, bin: 3, tags: [42], at: new Date(0) }]);
      // Acknowledged writes survived: rows differ from the acknowledged states by at most the
      // eight writes (one per writer) in flight when it died.
      const differing = [...acknowledged].filter(([id, row]) => {
        const stored = all.find((r) => r._id === id) ?? null;
        return JSON.stringify(stored) !== JSON.stringify(row);
      });
      expect(differing.length).toBeLessThanOrEqual(8);
    });
  }, 120_000);

  test('When the database is stopped and started again after inserts, updates, replaces and deletes under secondary indexes, then it uses the stored indexes and every indexed query answers exactly what a scan does', async () => {
    type Row = { _id: string; place: string; status: string; tags: string[]; at: Date; n: number };
    const dir = newDir();
    const places = ['osh', 'bishkek', 'almaty', 'naryn'];
    const statuses = ['planned', 'loading', 'in_transit', 'delivered'];
    const body = (i: number): Omit<Row, '_id'> => ({
      place: places[i % 4]!,
      status: statuses[(i * 3) % 4]!,
      tags: [`t${i % 3}`, `t${(i + 1) % 5}`],
      at: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
      n: i,
    });
    const row = (i: number): Row => ({ _id: `r${i}`, ...body(i) });
    /** Each indexed query and what a scan of every document (filtered here) says it must answer. */
    const checkAgainstScan = async (col: mongoose.mongo.Collection<Row>) => {
      const all = await col.find().sort({ _id: 1 }).toArray();
      expect(all.length).toBeGreaterThan(0);
      const byId = (a: Row, b: Row) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
      for (const place of places) {
        const scanned = all.filter((r) => r.place === place);
        expect(await col.find({ place }).sort({ _id: 1 }).toArray()).toEqual(scanned);
        const newest = [...scanned].sort((a, b) => b.at.getTime() - a.at.getTime() || byId(b, a)).slice(0, 7);
        expect(await col.find({ place }).sort({ at: -1, _id: -1 }).limit(7).toArray()).toEqual(newest);
        expect(await col.countDocuments({ place })).toBe(scanned.length);
      }
      for (const status of statuses) {
        const since = new Date(Date.UTC(2026, 0, 1) + 150 * 60_000);
        expect(
          await col
            .find({ status, at: { $gte: since } })
            .sort({ _id: 1 })
            .toArray(),
        ).toEqual(all.filter((r) => r.status === status && r.at >= since));
      }
      for (const tag of ['t0', 't2', 't4', 'new']) {
        expect(await col.find({ tags: tag }).sort({ _id: 1 }).toArray()).toEqual(
          all.filter((r) => r.tags.includes(tag)),
        );
      }
      return all.length;
    };

    let db = await start(dir);
    await withClient(db, async (client) => {
      const col = client.db('karavan_test_reopen').collection<Row>('indexed');
      await col.createIndex({ place: 1, at: -1, _id: -1 });
      await col.createIndex({ status: 1, at: 1 });
      await col.createIndex({ tags: 1 });
      await col.insertMany(Array.from({ length: 400 }, (_, i) => row(i)));
      await col.updateMany({ n: { $lt: 100 } }, { $set: { place: 'naryn' } }); // a key changes
      await col.updateMany({ n: { $gte: 300 } }, { $set: { note: 'x' } }); // no key changes
      await col.updateOne({ _id: 'r5' }, { $push: { tags: 'new' } });
      for (let i = 100; i < 140; i++) await col.replaceOne({ _id: `r${i}` }, body(i + 1000));
      await col.deleteMany({ status: 'loading', n: { $lt: 250 } });
      await col.deleteOne({ _id: 'r399' });
      await checkAgainstScan(col);
    });
    await db.stop();

    const log: string[] = [];
    db = await start(dir, (line) => log.push(line));
    // Opened on the stored entries: no index is built again from the documents.
    expect(log.filter((line) => line.includes('building'))).toEqual([]);
    await withClient(db, async (client) => {
      const col = client.db('karavan_test_reopen').collection<Row>('indexed');
      const before = await checkAgainstScan(col);
      // And they are kept up to date after the reopen, through another reopen.
      await col.insertOne(row(5000));
      await col.updateOne({ _id: 'r200' }, { $set: { place: 'osh', at: new Date(0) } });
      await col.deleteMany({ place: 'almaty' });
      expect(await checkAgainstScan(col)).toBeLessThan(before);
    });
    await db.stop();
    db = await start(dir);
    await withClient(db, async (client) => {
      await checkAgainstScan(client.db('karavan_test_reopen').collection<Row>('indexed'));
    });
  }, 120_000);

  test("When it runs, then its data and its socket belong to Karavan's user alone and it listens on no TCP port", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-h2-'));
    dirs.push(root);
    const dir = path.join(root, 'data', 'db');
    const db = await start(dir);
    await withClient(db, (client) => client.db('karavan_test_private').collection('secrets').insertOne({ s: 'x' }));

    expect(mode(path.join(root, 'data'))).toBe(0o700);
    expect(mode(dir)).toBe(0o700);
    for (const file of fs.readdirSync(dir)) expect([file, mode(path.join(dir, file))]).toEqual([file, 0o600]);
    expect(path.dirname(db.socketPath)).toBe(dir);
    expect(fs.statSync(db.socketPath).isSocket()).toBe(true);

    const listening = listeningTcpInodes();
    const sockets = socketInodes(db.process.pid!);
    expect(sockets.length).toBeGreaterThan(0);
    expect(sockets.filter((inode) => listening.has(inode))).toEqual([]);
  });

  test('When a process of another local user tries the socket and the files, then it is refused and reads nothing', async () => {
    const db = await start(newDir());
    await withClient(db, (client) => client.db('karavan_test_private').collection('secrets').insertOne({ s: 'x' }));

    // A client that speaks to the socket and reads the files; the same script run as Karavan's
    // user shows that it would succeed.
    const probe = `
      const fs = require('node:fs');
      const net = require('node:net');
      const [socketPath, dbFile] = process.argv.slice(1);
      const result = {};
      try { fs.readFileSync(dbFile); result.file = 'read'; } catch (e) { result.file = e.code; }
      const s = net.connect(socketPath);
      s.on('connect', () => { result.socket = 'connected'; s.destroy(); console.log(JSON.stringify(result)); });
      s.on('error', (e) => { result.socket = e.code; console.log(JSON.stringify(result)); });
    `;
    const args = [
      process.execPath,
      '-e',
      probe,
      db.socketPath,
      path.join(path.dirname(db.socketPath), 'karavan.mv.db'),
    ];
    const asKaravan = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
    expect(JSON.parse(asKaravan.stdout)).toEqual({ file: 'read', socket: 'connected' });

    if (process.getuid?.() === 0) {
      // As root, switch to `nobody` for the other user (CI and the test machine run as root).
      const asNobody = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', ...args], {
        encoding: 'utf8',
        cwd: '/',
      });
      expect(asNobody.stderr).toBe('');
      expect(JSON.parse(asNobody.stdout)).toEqual({ file: 'EACCES', socket: 'EACCES' });
    } else {
      // Without root no other user can be run: the modes that make the kernel refuse them must hold.
      expect(mode(path.dirname(db.socketPath)) & 0o077).toBe(0);
    }
  });
});
