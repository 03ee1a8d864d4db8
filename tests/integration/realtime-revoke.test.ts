import request from 'supertest';
import { SOCKETS_PER_USER_MAX, type SubscribeAck } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';
import { startRedis } from '../support/redis';
import { buildScene, createShipment, inDays, sendUpdate } from '../support/shipments';
import { openSocket, ready, type ClientSocket } from '../support/sockets';

/*
 * Rooms are checked again whenever a user's rights or assignments change, on every instance: a
 * socket leaves the rooms it may no longer watch and is told `room.revoked`, and hears nothing
 * more from them. Each scene runs on one instance, then on two instances sharing Redis (the
 * socket on A, the change made through B).
 */

interface Watched {
  socket: ClientSocket;
  /** Names of the events received, in order. */
  events: { name: string; payload: Record<string, unknown> }[];
  /** Resolves with the payload of the next event of that name. */
  next(name: string): Promise<Record<string, unknown>>;
}

const sockets: ClientSocket[] = [];
async function watch(url: string, token: string): Promise<Watched> {
  const socket = openSocket(url, { token });
  sockets.push(socket);
  const events: Watched['events'] = [];
  const waiting: { name: string; resolve(p: Record<string, unknown>): void }[] = [];
  socket.onAny((name: string, payload: Record<string, unknown>) => {
    events.push({ name, payload });
    for (const w of waiting.filter((x) => x.name === name)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(payload);
    }
  });
  await ready(socket);
  return {
    socket,
    events,
    next: (name) => new Promise((resolve) => waiting.push({ name, resolve })),
  };
}
const subscribe = (w: Watched, room: string) =>
  new Promise<SubscribeAck>((resolve) => w.socket.emit('subscribe', { room }, resolve));

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

const setups: [string, () => Promise<{ socketUrl: string; apiUrl: string; close(): Promise<void> }>][] = [
  [
    'one instance',
    async () => {
      const app = await startTestApp();
      return { socketUrl: app.url, apiUrl: app.url, close: () => app.close() };
    },
  ],
  [
    'two instances and Redis',
    async () => {
      const redis = await startRedis();
      const env = { REDIS_URL: redis.url, JWT_SECRET: 'shared-secret-of-both-instances-0123456789' };
      const a: TestApp = await startTestApp(env);
      const b: TestApp = await startTestApp(env);
      return {
        socketUrl: a.url,
        apiUrl: b.url,
        close: async () => {
          await a.close();
          await b.close();
          await redis.stop();
        },
      };
    },
  ],
];

describe.each(setups)('Live rooms after rights change (%s)', (_name, setup) => {
  let env: Awaited<ReturnType<(typeof setups)[number][1]>>;
  beforeAll(async () => {
    env = await setup();
  });
  afterAll(() => env.close());

  test('When a driver is replaced on a shipment, then his socket leaves its room, is told room.revoked and stops getting its shipment.updated', async () => {
    const coordinator = await signedIn(env.apiUrl, { role: 'coordinator' });
    const s = await buildScene(env.apiUrl);
    const shipment = await createShipment(env.apiUrl, coordinator.auth, s);
    const room = `shipment:${shipment.id}`;
    const old = await watch(env.socketUrl, s.driver.tokens.accessToken);
    expect(await subscribe(old, room)).toMatchObject({ ok: true });

    const revoked = old.next('room.revoked');
    await request(env.apiUrl)
      .patch(`/api/shipments/${shipment.id}`)
      .set(coordinator.auth)
      .send({ driverId: s.otherDriver.user.id })
      .expect(200);
    expect(await revoked).toEqual({ room });

    // The new driver watches it; the shipment moves on.
    const fresh = await watch(env.socketUrl, s.otherDriver.tokens.accessToken);
    expect(await subscribe(fresh, room)).toMatchObject({ ok: true });
    const loading = fresh.next('shipment.updated');
    expect((await sendUpdate(env.apiUrl, coordinator.auth, shipment.id, 'loading')).status).toBe(200);
    expect(((await loading).shipment as { status: string }).status).toBe('loading');
    // A message to the old driver's own socket, sent after the update: everything before it has arrived.
    const marker = old.next('users.updated');
    await request(env.apiUrl).patch('/api/users/me').set(s.driver.auth).send({ name: 'Эрлан' }).expect(200);
    await marker;
    const after = old.events.slice(old.events.findIndex((e) => e.name === 'room.revoked'));
    expect(after.filter((e) => e.name === 'shipment.updated')).toEqual([]);
    // And he cannot come back in.
    expect(await subscribe(old, room)).toEqual({ ok: false, code: 'FORBIDDEN' });
  });

  test('When a coordinator is made a driver, then his socket loses dashboard and no longer gets donation.recorded', async () => {
    const organiser = await signedIn(env.apiUrl, { role: 'organiser' });
    const demoted = await signedIn(env.apiUrl, { role: 'coordinator' });
    const other = await signedIn(env.apiUrl, { role: 'coordinator' });
    const s = await buildScene(env.apiUrl, { stock: 0 });
    const watched = await watch(env.socketUrl, demoted.tokens.accessToken);
    const witness = await watch(env.socketUrl, other.tokens.accessToken);
    for (const w of [watched, witness]) expect(await subscribe(w, 'dashboard')).toMatchObject({ ok: true });
    expect(await subscribe(watched, `campaign:${s.campaign.id}`)).toMatchObject({ ok: true });

    const revoked: Record<string, unknown>[] = [];
    const both = new Promise<void>((resolve) => {
      watched.socket.on('room.revoked', (payload) => {
        revoked.push(payload);
        if (revoked.length === 2) resolve();
      });
    });
    await request(env.apiUrl)
      .patch(`/api/users/${demoted.user.id}`)
      .set(organiser.auth)
      .send({ role: 'driver' })
      .expect(200);
    await both;
    expect(revoked).toEqual(expect.arrayContaining([{ room: 'dashboard' }, { room: `campaign:${s.campaign.id}` }]));

    const recorded = witness.next('donation.recorded');
    await request(env.apiUrl)
      .post('/api/donations')
      .set(other.auth)
      .send({
        campaignId: s.campaign.id,
        locationId: s.origin.id,
        donor: { kind: 'person', name: 'Айгуль', phone: '+996 555 123 456', consentToContact: true },
        lines: [{ itemId: s.item.id, quantity: 3, expiresAt: inDays(5).toISOString() }],
      })
      .expect(201);
    await recorded;
    const marker = watched.next('users.updated');
    await request(env.apiUrl).patch('/api/users/me').set(demoted.auth).send({ name: 'Бывший координатор' }).expect(200);
    await marker;
    expect(watched.events.filter((e) => e.name === 'donation.recorded')).toEqual([]);
    expect(await subscribe(watched, 'dashboard')).toEqual({ ok: false, code: 'FORBIDDEN' });
  });

  test(`When one user opens more than ${SOCKETS_PER_USER_MAX} sockets, then the oldest is told socket.closed TOO_MANY_SOCKETS and closed`, async () => {
    const user = await signedIn(env.apiUrl, { role: 'coordinator' });
    const first = await watch(env.socketUrl, user.tokens.accessToken);
    const closed = first.next('socket.closed');
    const gone = new Promise<string>((resolve) => first.socket.once('disconnect', resolve));
    for (let i = 1; i < SOCKETS_PER_USER_MAX; i += 1)
      await watch(i % 2 ? env.apiUrl : env.socketUrl, user.tokens.accessToken);
    expect(first.socket.connected).toBe(true);
    const last = await watch(env.apiUrl, user.tokens.accessToken);
    expect(await closed).toEqual({ reason: 'TOO_MANY_SOCKETS' });
    expect(await gone).toBe('io server disconnect');
    expect(last.socket.connected).toBe(true);
  });
});
