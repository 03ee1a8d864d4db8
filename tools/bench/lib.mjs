// Shared by `npm run bench` and `npm run soak`: the embedded database, server processes (the
// real server/dist/main.js with the probe preloaded, and the bare baselines), HTTP load (closed
// loop with autocannon, a fixed rate evenly spaced with `paced`), and the machine description.
import { fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.join(HERE, '..', '..');
export const SERVER_MAIN = path.join(ROOT, 'server', 'dist', 'main.js');
const autocannon = require('autocannon');

/**
 * Runs this script again under `ulimit -n` raised as far as the system allows (10,000 sockets
 * need more than 10,000 descriptors in the server and in the clients), unless already done.
 * Returns true in the parent, which should then exit with the child's code.
 */
export function reexecWithMoreFiles(wanted = 65_536) {
  if (process.env.KARAVAN_BENCH_REEXEC) return false;
  const script = `ulimit -n ${wanted} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"`;
  const result = spawnSync('/bin/sh', ['-c', script, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, KARAVAN_BENCH_REEXEC: '1' },
  });
  process.exitCode = result.status ?? 1;
  return true;
}

/** The open-files limit of this process (as `ulimit -n` reports it). */
export function openFilesLimit() {
  const r = spawnSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  return Number(r.stdout.trim()) || null;
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model?.trim() ?? 'unknown',
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

export async function startDatabase(prefix) {
  const { startEmbeddedDb } = require('../../server/dist/db/embedded-db.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const db = await startEmbeddedDb({ dir });
  return {
    uri: db.uri,
    pid: db.process.pid,
    async stop() {
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Forks a Node process with an IPC channel; resolves once `ready(output)` returns a URL (or the
 * child sends `{ ready: url }`). `probe()` asks the probe (tools/bench/probe.mjs) for memory and
 * event-loop delay.
 */
export function startProcess(
  script,
  { args = [], env = {}, execArgv = [], ready, name = script, startTimeoutMs = 60_000 },
) {
  const child = fork(script, args, {
    execArgv,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  let probes = 0;
  const waiting = new Map();
  let onReady;
  child.on('message', (m) => {
    if (m && typeof m.probe === 'number') {
      waiting.get(m.probe)?.(m);
      waiting.delete(m.probe);
    } else if (m && typeof m.ready === 'string') onReady?.(m.ready);
  });
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), startTimeoutMs);
    onReady = (u) => {
      clearTimeout(timer);
      resolve(u);
    };
    if (ready) {
      const check = () => {
        const u = ready(output);
        if (u) onReady(u);
      };
      child.stdout.on('data', check);
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}):\n${output.slice(-4000)}`));
    });
  });
  return {
    child,
    url,
    exited,
    output: () => output,
    probe(options = {}) {
      const id = ++probes;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no probe answer`)), 30_000);
        waiting.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        child.send({ probe: id, ...options });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}

/** The real server, as `npm start` runs it, on `MONGODB_URI`, with the probe preloaded. */
export function startKaravan(mongodbUri, env = {}, execArgv = [], startTimeoutMs = 60_000) {
  return startProcess(SERVER_MAIN, {
    name: 'Karavan',
    startTimeoutMs,
    execArgv: ['--expose-gc', '--import', path.join(HERE, 'probe.mjs'), ...execArgv],
    env: {
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      MONGODB_URI: mongodbUri,
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789',
      // The limits are for real users; a load generator is one user sending thousands.
      LOGIN_RATE_LIMIT: '10000',
      REFRESH_RATE_LIMIT: '100000',
      WRITE_RATE_LIMIT: '10000000',
      ACCESS_TOKEN_TTL_SECONDS: '86400',
      ...env,
    },
    ready: (output) => {
      const m = /listening on http:\/\/localhost:(\d+)/.exec(output);
      return m ? `http://127.0.0.1:${m[1]}` : null;
    },
  });
}

/** Calls the API; throws on a non-2xx answer. */
export async function api(base, method, url, token, body, headers = {}) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return json;
}

/**
 * Closed loop with autocannon (`connections` requests in flight), or at a fixed arrival rate
 * (`overallRate` requests/s, evenly spaced: `paced`). Returns req/s, latency percentiles (ms) and
 * the count of non-2xx answers and errors.
 */
export function load(options) {
  if (options.overallRate) {
    return paced({ connections: 10, duration: 5, ...options }).then((part) => ({
      ...summarise([part]),
      errorSamples: [],
    }));
  }
  return new Promise((resolve, reject) => {
    const latencies = [];
    const instance = autocannon({ connections: 10, duration: 5, ...options }, (err, r) => {
      if (err) return reject(err);
      resolve({
        ...summarise([{ latencies, seconds: r.duration, non2xx: r.non2xx, errors: r.errors + r.timeouts }]),
        errorSamples,
      });
    });
    // autocannon's own summary has no p95: keep every response time (ms).
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
    const errorSamples = [];
    instance.on('reqError', (err) => errorSamples.length < 5 && errorSamples.push(err.message));
  });
}

/**
 * Runs `rounds` slices of `seconds` each, alternating between the option sets (A, B, A, B, ...),
 * so that a noisy shared machine disturbs every side alike; one summary per side.
 */
export async function alternate(optionSets, rounds, seconds, afterEach = () => undefined) {
  const parts = optionSets.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, options] of optionSets.entries()) {
      if (options.overallRate) {
        parts[i].push(await paced({ connections: 10, ...options, duration: seconds }));
        afterEach();
        continue;
      }
      const latencies = [];
      const r = await new Promise((resolve, reject) => {
        const instance = autocannon({ connections: 10, ...options, duration: seconds }, (err, result) =>
          err ? reject(err) : resolve(result),
        );
        instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
      });
      parts[i].push({ latencies, seconds: r.duration, non2xx: r.non2xx, errors: r.errors + r.timeouts });
      afterEach();
    }
  }
  return parts.map(summarise);
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU time (user + system) a process has used so far, in microseconds (Linux /proc). */
export function cpuMicros(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

/**
 * For `alternate`: the CPU time each process (`{ name: pid }`) spent during each side's slices.
 * Pass `afterEach` as alternate's callback (it counts from the previous call, side after side);
 * `perRequest(i, requests)` divides side i's total by its requests: `{ name: µs }`.
 */
export function cpuBySide(pids, sides) {
  const read = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMicros(pid)]));
  const totals = Array.from({ length: sides }, () => Object.fromEntries(Object.keys(pids).map((n) => [n, 0])));
  let last = read();
  let slice = 0;
  return {
    afterEach() {
      const now = read();
      for (const name of Object.keys(pids)) totals[slice % sides][name] += now[name] - last[name];
      last = now;
      slice += 1;
    },
    perRequest: (i, requests) =>
      Object.fromEntries(Object.entries(totals[i]).map(([name, us]) => [name, Math.round(us / Math.max(1, requests))])),
  };
}

/**
 * Requests at a fixed arrival rate, evenly spaced: request i leaves at t0 + i / rate whatever the
 * answers before it (an open loop), over at most `connections` kept-alive connections. Latency
 * counts from the planned departure, so a request that waited for a free connection counts its
 * wait. autocannon's `overallRate` is not that: each connection sends its share of a second's
 * requests as fast as it can at the start of the second, then waits, so "half the maximum rate"
 * was the full rate for half of every second. Takes autocannon's `requests: [{ setupRequest,
 * onResponse }]` (one step), `method`, `headers`, `body`; waits for the answers in flight at the
 * end (up to 10 s; then they count as errors). Returns one part for `summarise`.
 */
export function paced({ url, method = 'GET', headers = {}, body, requests, overallRate, duration, connections = 10 }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const step = requests?.[0] ?? {};
  const base = { method, path: `${target.pathname}${target.search}`, headers, body };
  const total = Math.max(1, Math.round(overallRate * duration));
  const interval = 1000 / overallRate;
  const latencies = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let answered = 0;
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(giveUp);
      agent.destroy();
      resolve({ latencies, seconds: duration, non2xx, errors: errors + (total - answered) });
    };
    let giveUp;
    const answer = () => {
      answered++;
      if (answered === total) finish();
    };
    const fire = (planned) => {
      const context = {};
      const req = step.setupRequest ? { ...base, ...step.setupRequest({ ...base }, context) } : base;
      const payload = req.body === undefined ? undefined : Buffer.from(req.body);
      const outgoing = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.path,
          headers: payload ? { ...req.headers, 'content-length': payload.length } : req.headers,
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            if (finished) return;
            latencies.push(performance.now() - planned);
            if (res.statusCode < 200 || res.statusCode >= 300) non2xx++;
            step.onResponse?.(res.statusCode, Buffer.concat(chunks).toString(), context);
            answer();
          });
        },
      );
      outgoing.on('error', () => {
        if (finished) return;
        errors++;
        answer();
      });
      outgoing.end(payload);
    };
    const t0 = performance.now();
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * interval <= now) fire(t0 + sent++ * interval);
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
      else giveUp = setTimeout(finish, 10_000);
    };
    tick();
  });
}

function summarise(parts) {
  const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
  const seconds = parts.reduce((s, p) => s + p.seconds, 0);
  const round = (v) => Math.round(v * 100) / 100;
  return {
    perSecond: latencies.length / seconds,
    total: latencies.length,
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    non2xx: parts.reduce((s, p) => s + p.non2xx, 0),
    errors: parts.reduce((s, p) => s + p.errors, 0),
  };
}

/** p-th percentile (0..100) of a sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
