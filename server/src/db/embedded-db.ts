import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from '../config';

/** Source of the Go launcher that runs FerretDB on SQLite. */
export const LAUNCHER_DIR = path.join(REPO_ROOT, 'tools', 'embedded-db');
const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'embedded-db');

/** The launcher's exit code when another process holds the data directory's lock. */
const DIR_IN_USE = 3;

export class EmbeddedDbError extends Error {
  override name = 'EmbeddedDbError';
}

export interface EmbeddedDb {
  /** mongodb://127.0.0.1:<port>/ */
  uri: string;
  /** Stops the database cleanly (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  readonly process: ChildProcess;
}

type Say = (message: string) => void;

/** The launcher binary's path for the current sources: a change to them means a new build. */
function binaryPath(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) {
    hash.update(fs.readFileSync(path.join(LAUNCHER_DIR, file)));
  }
  return path.join(CACHE_DIR, `karavan-embedded-db-${hash.digest('hex').slice(0, 16)}`);
}

function goVersion(): string | undefined {
  const result = spawnSync('go', ['version'], { encoding: 'utf8', env: process.env });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * Returns the launcher binary, building it with the machine's Go on first use (minutes),
 * then reusing it. Concurrent callers each build into a temporary file and rename it, so a
 * half-written binary is never run.
 */
export async function ensureEmbeddedDbBinary(say: Say = () => undefined): Promise<string> {
  const bin = process.env.KARAVAN_EMBEDDED_DB_BIN ?? binaryPath();
  if (fs.existsSync(bin)) return bin;

  const go = goVersion();
  if (!go) {
    throw new EmbeddedDbError(
      'The embedded database needs Go to be built, and `go` was not found. Either:\n' +
        '  1. install Go 1.24 or newer (e.g. `apt-get install golang` or https://go.dev/dl) and start again;\n' +
        '  2. set MONGODB_URI to a MongoDB 7 server you run; or\n' +
        '  3. run `docker compose up` to start Karavan with MongoDB in containers.',
    );
  }
  say(
    `Building the embedded database (FerretDB v1.24.2 on SQLite) with ${go}. ` +
      'This happens once and takes a few minutes; later starts reuse the build.',
  );
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('go', ['build', '-trimpath', '-o', tmp, '.'], {
      cwd: LAUNCHER_DIR,
      env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -buildvcs=false' },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new EmbeddedDbError(`Building the embedded database failed (go build exit ${code}):\n${stderr}`));
    });
  });
  fs.renameSync(tmp, bin);
  say(`Embedded database built in ${Math.round((Date.now() - started) / 1000)} s.`);
  return bin;
}

export interface StartEmbeddedDbOptions {
  /** Where SQLite keeps the data; created if missing. */
  dir: string;
  /** Defaults to 0: any free port on 127.0.0.1. */
  port?: number;
  say?: Say;
  /** Receives the launcher's own log lines (FerretDB warnings and errors). */
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
}

/** Starts FerretDB on SQLite and resolves once it accepts connections. */
export async function startEmbeddedDb(options: StartEmbeddedDbOptions): Promise<EmbeddedDb> {
  const bin = await ensureEmbeddedDbBinary(options.say);
  fs.mkdirSync(options.dir, { recursive: true });
  // FerretDB logs every failed command (a duplicate key, the driver's unsupported endSessions)
  // as a warning with a full message dump: only its errors are worth showing.
  const args = [
    '-dir',
    options.dir,
    '-listen',
    `127.0.0.1:${options.port ?? 0}`,
    '-watch-stdin',
    '-log-level',
    'error',
  ];
  const child = spawn(bin, args, {
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
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

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
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new EmbeddedDbError(
          code === DIR_IN_USE
            ? `The embedded database in ${options.dir} is in use by another running Karavan. Stop it first, ` +
                'or set KARAVAN_DATA_DIR to another directory.'
            : `The embedded database exited before it was ready (${signal ?? `exit ${code}`}):\n${recentStderr.join('\n')}`,
        ),
      );
    });
  });

  return {
    uri,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
