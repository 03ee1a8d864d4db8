// A share of the fan-out clients of `npm run bench` / `npm run soak`, forked by them so that the
// clients use more than one core: real socket.io-client connections (WebSocket, as browsers on a
// good network end up), each subscribed to one room, recording when each event arrives.
// Messages from the parent:
//   { open: { url, tokens, count, room, event } } -> { opened, failed } (socket k uses tokens[k % length])
//   { count: true }                              -> { received }
//   { report: { acks: { [id]: ms } } }           -> { latencies: number[], lost, duplicates }
//   { close: true }                              -> { closed }
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { io: connect } = require('socket.io-client');

const now = () => performance.timeOrigin + performance.now();
const sockets = [];
/** update id -> arrival times, one per socket that got it. */
const arrivals = new Map();
let received = 0;
/** Sockets whose subscription was accepted: each must get every event. */
let subscribed = 0;
/** This worker's own event-loop delay and the size of the payloads it got: is the client the bottleneck? */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let payloadBytes = 0;
/** The first payload received (the bench can have the baseline send the same shape). */
let samplePayload = null;

async function open({ url, tokens, count, room, event }) {
  let opened = 0;
  let failed = 0;
  let next = 0;
  const one = () =>
    new Promise((resolve) => {
      const socket = connect(url, {
        auth: { token: tokens[next++ % tokens.length] },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        timeout: 60_000,
      });
      sockets.push(socket);
      socket.on(event, (payload) => {
        const t = now();
        const id = payload?.update?.id;
        if (!id) return;
        received += 1;
        if (payloadBytes === 0) {
          samplePayload = payload;
          payloadBytes = JSON.stringify(payload).length;
        }
        const list = arrivals.get(id);
        if (list) list.push(t);
        else arrivals.set(id, [t]);
      });
      socket.once('connect_error', (err) => {
        failed += 1;
        if (failed <= 3) process.stderr.write(`socket refused: ${err.message}\n`);
        resolve();
      });
      socket.once('connect', () => {
        socket.timeout(60_000).emit('subscribe', { room }, (err, ack) => {
          if (!err && ack?.ok) {
            opened += 1;
            subscribed += 1;
          } else failed += 1;
          resolve();
        });
      });
    });
  // A few hundred handshakes at a time: like many dashboards opening, not all in one instant.
  const BATCH = 200;
  for (let i = 0; i < count; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, one));
  }
  return { opened, failed };
}

process.on('message', (m) => {
  void (async () => {
    if (m.open) process.send(await open(m.open));
    else if (m.count) process.send({ received });
    else if (m.report) {
      const latencies = [];
      let lost = 0;
      let duplicates = 0;
      const connected = sockets.filter((s) => s.connected).length;
      const expected = subscribed;
      for (const [id, ack] of Object.entries(m.report.acks)) {
        const list = arrivals.get(id) ?? [];
        if (list.length < expected) lost += expected - list.length;
        if (list.length > expected) duplicates += list.length - expected;
        // An event may overtake the HTTP answer of its write: that counts as 0 ms, not negative.
        for (const t of list) latencies.push(Math.round(Math.max(0, t - ack) * 100) / 100);
      }
      // With `stages: true`, each update's arrivals (epoch ms): first, median and last socket.
      const arrived = {};
      if (m.report.stages)
        for (const id of Object.keys(m.report.acks)) {
          const list = (arrivals.get(id) ?? []).slice().sort((a, b) => a - b);
          if (list.length > 0) arrived[id] = [list[0], list[Math.floor(list.length / 2)], list[list.length - 1]];
        }
      const ms = (ns) => Math.round(Number(ns) / 1e4) / 100;
      const clientLoop = {
        p50: ms(loopDelay.percentile(50)),
        p99: ms(loopDelay.percentile(99)),
        max: ms(loopDelay.max),
      };
      process.send({ latencies, lost, duplicates, connected, arrived, clientLoop, payloadBytes, samplePayload });
    } else if (m.reset) {
      arrivals.clear();
      received = 0;
      payloadBytes = 0;
      loopDelay.reset();
      process.send({ reset: true });
    } else if (m.close) {
      for (const s of sockets) s.disconnect();
      sockets.length = 0;
      subscribed = 0;
      process.send({ closed: true });
    }
  })();
});
process.send({ ready: 'sockets' });
