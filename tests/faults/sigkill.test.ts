import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { startServerProcess, waitFor, type ServerProcess } from '../support/server-process';

/*
 * The server killed with SIGKILL in the middle of donations and shipment updates, on its own
 * file-backed embedded database (KARAVAN_DATA_DIR, as a single-machine install runs it), then
 * started again on the same data. The clients behave as phones do: every request carries an
 * Idempotency-Key (and a shipment update its own id), and a request that got no answer is sent
 * again, unchanged, until it gets one. Afterwards: no half-done operation is left (no stock
 * intent, no shipment intent, no update or key "in progress"), the reconcile finds nothing,
 * every acknowledged write is there, and nothing was done twice.
 */
const admin = { email: 'chief@sigkill.karavan', password: 'the power goes out' };
type Auth = Record<string, string>;

interface Scene {
  url: () => string;
  auth: Auth;
  itemId: string;
  originId: string;
  destinationId: string;
  campaignId: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one request until it gets an answer that is not "try again" (no answer, 503, 429, 409 in progress). */
async function untilAnswered(
  send: () => Promise<{ status: number; body: { code?: string } & Record<string, unknown> }>,
  giveUpAt: () => number,
): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  while (Date.now() < giveUpAt()) {
    let res: { status: number; body: { code?: string } & Record<string, unknown> } | undefined;
    try {
      res = await send();
    } catch {
      res = undefined; // connection refused or reset: the server is down
    }
    const again = !res || res.status === 503 || res.status === 429 || res.body.code === 'IDEMPOTENCY_IN_PROGRESS';
    if (!again) return res;
    await sleep(res?.status === 429 ? 1_000 : 150);
  }
  return undefined;
}

async function post(url: string, auth: Auth, p: string, body: object, key: string = randomUUID()) {
  return fetch(`${url}${p}`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  }).then(async (res) => ({
    status: res.status,
    // A body cut off by the kill (the headers of a compressed answer went out first) is no
    // answer: the phone's outbox sees a network error and retries with the same key, as here.
    body: (await res.json()) as Record<string, unknown>,
  }));
}

/**
 * Donations (several clients) and shipment life cycles (one truck dispatcher), each request
 * retried with its key until answered. `stop` lets every client finish the request it is on.
 */
function drive(scene: Scene) {
  let stopping = false;
  let giveUpAt = Number.POSITIVE_INFINITY;
  const donations = new Map<string, string>(); // key -> donation id (acknowledged)
  const updates = new Map<string, { shipmentId: string; status: string; applied: boolean }>(); // update id -> answer
  const unexpected: unknown[] = [];
  let at = Date.now() - 3_600_000;

  async function donor() {
    while (!stopping) {
      const key = `donation-${randomUUID()}`;
      const body = {
        campaignId: scene.campaignId,
        locationId: scene.originId,
        lines: [{ itemId: scene.itemId, quantity: 3 }],
      };
      const res = await untilAnswered(
        () => post(scene.url(), scene.auth, '/api/donations', body, key),
        () => giveUpAt,
      );
      if (res?.status === 201) donations.set(key, String(res.body.id));
      else unexpected.push({ key, res });
      await sleep(20);
    }
  }

  async function dispatcher() {
    let n = 0;
    while (!stopping) {
      n += 1;
      const created = await untilAnswered(
        () =>
          post(scene.url(), scene.auth, '/api/shipments', {
            campaignId: scene.campaignId,
            originId: scene.originId,
            destinationId: scene.destinationId,
            lines: [{ itemId: scene.itemId, quantity: 4 }],
          }),
        () => giveUpAt,
      );
      if (created?.status !== 201) {
        unexpected.push({ created });
        return;
      }
      const shipmentId = String(created.body.id);
      // Every other truck is loaded and cancelled (the reservation released); the others go.
      const steps = n % 2 === 0 ? ['loading', 'cancelled'] : ['loading', 'departed', 'arrived', 'delivered'];
      for (const status of steps) {
        const id = randomUUID();
        at += 1_000;
        const body = {
          id,
          status,
          at: new Date(at).toISOString(),
          ...(status === 'delivered' ? { receivedBy: 'Айгуль' } : {}),
        };
        const res = await untilAnswered(
          () => post(scene.url(), scene.auth, `/api/shipments/${shipmentId}/updates`, body, `update-${id}`),
          () => giveUpAt,
        );
        if (res?.status !== 200 || res.body.applied !== true) {
          unexpected.push({ shipmentId, status, res });
          return;
        }
        updates.set(id, { shipmentId, status, applied: true });
      }
    }
  }

  const running = Promise.all([donor(), donor(), donor(), dispatcher(), dispatcher()]);
  return {
    donations,
    updates,
    unexpected,
    async stop(ms: number) {
      stopping = true;
      giveUpAt = Date.now() + ms;
      await running;
    },
  };
}

/** The embedded database's launcher (a Java process) started by the server process. */
function launcherPid(server: ServerProcess): number | undefined {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(server.child.pid)], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => /java/.test(l));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function scenario(killDatabaseToo: boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-kill-'));
  const env = {
    KARAVAN_DATA_DIR: dir,
    KARAVAN_ADMIN_EMAIL: admin.email,
    KARAVAN_ADMIN_PASSWORD: admin.password,
    WRITE_RATE_LIMIT: '100000', // all the clients are one user here
  };
  const server = await startServerProcess(env);
  let second: ServerProcess | undefined;
  try {
    let url = server.url;
    const login = await request(url).post('/api/auth/login').send(admin).expect(200);
    const auth = { Authorization: `Bearer ${login.body.accessToken as string}` };
    const create = async (p: string, body: object) =>
      (await request(url).post(p).set(auth).send(body).expect(201)).body as { id: string };
    const item = await create('/api/items', {
      name: { ru: 'Вода', en: 'Water' },
      baseUnit: 'piece',
      perishable: false,
    });
    const origin = await create('/api/locations', { name: 'Склад', kind: 'warehouse' });
    const destination = await create('/api/locations', { name: 'Пункт раздачи', kind: 'distribution_point' });
    const campaign = await create('/api/campaigns', {
      name: 'Февраль',
      status: 'active',
      targets: [{ itemId: item.id, quantity: 1_000_000 }],
    });
    // Stock for the first trucks, before the load starts.
    await create('/api/donations', {
      campaignId: campaign.id,
      locationId: origin.id,
      lines: [{ itemId: item.id, quantity: 400 }],
    });
    const scene: Scene = {
      url: () => url,
      auth,
      itemId: item.id,
      originId: origin.id,
      destinationId: destination.id,
      campaignId: campaign.id,
    };

    const load = drive(scene);
    // Kill once writes are surely in flight (the dispatchers are on their second truck or later).
    await waitFor(() => load.donations.size >= 15 && load.updates.size >= 5, 20_000);
    const java = launcherPid(server);
    expect(java).toBeDefined();
    if (killDatabaseToo) process.kill(java!, 'SIGKILL');
    await server.kill();
    // Without its server the launcher stops by itself (stdin is its lifeline); the data
    // directory is free again once it has exited.
    expect(await waitFor(() => !alive(java!), 20_000)).toBe(true);
    const before = { donations: load.donations.size, updates: load.updates.size };

    second = await startServerProcess(env);
    url = second.url;
    await load.stop(30_000);
    expect(load.unexpected).toEqual([]);
    expect(load.donations.size).toBeGreaterThanOrEqual(before.donations);
    expect(load.updates.size).toBeGreaterThanOrEqual(before.updates);

    // The database as the restarted server left it.
    const socket = path.join(dir, 'db', 'mongod.sock');
    const check = await mongoose.createConnection(`mongodb://${encodeURIComponent(socket)}/karavan`).asPromise();
    try {
      // No half-done operation: no stock intent, no shipment intent, no update or key in progress.
      expect(await check.collection('stock_ops').countDocuments({})).toBe(0);
      expect(await check.collection('shipments').countDocuments({ pending: { $ne: null } })).toBe(0);
      expect(await check.collection('shipment_updates').countDocuments({ state: 'pending' })).toBe(0);
      expect(await check.collection('idempotency_records').countDocuments({ state: 'pending' })).toBe(0);

      // Every acknowledged donation is there, once: one donation per key.
      const stored = await check.collection('donations').find({ campaignId: campaign.id }).toArray();
      const ids = stored.map((d) => String(d._id));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(load.donations.size + 1); // + the stock donated before the load
      for (const id of load.donations.values()) expect(ids).toContain(id);

      // Every acknowledged update is in its shipment's history, once.
      const shipments = await check.collection('shipments').find({ campaignId: campaign.id }).toArray();
      const history = new Map<string, number>();
      for (const s of shipments) {
        for (const entry of (s.history ?? []) as { id: string }[])
          history.set(entry.id, (history.get(entry.id) ?? 0) + 1);
      }
      for (const [id, answer] of load.updates) {
        expect({ id, times: history.get(id) ?? 0, status: answer.status }).toEqual({
          id,
          times: 1,
          status: answer.status,
        });
      }
    } finally {
      await check.close();
    }

    const report = await request(url).post('/api/admin/reconcile').set(auth).send({}).expect(200);
    expect(report.body.differences).toEqual([]);
    expect(report.body.inFlight).toBe(0);
    expect(second.output()).toMatch(/Karavan is listening/);
    const startUp = second
      .output()
      .split('\n')
      .filter((l) => /repaired|settled/.test(l))
      .map((l) => l.replace(/^.*"msg":"([^"]*)".*$/, '$1'));
    console.log(
      `sigkill${killDatabaseToo ? ' (database too)' : ''}: killed after ${before.donations} donations and ${before.updates} updates, ` +
        `${load.donations.size} and ${load.updates.size} in the end; at start-up: ${startUp.join(', ') || 'nothing to repair'}`,
    );
  } finally {
    await server.kill();
    await second?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('The server process is killed in the middle of writes', () => {
  test('When the server is killed with SIGKILL during donations and shipment updates, then after a restart nothing is half-done, lost or doubled', async () => {
    await scenario(false);
  }, 120_000);

  test('When the server and its database are killed together, then after a restart nothing is half-done, lost or doubled', async () => {
    await scenario(true);
  }, 120_000);
});
