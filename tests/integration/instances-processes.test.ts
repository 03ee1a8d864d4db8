import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import request from 'supertest';
import type { SubscribeAck } from '@karavan/shared';
import { startRedis } from '../support/redis';
import { startServerProcess, waitFor, type ServerProcess } from '../support/server-process';
import { openSocket, ready, type ClientSocket } from '../support/sockets';
import { newTestDatabaseUri } from '../support/test-db';

/*
 * Two real server processes (node server/dist/main.js on two ports) on one database (the
 * embedded one the test run started, reached through MONGODB_URI) and one Redis: what is written
 * through B reaches a dashboard socket on A once and in order, and A's catch-up gives the same seq.
 */
let redis: Awaited<ReturnType<typeof startRedis>>;
let a: ServerProcess;
let b: ServerProcess;
let dbName: string;
const admin = { email: 'chief@instances.karavan', password: 'two instances, one database' };

beforeAll(async () => {
  redis = await startRedis();
  const uri = newTestDatabaseUri();
  dbName = new URL(uri).pathname.slice(1);
  const env = {
    MONGODB_URI: uri,
    REDIS_URL: redis.url,
    KARAVAN_ADMIN_EMAIL: admin.email,
    KARAVAN_ADMIN_PASSWORD: admin.password,
    LOGIN_RATE_LIMIT: '3',
    WRITE_RATE_LIMIT: '20',
  };
  // One after the other: the first makes the signing secret and the organiser, the second reads them.
  a = await startServerProcess(env);
  b = await startServerProcess(env);
}, 60_000);

async function signIn(url: string) {
  const res = await request(url).post('/api/auth/login').send(admin).expect(200);
  return { token: res.body.accessToken as string, auth: { Authorization: `Bearer ${res.body.accessToken}` } };
}

describe('Two server processes, one database, one Redis', () => {
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await mongoose.connection.getClient().db(dbName).dropDatabase();
  });

  test('When donations are written through B, then a dashboard socket on A gets each event once, in seq order, and A catches up with the same seqs', async () => {
    const onB = await signIn(b.url);
    const onA = await signIn(a.url); // a token from B's sign-in works on A too (one secret)
    const post = async (path: string, body: object) =>
      (await request(b.url).post(path).set(onB.auth).send(body).expect(201)).body as { id: string };
    const item = await post('/api/items', {
      name: { ru: 'Хлеб', en: 'Bread' },
      baseUnit: 'loaf',
      perishable: true,
      shelfLifeHours: 72,
    });
    const location = await post('/api/locations', { name: 'Пункт приёма', kind: 'collection_point' });
    const campaign = await post('/api/campaigns', {
      name: 'Январь',
      status: 'active',
      targets: [{ itemId: item.id, quantity: 1000 }],
    });

    let socket: ClientSocket | undefined;
    try {
      socket = openSocket(a.url, { token: onB.token });
      await ready(socket);
      const got: { seq: number; donationId: string }[] = [];
      socket.on('donation.recorded', (payload) => got.push({ seq: payload.seq, donationId: payload.donation.id }));
      const ack = await new Promise<SubscribeAck>((resolve) =>
        socket!.emit('subscribe', { room: 'dashboard' }, resolve),
      );
      expect(ack.ok).toBe(true);
      const from = (ack as { seq: number }).seq;

      const ids: string[] = [];
      for (let i = 0; i < 8; i++) {
        ids.push(
          (
            await post('/api/donations', {
              campaignId: campaign.id,
              locationId: location.id,
              lines: [{ itemId: item.id, quantity: i + 1 }],
            })
          ).id,
        );
      }
      expect(await waitFor(() => got.length >= ids.length, 10_000)).toBe(true);
      // Whatever else was going to arrive has: a stray duplicate would be here by now.
      await request(a.url).get('/healthz').expect(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(got.map((e) => e.donationId)).toEqual(ids);
      const seqs = got.map((e) => e.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs[0]).toBeGreaterThan(from);

      const caught = await request(a.url)
        .get('/api/events')
        .query({ room: 'dashboard', after: from, limit: 500 })
        .set(onA.auth)
        .expect(200);
      const recorded = (caught.body.items as { seq: number; name: string; payload: { donation: { id: string } } }[])
        .filter((e) => e.name === 'donation.recorded')
        .map((e) => ({ seq: e.seq, donationId: e.payload.donation.id }));
      expect(recorded).toEqual(got);
    } finally {
      socket?.close();
    }
  });

  test('When a donation is written through B, then the progress A had just read shows it as soon as its event is numbered', async () => {
    const client = new Redis(redis.url);
    await client.flushall(); // the sign-ins and writes of the test before counted too
    client.disconnect();
    const onB = await signIn(b.url);
    const onA = await signIn(a.url);
    const post = async (path: string, body: object) =>
      (await request(b.url).post(path).set(onB.auth).send(body).expect(201)).body as { id: string };
    const item = await post('/api/items', { name: { ru: 'Кефир', en: 'Kefir' }, baseUnit: 'litre' });
    const location = await post('/api/locations', { name: 'Пункт приёма 2', kind: 'collection_point' });
    const campaign = await post('/api/campaigns', {
      name: 'Февраль',
      status: 'active',
      targets: [{ itemId: item.id, quantity: 500 }],
    });
    const donatedOnA = async () => {
      const res = await request(a.url).get(`/api/campaigns/${campaign.id}/progress`).set(onA.auth).expect(200);
      return (res.body.items as { itemId: string; donated: number }[]).find((i) => i.itemId === item.id)!.donated;
    };
    // A reads the progress, twice: the second answer may be the numbers it kept.
    expect(await donatedOnA()).toBe(0);
    expect(await donatedOnA()).toBe(0);
    await post('/api/donations', {
      campaignId: campaign.id,
      locationId: location.id,
      lines: [{ itemId: item.id, quantity: 7 }],
    });
    // B's live event moves the seq, and A reads the totals again (it keeps numbers 5 s at most
    // otherwise: this must not take that long).
    expect(await waitFor(async () => (await donatedOnA()) === 7, 2_000)).toBe(true);
  });

  test('When sign-ins and writes are spread over both processes, then their rate limits count them together (Redis store)', async () => {
    const client = new Redis(redis.url);
    await client.flushall(); // the first test's sign-ins and writes counted too
    client.disconnect();
    const { auth } = await signIn(a.url);
    const writes: number[] = [];
    for (let i = 0; i < 21; i++) {
      const url = i % 2 ? b.url : a.url;
      writes.push(
        (
          await request(url)
            .post('/api/locations')
            .set(auth)
            .send({ name: `Склад ${i}`, kind: 'warehouse' })
        ).status,
      );
    }
    expect(writes).toEqual([...Array<number>(20).fill(201), 429]);
    const attempt = (url: string) =>
      request(url).post('/api/auth/login').send({ email: 'guess@instances.karavan', password: 'wrong guess' });
    const statuses: number[] = [];
    for (const url of [a.url, b.url, a.url, b.url]) statuses.push((await attempt(url)).status);
    expect(statuses).toEqual([401, 401, 429, 429]); // the sign-in above counted as the first of 3
  });
});
