// Preloaded into a server process by the benchmarks and the soak (`node --import probe.mjs ...`),
// never by `npm start`: it adds no route and no production code. When the process has an IPC
// channel (it was forked by tools/bench), it answers `{ probe: n }` messages with its memory and
// the event-loop delay measured since the last reset (perf_hooks.monitorEventLoopDelay).
// `{ probe: n, gc: true }` collects garbage first (the process runs with --expose-gc), so that
// heap figures compare live objects only; `reset: true` starts a new delay window, `resetTotal:
// true` a new overall one (after a warm-up).
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const total = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  total.enable();
  process.on('message', (message) => {
    if (!message || typeof message.probe !== 'number') return;
    if (message.gc && typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    const memory = process.memoryUsage();
    const ms = (ns) => Number(ns) / 1e6;
    const figures = (h) => ({
      p50: ms(h.percentile(50)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
      mean: ms(h.mean),
    });
    process.send({
      probe: message.probe,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      external: memory.external,
      loopDelay: figures(delay),
      loopDelayTotal: figures(total),
    });
    if (message.reset) delay.reset();
    if (message.resetTotal) total.reset();
  });
  // The channel must not keep the process alive once the server has stopped.
  process.channel?.unref();
}
