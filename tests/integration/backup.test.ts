import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import mongoose from 'mongoose';
import request from 'supertest';
import { readManifest, restoreBackup, writeBackup } from '../../server/src/backup/backup';
import { reconcileStock } from '../../server/src/stock';
import { spawnSync } from 'node:child_process';
import { startTestApp, type TestApp } from '../support/app';
import { newTestDatabaseUri } from '../support/test-db';
import { login } from '../support/factories';
import { DEMO_PASSWORD, seedDemo } from '../support/seed';

const countAll = async () => {
  const db = mongoose.connection.db!;
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const out: Record<string, number> = {};
  for (const name of names) out[name] = await db.collection(name).countDocuments();
  return out;
};

describe('npm run backup / npm run restore', () => {
  let app: TestApp;
  let dir: string;
  beforeAll(async () => {
    app = await startTestApp();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-backup-'));
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('When a backup is restored into an emptied database, then every count is the same and the reconcile finds nothing', async () => {
    await seedDemo();
    const before = await countAll();
    const file = path.join(dir, 'demo.jsonl.gz');
    const written = await writeBackup(mongoose.connection.db!, file);
    expect(written.movements).toBe(before.movements);
    const manifest = await readManifest(file);
    expect(manifest).toMatchObject({ karavan: 'backup', format: 1, database: mongoose.connection.name });
    expect(Object.keys(manifest.collections)).toEqual(expect.arrayContaining(['donations', 'movements', 'shipments']));

    await expect(restoreBackup(mongoose.connection.db!, file)).rejects.toThrow(/not empty.*--force/);

    for (const name of Object.keys(before)) await mongoose.connection.db!.collection(name).deleteMany({});
    const restored = await restoreBackup(mongoose.connection.db!, file);
    expect(restored).toEqual(Object.fromEntries(Object.entries(before).filter(([, n]) => n > 0)));
    expect(await countAll()).toEqual(before);
    expect((await reconcileStock()).differences).toEqual([]);

    // Types came back: dates are dates, so the API answers as before.
    const token = (await login(app.url, 'aigul@demo.karavan', DEMO_PASSWORD)).accessToken;
    const donations = await request(app.url).get('/api/donations').set('Authorization', `Bearer ${token}`);
    expect(donations.status).toBe(200);
    expect(donations.body.items[0].receivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test('When --force is given, then a non-empty database is emptied and replaced by the backup', async () => {
    await seedDemo();
    const file = path.join(dir, 'force.jsonl.gz');
    await writeBackup(mongoose.connection.db!, file);
    const before = await countAll();
    await mongoose.connection.db!.collection('extra_things').insertOne({ stray: true });
    await restoreBackup(mongoose.connection.db!, file, { force: true });
    const after = await countAll();
    expect(after.extra_things).toBe(0);
    expect({ ...after, extra_things: undefined }).toEqual({ ...before, extra_things: undefined });
  });

  test('When a backup file was cut short, then restore says so', async () => {
    const file = path.join(dir, 'cut.jsonl.gz');
    await writeBackup(mongoose.connection.db!, file);
    const text = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n');
    fs.writeFileSync(file, zlib.gzipSync(text.slice(0, Math.floor(text.length / 2)).join('\n')));
    await expect(restoreBackup(mongoose.connection.db!, file, { force: true })).rejects.toThrow(/truncated/);
  });

  test('When `npm run backup` and `npm run restore` run as commands, then the copy has the same counts and a second restore is refused', async () => {
    await seedDemo();
    const source = new URL(newTestDatabaseUri());
    source.pathname = `/${mongoose.connection.name}`;
    const target = newTestDatabaseUri();
    const cli = (uri: string, ...args: string[]) =>
      spawnSync(
        process.execPath,
        [path.join(__dirname, '..', '..', 'server', 'dist', 'backup', 'backup.run.js'), ...args],
        {
          env: { PATH: process.env.PATH, MONGODB_URI: uri },
          encoding: 'utf8',
        },
      );
    const file = path.join(dir, 'cli.jsonl.gz');
    try {
      const backup = cli(source.toString(), 'backup', file);
      expect(backup.stderr).toBe('');
      expect(backup.stdout).toMatch(/^Backed up \d+ documents in \d+ collections to .*cli\.jsonl\.gz/);
      const restore = cli(target, 'restore', file);
      expect(restore.stdout).toMatch(/^Restored \d+ documents/);
      expect(restore.status).toBe(0);
      const copy = mongoose.connection.getClient().db(new URL(target).pathname.slice(1));
      for (const name of ['donations', 'movements', 'balances', 'shipments', 'users', 'events']) {
        expect(await copy.collection(name).countDocuments()).toBe(
          await mongoose.connection.db!.collection(name).countDocuments(),
        );
      }
      const again = cli(target, 'restore', file);
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(/Restore failed: The database is not empty.*--force/);
    } finally {
      await mongoose.connection.getClient().db(new URL(target).pathname.slice(1)).dropDatabase();
    }
  });
});

describe('Backup file safety', () => {
  let shared: string;
  beforeAll(() => {
    // A folder every local user may write to, as /tmp is (world-writable, sticky).
    shared = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-shared-'));
    fs.chmodSync(shared, 0o1777);
  });
  afterAll(() => fs.rmSync(shared, { recursive: true, force: true }));

  test('When another user planted <file>.partial beforehand, then the backup is refused and nothing is written into it', async () => {
    const file = path.join(shared, 'k.jsonl.gz');
    const planted = `${file}.partial`;
    // `nobody` prepares an empty file anyone may write, hoping the backup goes into it.
    fs.writeFileSync(planted, '');
    fs.chmodSync(planted, 0o666);
    fs.chownSync(planted, 65534, 65534);
    await expect(writeBackup(mongoose.connection.db!, file)).rejects.toThrow(/\.partial already exists/);
    expect(fs.statSync(planted).size).toBe(0);
    expect(fs.statSync(planted).uid).toBe(65534);
    expect(fs.existsSync(file)).toBe(false);
    fs.rmSync(planted);
  });

  test('When the planted file is a symbolic link to a file of the other user, then the backup is refused and the file stays empty', async () => {
    const file = path.join(shared, 'link.jsonl.gz');
    const theirs = path.join(shared, 'theirs');
    fs.writeFileSync(theirs, '');
    fs.chmodSync(theirs, 0o666);
    fs.chownSync(theirs, 65534, 65534);
    fs.symlinkSync(theirs, `${file}.partial`);
    await expect(writeBackup(mongoose.connection.db!, file)).rejects.toThrow(/\.partial already exists/);
    expect(fs.statSync(theirs).size).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
  });

  test('When the target exists, then the backup refuses to overwrite it', async () => {
    const file = path.join(shared, 'exists.jsonl.gz');
    fs.writeFileSync(file, 'keep me');
    await expect(writeBackup(mongoose.connection.db!, file)).rejects.toThrow(/already exists/);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
    expect(fs.existsSync(`${file}.partial`)).toBe(false);
  });

  test('When a backup is written, then it belongs to the user who ran it, only they can read it, and no temporary file is left', async () => {
    const file = path.join(shared, 'mine.jsonl.gz');
    const old = process.umask(0);
    try {
      await writeBackup(mongoose.connection.db!, file);
    } finally {
      process.umask(old);
    }
    const stat = fs.statSync(file);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(stat.uid).toBe(process.getuid!());
    expect(fs.existsSync(`${file}.partial`)).toBe(false);
    expect((await readManifest(file)).karavan).toBe('backup');
  });
});
