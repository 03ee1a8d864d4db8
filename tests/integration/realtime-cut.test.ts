import { randomUUID } from 'node:crypto';
import net from 'node:net';
import request from 'supertest';
import { io } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/server-process';
import { buildScene, createShipment, receiveStock, type Scene } from '../support/shipments';
import { signedIn } from '../support/factories';

/*
 * The network between the live clients and the server cut for 5 s while events keep coming.
 * Each client is the web client's own Realtime (client/src/lib/realtime) behind its own TCP
 * proxy. Some proxies RESET their connections when the cut starts and refuse new ones until it
 * ends (a phone that lost its network: Socket.io reconnects, resubscribes and catches up from
 * GET /api/events); the others STALL (a tunnel: nothing moves for 5 s, then everything that
 * waited arrives). Afterwards every client has every event of its rooms exactly once, in seq order.
 */

/*
 * The web client's Realtime (client/src/lib/realtime/realtime.ts), compiled for Node by
 * tests/support/client-transform.js. It is typed here by what this test uses: the module belongs
 * to the client's TypeScript project (ES modules, DOM), whose typecheck covers it.
 */
interface LiveEvent {
  name: string;
  seq: number;
  payload: Record<string, unknown>;
}
interface RealtimeOptions {
  getToken(): string | null;
  refresh(): Promise<void>;
  fetchMissed(room: string, after: number, limit: number): Promise<{ events: LiveEvent[]; truncated: boolean }>;
  apply(event: LiveEvent): void;
  reload(room: string): void;
  onUser(user: unknown): void;
  connect?(): unknown;
}
interface ClientRealtime {
  start(): void;
  stop(): void;
  join(room: string): () => void;
  roomState(room: string): { status: string };
}
const { Realtime, parseEventLog } = require('../../client/src/lib/realtime/realtime') as {
  Realtime: new (options: RealtimeOptions) => ClientRealtime;
  parseEventLog(body: unknown): { events: LiveEvent[]; truncated: boolean };
};

type Mode = 'reset' | 'stall';

/** A TCP proxy to `port` whose connections can be cut (reset or stalled) and restored. */
async function cuttableProxy(port: number, mode: Mode) {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const held: net.Socket[] = [];
  let cut = false;
  const link = (client: net.Socket) => {
    const upstream = net.connect(port, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  };
  const server = net.createServer((client) => {
    client.on('error', () => client.destroy());
    if (!cut) link(client);
    else if (mode === 'reset') client.resetAndDestroy();
    else {
      client.pause();
      held.push(client);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut() {
      cut = true;
      for (const { client, upstream } of [...pairs]) {
        if (mode === 'reset') {
          // No close handshake: the client side sees a reset, the server side a dead peer.
          client.resetAndDestroy();
          upstream.resetAndDestroy();
        } else {
          client.pause();
          upstream.pause();
        }
      }
    },
    restore() {
      cut = false;
      for (const { client, upstream } of pairs) {
        client.resume();
        upstream.resume();
      }
      for (const client of held.splice(0)) {
        client.resume();
        link(client);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

let app: TestApp;
let scene: Scene;
let organiser: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  app = await startTestApp();
  scene = await buildScene(app.url, { stock: 100_000 });
  organiser = await signedIn(app.url, { role: 'organiser' });
});
afterAll(() => app.close());

/** One live client: the web client's Realtime through a proxy, recording what it applies. */
function liveClient(proxyUrl: string, token: string) {
  const applied: LiveEvent[] = [];
  const reloads: string[] = [];
  const fetched: string[] = [];
  const options: RealtimeOptions = {
    getToken: () => token,
    refresh: () => Promise.reject(new Error('the token does not expire in this test')),
    async fetchMissed(room, after, limit) {
      fetched.push(room);
      const res = await fetch(`${proxyUrl}/api/events?after=${after}&room=${encodeURIComponent(room)}&limit=${limit}`, {
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`GET /api/events: ${res.status}`);
      return parseEventLog(await res.json());
    },
    apply: (event) => applied.push(event),
    reload: (room) => reloads.push(room),
    onUser: () => undefined,
    connect: () =>
      io(proxyUrl, {
        auth: (cb) => cb({ token }),
        forceNew: true,
        reconnectionDelay: 200,
        reconnectionDelayMax: 1_000,
      }),
  };
  const realtime = new Realtime(options);
  return { realtime, applied, reloads, fetched };
}

describe('Live clients whose network is cut', () => {
  test('When the sockets are cut for 5 s while events keep coming, then every client ends with every event of its rooms once, in seq order', async () => {
    const auth = organiser.auth;
    const token = auth.Authorization.replace('Bearer ', '');
    // A shipment on the road: it reports checkpoint after checkpoint while donations come in.
    await receiveStock({
      locationId: scene.origin.id,
      campaignId: scene.campaign.id,
      itemId: scene.item.id,
      quantity: 50,
    });
    const shipment = await createShipment(app.url, auth, scene, { lines: [{ itemId: scene.item.id, quantity: 10 }] });
    let at = Date.now() - 3_600_000;
    const update = async (status: string, extra: object = {}) => {
      at += 1_000;
      await request(app.url)
        .post(`/api/shipments/${shipment.id}/updates`)
        .set(auth)
        .send({ id: randomUUID(), status, at: new Date(at).toISOString(), ...extra })
        .expect(200);
    };
    await update('loading');
    await update('departed');

    const rooms = ['dashboard', `campaign:${scene.campaign.id}`, `shipment:${shipment.id}`];
    const modes: Mode[] = ['reset', 'reset', 'stall'];
    const proxies = await Promise.all(modes.map((mode) => cuttableProxy(app.port, mode)));
    const clients = proxies.map((proxy) => liveClient(proxy.url, token));
    try {
      for (const c of clients) {
        c.realtime.start();
        for (const room of rooms) c.realtime.join(room);
      }
      expect(
        await waitFor(
          () => clients.every((c) => rooms.every((room) => c.realtime.roomState(room).status === 'live')),
          10_000,
        ),
      ).toBe(true);
      // Joining loads each room's data once; from here on a reload would mean the log was not enough.
      for (const c of clients) c.reloads.length = 0;
      const startSeq = Math.max(
        ...(await Promise.all(
          rooms.map(async (room) => {
            const page = await request(app.url).get('/api/events').query({ after: 0, room, limit: 1000 }).set(auth);
            return Math.max(0, ...(page.body.items as { seq: number }[]).map((e) => e.seq));
          }),
        )),
      );

      // Events all along: a donation every 100 ms, a checkpoint report every 250 ms.
      let producing = true;
      const donations = (async () => {
        while (producing) {
          await request(app.url)
            .post('/api/donations')
            .set(auth)
            .send({
              campaignId: scene.campaign.id,
              locationId: scene.origin.id,
              lines: [{ itemId: scene.item.id, quantity: 1 }],
            })
            .expect(201);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      const reports = (async () => {
        while (producing) {
          await update('at_checkpoint', { checkpointId: scene.checkpoint.id });
          await new Promise((resolve) => setTimeout(resolve, 250));
          await update('departed');
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      })();

      await new Promise((resolve) => setTimeout(resolve, 1_500));
      proxies.forEach((p) => p.cut());
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      proxies.forEach((p) => p.restore());
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      producing = false;
      await Promise.all([donations, reports]);

      // What each room was sent since the clients joined, from the server's own log.
      const expected = new Set<number>();
      for (const room of rooms) {
        let after = startSeq;
        for (;;) {
          const page = await request(app.url)
            .get('/api/events')
            .query({ after, room, limit: 1000 })
            .set(auth)
            .expect(200);
          const seqs = (page.body.items as { seq: number }[]).map((e) => e.seq);
          seqs.forEach((s) => expected.add(s));
          if (seqs.length < 1000) break;
          after = Math.max(...seqs);
        }
      }
      const last = Math.max(...expected);
      expect(expected.size).toBeGreaterThan(50);
      // Every client catches up (reset ones reconnect and read the log; stalled ones get the backlog).
      await waitFor(() => clients.every((c) => c.applied.some((e) => e.seq === last)), 20_000);
      for (const [i, c] of clients.entries()) {
        const seqs = c.applied.map((e) => e.seq);
        expect({ client: i, mode: modes[i], reloads: c.reloads }).toEqual({ client: i, mode: modes[i], reloads: [] });
        expect(seqs).toEqual([...expected].sort((a, b) => a - b)); // each once, in seq order
        // A reset client really lost its connection and caught up from the log, room by room.
        if (modes[i] === 'reset') expect(new Set(c.fetched)).toEqual(new Set(rooms));
      }
      console.log(
        `sockets cut: ${expected.size} events after seq ${startSeq}; every client applied all of them once, in order (${modes.join(', ')})`,
      );
    } finally {
      for (const c of clients) c.realtime.stop();
      await Promise.all(proxies.map((p) => p.close()));
    }
  }, 60_000);
});
