import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Config } from '../config';
import { REPO_ROOT } from '../config';
import type { Logger } from '../lib/logger';

/** Maven project of the Java launcher that runs mongo-java-server on H2 (or in memory). */
export const LAUNCHER_DIR = path.join(REPO_ROOT, 'tools', 'embedded-db');
const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'embedded-db');
const JAR_NAME = 'karavan-embedded-db.jar';

/** The launcher's exit code when another process holds the data directory's lock. */
const DIR_IN_USE = 3;

/**
 * JVM settings, measured on a 2-core machine: the heap holds the 128 MB H2 cache and the
 * secondary indexes, which live in memory (about 150 bytes per indexed value: a million ledger
 * entries under five indexes take about 0.8 GB), hence a 2 GB cap (used only as the data grows;
 * 512 MB was enough before the indexes). The long-running database collects its garbage with ZGC,
 * concurrently: the H2 cache and the indexes are much live data to copy, and the serial collector
 * stopped every reply for it (young pauses of 35-70 ms every 2 s under load, full ones of 0.6 s
 * and more as the heap grew). A 3-minute soak at half the maximum rate, load average 7-9:
 * latency p50/p95/p99 10.4/178/612 ms (serial), 8.3/74/203 ms (G1, 20 ms pause goal),
 * 7.4/39/77 ms (ZGC). The test suite's short-lived in-memory database keeps the serial collector
 * (ready sooner) and runs on the client compiler alone: 1,000 inserts and queries took 0.9 s
 * instead of 1.6 s (C2 compiling costs more than it gains that soon); the long-running database
 * keeps both compilers for its scans.
 */
const JVM_FLAGS = ['-Xmx2g', '-XX:+ExitOnOutOfMemoryError'];
const JVM_FLAGS_SHORT_LIVED = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
const JVM_FLAGS_LONG_LIVED = ['-XX:+UseZGC'];

/**
 * A class-data archive of the launcher (Java's AppCDS), made once next to the jar by a short
 * training run: the JVM maps the classes it loaded there instead of reading and verifying them
 * from the jars again, which halves the time to the database being ready (measured on 2 cores
 * under load: about 0.9 s to 0.4 s). Without it (not made yet, or refused by another JVM) the
 * database starts the same, only slower.
 */
const ARCHIVE_NAME = 'karavan-embedded-db.jsa';

function archivePath(jar: string): string {
  return path.join(path.dirname(jar), ARCHIVE_NAME);
}

/** Unix socket paths are limited to 107 bytes; longer data directories get a private temporary one. */
const MAX_SOCKET_PATH = 100;

export class EmbeddedDbError extends Error {
  override name = 'EmbeddedDbError';
}

export interface EmbeddedDb {
  /** mongodb://<url-encoded socket path>/ — reachable by this user only. */
  uri: string;
  /** The Unix domain socket the database listens on (it has no TCP port). */
  socketPath: string;
  /** Stops the database cleanly (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  readonly process: ChildProcess;
}

type Say = (message: string) => void;

const WAYS_FORWARD =
  'Either:\n' +
  '  1. install Java 17 or newer and Maven 3.8 or newer, then start again\n' +
  '     (Debian/Ubuntu: `sudo apt-get install openjdk-17-jdk-headless maven`);\n' +
  '  2. set MONGODB_URI to a MongoDB 7 server you run; or\n' +
  '  3. run `docker compose up` to start Karavan with MongoDB in containers.';

/** Every file the build reads, in a stable order: a change to any of them means a new build. */
function sourceFiles(dir = LAUNCHER_DIR): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (dir === LAUNCHER_DIR && entry.name !== 'src') continue; // target/ and the like
      files.push(...sourceFiles(full));
    } else if (dir !== LAUNCHER_DIR || entry.name === 'pom.xml') {
      files.push(full);
    }
  }
  return files;
}

/** The launcher jar's path for the current sources. */
function jarPath(): string {
  const hash = createHash('sha256');
  for (const file of sourceFiles()) {
    hash.update(path.relative(LAUNCHER_DIR, file));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
  }
  return path.join(CACHE_DIR, hash.digest('hex').slice(0, 16), JAR_NAME);
}

/** `java -version`'s major version, or undefined when there is no working `java`. */
export function javaMajorVersion(): number | undefined {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8', env: process.env });
  if (result.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

function mavenVersion(): string | undefined {
  const result = spawnSync('mvn', ['-v', '-B'], { encoding: 'utf8', env: process.env });
  if (result.status !== 0) return undefined;
  return /Apache Maven (\S+)/.exec(result.stdout)?.[1];
}

function checkJava(): void {
  const java = javaMajorVersion();
  if (java === undefined) {
    throw new EmbeddedDbError(`The embedded database runs on Java, and \`java\` was not found. ${WAYS_FORWARD}`);
  }
  if (java < 17) {
    throw new EmbeddedDbError(
      `The embedded database needs Java 17 or newer; \`java\` is Java ${java}. ${WAYS_FORWARD}`,
    );
  }
}

/** Sizes in Maven's "Downloaded from central: URL (1.2 MB at 3 MB/s)" lines, in bytes. */
function downloadedBytes(line: string): number {
  const match = /^\[INFO\] Downloaded from [^:]+: \S+ \(([\d.]+) (B|kB|MB|GB)/.exec(line);
  if (!match) return 0;
  const unit = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[match[2] as 'B' | 'kB' | 'MB' | 'GB'];
  return Number(match[1]) * unit;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * Returns the launcher jar, building it with Maven on first use, then reusing it. Each build
 * goes to a directory of its own that is renamed into place, so a half-built jar is never run
 * and two builds at once do not mix.
 */
export async function ensureEmbeddedDbBuild(say: Say = () => undefined): Promise<string> {
  const override = process.env.KARAVAN_EMBEDDED_DB_JAR;
  if (!override && !fs.existsSync(path.join(LAUNCHER_DIR, 'pom.xml'))) {
    throw new EmbeddedDbError(
      `The embedded database is not part of this installation (no ${LAUNCHER_DIR}, e.g. in the Docker image): ` +
        'set MONGODB_URI to a MongoDB 7 server, or run `docker compose up`.',
    );
  }
  const jar = override ?? jarPath();
  if (fs.existsSync(jar)) {
    if (!override && !fs.existsSync(archivePath(jar))) await trainClassArchive(jar);
    return jar;
  }

  checkJava();
  const maven = mavenVersion();
  if (!maven) {
    throw new EmbeddedDbError(
      `The embedded database is built once with Maven, and \`mvn\` was not found (Java is here). ${WAYS_FORWARD}`,
    );
  }
  if (override) throw new EmbeddedDbError(`KARAVAN_EMBEDDED_DB_JAR points at ${override}, which does not exist.`);

  const m2 = path.join(os.homedir(), '.m2', 'repository');
  say(
    `Building the embedded database (mongo-java-server 1.47.0 on H2) with Maven ${maven}. This happens once: ` +
      `the first build downloads about 36 MB of Java libraries into ${m2} (15 s on a good connection); ` +
      'later starts reuse it.',
  );
  const finalDir = path.dirname(jar);
  const buildDir = path.join(CACHE_DIR, `build-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const started = Date.now();
  let downloaded = 0;
  const output: string[] = [];
  const progress = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    say(`  ... still building (${seconds} s${downloaded > 0 ? `, ${mb(downloaded)} downloaded` : ''})`);
  }, 10_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        'mvn',
        [
          '-B',
          '-Dstyle.color=never',
          `-Dkaravan.buildDir=${buildDir}`,
          '-f',
          path.join(LAUNCHER_DIR, 'pom.xml'),
          'package',
        ],
        { cwd: LAUNCHER_DIR, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      for (const stream of [child.stdout, child.stderr]) {
        readline.createInterface({ input: stream }).on('line', (line) => {
          downloaded += downloadedBytes(line);
          if (!/^\[INFO\] Download(ing|ed) from /.test(line)) output.push(line);
        });
      }
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve();
        else {
          const errors = output.filter((line) => line.startsWith('[ERROR]')).slice(0, 30);
          reject(
            new EmbeddedDbError(
              `Building the embedded database failed (mvn exit ${code}):\n${(errors.length > 0 ? errors : output.slice(-30)).join('\n')}`,
            ),
          );
        }
      });
    });
    const built = path.join(buildDir, 'dist');
    fs.mkdirSync(path.join(built, 'lib'), { recursive: true });
    fs.renameSync(path.join(buildDir, JAR_NAME), path.join(built, JAR_NAME));
    for (const lib of fs.readdirSync(path.join(buildDir, 'lib'))) {
      fs.renameSync(path.join(buildDir, 'lib', lib), path.join(built, 'lib', lib));
    }
    try {
      fs.renameSync(built, finalDir);
    } catch (err) {
      // Another process finished the same build first: use theirs.
      if (!fs.existsSync(jar)) throw err;
    }
    // Earlier builds (of other sources) are not needed any more; a running one keeps its open files.
    for (const entry of fs.readdirSync(CACHE_DIR)) {
      if (/^[0-9a-f]{16}$/.test(entry) && entry !== path.basename(finalDir)) {
        fs.rmSync(path.join(CACHE_DIR, entry), { recursive: true, force: true });
      }
    }
  } finally {
    clearInterval(progress);
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
  await trainClassArchive(jar);
  say(
    `Embedded database built in ${Math.round((Date.now() - started) / 1000)} s` +
      `${downloaded > 0 ? ` (${mb(downloaded)} downloaded once)` : ''}.`,
  );
  return jar;
}

/**
 * Makes the launcher's class-data archive (see ARCHIVE_NAME): starts it on a scratch H2
 * directory with `-XX:ArchiveClassesAtExit`, runs the kinds of commands Karavan sends at start
 * (indexes, inserts, finds, updates, an aggregation), and stops it; the JVM writes the archive as
 * it exits. Written under a temporary name and renamed into place, so a half-written archive is
 * never used. Best effort: on any failure there is simply no archive.
 */
async function trainClassArchive(jar: string): Promise<void> {
  const target = archivePath(jar);
  const scratch = privateTempDir();
  const partial = path.join(path.dirname(jar), `.${ARCHIVE_NAME}-${process.pid}-${randomBytes(4).toString('hex')}`);
  let child: ChildProcess | undefined;
  try {
    const socketPath = path.join(scratch, 'mongod.sock');
    child = spawn(
      'java',
      [
        ...JVM_FLAGS,
        `-XX:ArchiveClassesAtExit=${partial}`,
        '-jar',
        jar,
        '--dir',
        path.join(scratch, 'db'),
        '--socket',
        socketPath,
        '--watch-stdin',
      ],
      { env: process.env, stdio: ['pipe', 'pipe', 'ignore'] },
    );
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.once('error', () => undefined);
    const uri = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 30_000);
      readline.createInterface({ input: child!.stdout! }).on('line', (line) => {
        const match = /^READY (mongodb:\/\/\S+)$/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      void exited.then(() => resolve(undefined));
    });
    if (!uri) return;
    // The driver as Mongoose ships it; loaded only here (once per build), not on every start.
    const { default: mongoose } = await import('mongoose');
    const client = new mongoose.mongo.MongoClient(`${uri}training`, { serverSelectionTimeoutMS: 10_000 });
    try {
      const db = client.db();
      const things = db.collection<{ _id: number; n: number; tags: string[]; at: Date }>('things');
      await things.createIndex({ n: 1, at: -1 });
      await things.createIndex({ tags: 1 });
      await things.createIndex({ at: 1 }, { expireAfterSeconds: 3600 });
      await things.insertMany(
        Array.from({ length: 200 }, (_, i) => ({ _id: i, n: i % 7, tags: [`t${i % 3}`], at: new Date() })),
      );
      await things
        .find({ n: { $in: [1, 2] }, at: { $gte: new Date(0) } })
        .sort({ at: -1 })
        .limit(20)
        .toArray();
      await things.findOneAndUpdate(
        { _id: 3, n: 3 },
        { $inc: { n: 1 }, $set: { at: new Date() } },
        { returnDocument: 'after' },
      );
      await things.updateMany({ tags: 't1' }, { $push: { tags: 'x' } });
      await things.aggregate([{ $match: { n: { $gt: 0 } } }, { $group: { _id: '$n', count: { $sum: 1 } } }]).toArray();
      await things.countDocuments({ n: 2 });
      await things.deleteMany({ n: 0 });
      await db.listCollections({}, { nameOnly: true }).toArray();
      await things.listIndexes().toArray();
    } finally {
      await client.close();
    }
    child.stdin!.end(); // --watch-stdin: EOF stops the launcher, and the JVM writes the archive
    const code = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000))]);
    if (code === 0 && fs.existsSync(partial)) fs.renameSync(partial, target);
  } catch {
    // No archive: the database starts without it.
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(partial, { force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export interface StartEmbeddedDbOptions {
  /** Where H2 keeps the data; created (mode 0700) if missing. Unset with `memory`. */
  dir?: string;
  /** Keep everything in memory (the test suite): nothing is written, nothing survives a stop. */
  memory?: boolean;
  say?: Say;
  /** Receives the launcher's own log lines (mongo-java-server warnings and errors). */
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
}

/** A private (0700) temporary directory for a socket. */
function privateTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-db-'));
}

/** Starts mongo-java-server and resolves once it accepts connections on its Unix socket. */
export async function startEmbeddedDb(options: StartEmbeddedDbOptions): Promise<EmbeddedDb> {
  if (Boolean(options.dir) === Boolean(options.memory)) {
    throw new EmbeddedDbError('startEmbeddedDb needs either a data directory or memory: true');
  }
  // No `java -version` first (a JVM start of its own, ~0.3 s): a missing or too old Java is told
  // apart below, by the spawn's ENOENT and the class version error of a jar built for Java 17.
  const jar = await ensureEmbeddedDbBuild(options.say);

  let socketDir: string | undefined; // a temporary directory of ours, removed on exit
  let socketPath: string;
  const args: string[] = [];
  if (options.dir) {
    const dir = path.resolve(options.dir);
    // The data directory and everything in it are this user's only (whatever the umask).
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    const ferretDb = fs.readdirSync(dir).filter((file) => file.endsWith('.sqlite'));
    if (ferretDb.length > 0) {
      options.say?.(
        `${dir} also holds a database of an earlier Karavan (FerretDB on SQLite: ${ferretDb.join(', ')}). ` +
          'This version does not read it; its data stays there untouched. To carry it over, start the earlier ' +
          'version and copy the data out with mongodump, then mongorestore into this one.',
      );
    }
    socketPath = path.join(dir, 'mongod.sock');
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      socketDir = privateTempDir();
      socketPath = path.join(socketDir, 'mongod.sock');
    }
    args.push('--dir', dir);
  } else {
    socketDir = privateTempDir();
    socketPath = path.join(socketDir, 'mongod.sock');
    args.push('--memory');
  }
  args.push('--socket', socketPath, '--watch-stdin');

  const archive = archivePath(jar);
  const jvmFlags = [
    ...JVM_FLAGS,
    ...(options.memory ? JVM_FLAGS_SHORT_LIVED : JVM_FLAGS_LONG_LIVED),
    ...(fs.existsSync(archive) ? [`-XX:SharedArchiveFile=${archive}`] : []),
  ];
  const child = spawn('java', [...jvmFlags, '-jar', jar, ...args], {
    env: process.env,
    // stdin stays open as a lifeline: when this process dies, the launcher sees EOF and stops.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderrLines = readline.createInterface({ input: child.stderr! });
  const recentStderr: string[] = [];
  stderrLines.on('line', (line) => {
    recentStderr.push(line);
    if (recentStderr.length > 20) recentStderr.shift();
    options.onLog?.(line);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      if (socketDir) fs.rmSync(socketDir, { recursive: true, force: true });
      resolve();
    }),
  );

  const uri = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new EmbeddedDbError('The embedded database did not become ready in time'));
    }, options.readyTimeoutMs ?? 30_000);
    const stdoutLines = readline.createInterface({ input: child.stdout! });
    stdoutLines.on('line', (line) => {
      const match = /^READY (mongodb:\/\/\S+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT'
          ? new EmbeddedDbError(`The embedded database runs on Java, and \`java\` was not found. ${WAYS_FORWARD}`)
          : err,
      );
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new EmbeddedDbError(
          code === DIR_IN_USE
            ? `The embedded database in ${options.dir} is in use by another running Karavan. Stop it first, ` +
                'or set KARAVAN_DATA_DIR to another directory.'
            : recentStderr.some((line) => line.includes('UnsupportedClassVersionError'))
              ? `The embedded database needs Java 17 or newer; \`java\` is Java ${javaMajorVersion() ?? 'older'}. ${WAYS_FORWARD}`
              : `The embedded database exited before it was ready (${signal ?? `exit ${code}`}):\n${recentStderr.join('\n')}`,
        ),
      );
    });
  });

  return {
    uri,
    socketPath,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      } else {
        await exited;
      }
    },
  };
}

/**
 * Starts the embedded database when MONGODB_URI is unset (undefined otherwise). `npm start` calls
 * this before it loads the rest of the server, so the database's JVM boots on the other core
 * while Node reads the application's modules; `openDatabase` then connects to it.
 */
export function startEmbeddedDatabase(config: Config, logger: Logger): Promise<EmbeddedDb> | undefined {
  if (config.mongodbUri) return undefined;
  const dir = path.join(config.dataDir, 'db');
  logger.info({ dir }, 'MONGODB_URI is not set: starting the embedded database (mongo-java-server on H2)');
  const started = startEmbeddedDb({
    dir,
    // Opening rebuilds the secondary indexes from every document: about 30 s for a million
    // ledger entries on a busy 2-core machine (npm run bench:scale), so more than the default.
    readyTimeoutMs: 300_000,
    say: (message) => logger.info(message),
    onLog: (line) => logger.warn({ source: 'embedded-db' }, line),
  });
  // Awaited by openDatabase; a failure must not count as unhandled in the meantime.
  started.catch(() => undefined);
  return started;
}
