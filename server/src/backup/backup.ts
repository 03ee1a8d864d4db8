import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import mongoose, { type mongo } from 'mongoose';
import { VERSION } from '../config';

/*
 * Backups of the whole database through the driver (no mongodump needed: the embedded database
 * has none): one gzip-compressed file of JSON lines, in canonical Extended JSON so that dates,
 * ObjectIds and numbers come back with their types:
 *   line 1   {"karavan":"backup","format":1,"createdAt":...,"version":...,"database":...,"collections":{name:count}}
 *   then     {"c":"<collection>","d":<document>}   for every document of every collection
 *   last     {"end":true,"counts":{name:count}}     (what was written: a file without it is truncated)
 * Writing streams from cursors and restoring inserts in batches, so size is no concern.
 */

const EJSON = mongoose.mongo.BSON.EJSON;
export const BACKUP_FORMAT = 1;

export interface BackupManifest {
  karavan: 'backup';
  format: number;
  createdAt: string;
  version: string;
  database: string;
  collections: Record<string, number>;
}

export class BackupError extends Error {}

async function userCollections(db: mongo.Db): Promise<string[]> {
  const list = await db.listCollections({}, { nameOnly: true }).toArray();
  return list
    .map((c) => c.name)
    .filter((name) => !name.startsWith('system.'))
    .sort();
}

/** Writes every collection of `db` to `file`; returns the counts written. */
export async function writeBackup(db: mongo.Db, file: string): Promise<Record<string, number>> {
  const names = await userCollections(db);
  const manifest: BackupManifest = {
    karavan: 'backup',
    format: BACKUP_FORMAT,
    createdAt: new Date().toISOString(),
    version: VERSION,
    database: db.databaseName,
    collections: Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await db.collection(n).estimatedDocumentCount()] as const)),
    ),
  };
  const counts: Record<string, number> = {};
  async function* lines() {
    yield `${JSON.stringify(manifest)}\n`;
    for (const name of names) {
      counts[name] = 0;
      for await (const doc of db.collection(name).find({})) {
        counts[name] += 1;
        yield `{"c":${JSON.stringify(name)},"d":${EJSON.stringify(doc, { relaxed: false })}}\n`;
      }
    }
    yield `${JSON.stringify({ end: true, counts })}\n`;
  }
  await writeExclusively(file, async (out) => {
    await pipeline(lines, zlib.createGzip(), out);
  });
  return counts;
}

/**
 * Writes `file` through `<file>.partial` so that nobody else can ever read or replace it: the
 * backup holds the signing secret, session ids and every user. The temporary file is created
 * exclusively (`wx`: never an existing file nor a symbolic link planted by someone else in a shared
 * folder) with mode 0600 in the target's own folder; an existing target or temporary file is
 * refused; before the rename the file is checked to be still ours (owner, mode, same inode) and
 * flushed to disk (file and folder fsync'd), so that a crash never leaves a renamed empty file.
 */
export async function writeExclusively(
  file: string,
  write: (out: NodeJS.WritableStream) => Promise<void>,
): Promise<void> {
  const tmp = `${file}.partial`;
  const exists = (p: string) => {
    try {
      fs.lstatSync(p);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  };
  if (exists(file)) throw new BackupError(`${file} already exists: name a new file (a backup never overwrites one)`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new BackupError(
        `${tmp} already exists (another backup running, or a file left or planted there): remove it after checking who made it`,
      );
    }
    throw err;
  }
  let done = false;
  const ours = fs.fstatSync(fd);
  try {
    // The mode asked for is narrowed by the umask, never widened; set it exactly all the same.
    fs.fchmodSync(fd, 0o600);
    await write(fs.createWriteStream('', { fd, autoClose: false, emitClose: false }));
    fs.fsyncSync(fd);
    const named = fs.lstatSync(tmp);
    const uid = process.getuid?.();
    if (
      named.ino !== ours.ino ||
      named.dev !== ours.dev ||
      !named.isFile() ||
      (uid !== undefined && named.uid !== uid) ||
      (named.mode & 0o077) !== 0
    ) {
      throw new BackupError(`${tmp} was changed by someone else while the backup was written: not used`);
    }
    if (exists(file)) throw new BackupError(`${file} appeared while the backup was written: not overwritten`);
    fs.renameSync(tmp, file);
    done = true;
    const dir = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  } finally {
    fs.closeSync(fd);
    // Only our own temporary file (created above: the same inode) is ever removed.
    if (!done) {
      const now = fs.lstatSync(tmp, { throwIfNoEntry: false });
      if (now && now.ino === ours.ino && now.dev === ours.dev) fs.rmSync(tmp, { force: true });
    }
  }
}

/** Reads the manifest of a backup file (its first line). */
export async function readManifest(file: string): Promise<BackupManifest> {
  const input = fs.createReadStream(file).pipe(zlib.createGunzip());
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      const manifest = JSON.parse(line) as BackupManifest;
      if (manifest.karavan !== 'backup') throw new BackupError(`${file} is not a Karavan backup`);
      if (manifest.format > BACKUP_FORMAT) {
        throw new BackupError(
          `${file} has backup format ${manifest.format}; this Karavan reads up to ${BACKUP_FORMAT}`,
        );
      }
      return manifest;
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${file} is not a readable Karavan backup (${(err as Error).message})`);
  } finally {
    rl.close();
    input.destroy();
  }
  throw new BackupError(`${file} is empty`);
}

/**
 * Restores a backup into `db`. Refuses a database that holds any document unless `force`, which
 * first empties every collection. Returns the counts restored; throws when the file is truncated.
 */
export async function restoreBackup(
  db: mongo.Db,
  file: string,
  options: { force?: boolean } = {},
): Promise<Record<string, number>> {
  const manifest = await readManifest(file);
  const existing = await userCollections(db);
  const holding = [];
  for (const name of existing) if ((await db.collection(name).estimatedDocumentCount()) > 0) holding.push(name);
  if (holding.length > 0 && !options.force) {
    throw new BackupError(
      `The database is not empty (${holding.slice(0, 5).join(', ')}${holding.length > 5 ? ', ...' : ''}): ` +
        'restore refuses to mix a backup into it. Add --force to empty it first.',
    );
  }
  for (const name of holding) await db.collection(name).deleteMany({});

  const counts: Record<string, number> = {};
  let batchName = '';
  let docs: mongo.Document[] = [];
  const flush = async () => {
    if (docs.length > 0) await db.collection(batchName).insertMany(docs, { ordered: false });
    docs = [];
  };
  let ended: Record<string, number> | null = null;
  const input = fs.createReadStream(file).pipe(zlib.createGunzip());
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let first = true;
  for await (const line of rl) {
    if (first) {
      first = false;
      continue;
    }
    if (!line) continue;
    if (line.startsWith('{"end":')) {
      ended = (JSON.parse(line) as { counts: Record<string, number> }).counts;
      continue;
    }
    const { c, d } = JSON.parse(line) as { c: string; d: mongo.Document };
    if (c !== batchName || docs.length >= 1000) {
      await flush();
      batchName = c;
    }
    docs.push(EJSON.deserialize(d, { relaxed: false }) as mongo.Document);
    counts[c] = (counts[c] ?? 0) + 1;
  }
  await flush();
  if (!ended) throw new BackupError(`${file} is truncated: its end marker is missing (restored what it held)`);
  for (const [name, n] of Object.entries(ended)) {
    if ((counts[name] ?? 0) !== n)
      throw new BackupError(`${file}: ${name} holds ${counts[name] ?? 0} of ${n} documents`);
  }
  // Collections that were empty at backup time exist again, with every index the models declare.
  for (const name of Object.keys(manifest.collections)) {
    if (!(await db.listCollections({ name }).hasNext())) await db.createCollection(name);
  }
  await Promise.all(Object.values(mongoose.models).map((model) => model.init()));
  return counts;
}
