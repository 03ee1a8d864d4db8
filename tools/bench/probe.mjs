// Preloaded into a server process by the benchmarks and the soak (`node --import probe.mjs ...`),
// never by `npm start`: it adds no route and no production code. When the process has an IPC
// channel (it was forked by tools/bench), it answers `{ probe: n }` messages with its memory and
// the event-loop delay measured since the last reset (perf_hooks.monitorEventLoopDelay).
// `{ probe: n, gc: true }` collects garbage first (the process runs with --expose-gc), so that
// heap figures compare live objects only; `reset: true` starts a new delay window, `resetTotal:
// true` a new overall one (after a warm-up); `trace: true` also hands out the live-event pump's
// timed batches when the server runs with KARAVAN_LIVE_TRACE=1.
import fs from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const total = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  total.enable();
  // `{ probe: n, profile: 'start' }` starts a CPU profile, `{ probe: n, profile: '<file>' }` stops
  // it and writes it there (a .cpuprofile): a profile of one measurement, not the whole run.
  let session = null;
  const profiling = async (what) => {
    const post = (method) =>
      new Promise((resolve, reject) => session.post(method, (err, r) => (err ? reject(err) : resolve(r))));
    if (what === 'start') {
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.start');
    } else if (session) {
      const { profile } = await post('Profiler.stop');
      fs.writeFileSync(what, JSON.stringify(profile));
      session.disconnect();
      session = null;
    }
  };
  process.on('message', async (message) => {
    if (!message || typeof message.probe !== 'number') return;
    if (typeof message.profile === 'string') await profiling(message.profile);
    if (message.gc && typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    // `{ probe: n, heapSnapshot: '<file>' }` writes a heap snapshot there (BENCH_HEAP_SNAPSHOTS).
    if (typeof message.heapSnapshot === 'string') v8.writeHeapSnapshot(message.heapSnapshot);
    const memory = process.memoryUsage();
    const ms = (ns) => Number(ns) / 1e6;
    const figures = (h) => ({
      p50: ms(h.percentile(50)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
      mean: ms(h.mean),
    });
    // The live-event pump's batches, timed, when the server runs with KARAVAN_LIVE_TRACE=1
    // (server/src/realtime/live-events.ts): handed out once and forgotten.
    const trace = globalThis[Symbol.for('karavan.liveTrace')];
    const liveTrace = message.trace && Array.isArray(trace) ? trace.splice(0, trace.length) : undefined;
    process.send({
      probe: message.probe,
      liveTrace,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
      loopDelay: figures(delay),
      loopDelayTotal: figures(total),
    });
    if (message.reset) delay.reset();
    if (message.resetTotal) total.reset();
  });
  // The channel must not keep the process alive once the server has stopped.
  process.channel?.unref();
}
