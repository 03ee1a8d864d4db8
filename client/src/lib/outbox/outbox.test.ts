import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, jest, test } from '@jest/globals';
import {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  backoffDelay,
  classify,
  Outbox,
  tokenExpiresSoon,
  type Answer,
  type OutboxDeps,
  type OutboxEntry,
} from './outbox';
import { idbOutboxStore } from './store';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-26T10:00:00Z');

/** A JWT-shaped token that expires at `exp` (ms); only its payload matters here. */
function token(exp: number, name = 'a'): string {
  const payload = Buffer.from(JSON.stringify({ exp: Math.floor(exp / 1000), sub: name })).toString('base64url');
  return `header.${payload}.signature`;
}

interface Sent {
  id: string;
  path: string;
  body: unknown;
  token: string | null;
}

let dbCounter = 0;

/** An outbox over a fresh in-memory IndexedDB, with a scripted server and a controllable clock. */
function setup(overrides: Partial<OutboxDeps> = {}) {
  const sent: Sent[] = [];
  const answers: (Answer | 'network')[] = [];
  const scheduled: { fn: () => void; ms: number }[] = [];
  const state = {
    online: true,
    userId: 'user-1' as string | null,
    token: token(NOW + HOUR) as string | null,
    now: NOW,
    refreshes: 0,
    refreshFails: undefined as undefined | { transient: boolean },
    ids: 0,
  };
  const store = idbOutboxStore(`karavan-test-${++dbCounter}`);
  const onSent = jest.fn<(entry: OutboxEntry, body: unknown) => void>();
  const deps: OutboxDeps = {
    store,
    transport: async (entry, bearer) => {
      sent.push({ id: entry.id, path: entry.path, body: entry.body, token: bearer });
      const answer = answers.shift() ?? { status: 201, body: { id: `server-${entry.id}` } };
      if (answer === 'network') throw Object.assign(new Error('NETWORK'), { transient: true });
      return answer;
    },
    userId: () => state.userId,
    token: () => state.token,
    refresh: async () => {
      state.refreshes += 1;
      if (state.refreshFails) throw Object.assign(new Error('refresh'), state.refreshFails);
      state.token = token(state.now + HOUR, `refreshed-${state.refreshes}`);
    },
    online: () => state.online,
    now: () => state.now,
    newId: () => `id-${++state.ids}`,
    schedule: (fn, ms) => {
      const job = { fn, ms };
      scheduled.push(job);
      return () => {
        const index = scheduled.indexOf(job);
        if (index >= 0) scheduled.splice(index, 1);
      };
    },
    onSent,
    ...overrides,
  };
  const outbox = new Outbox(deps);
  const donation = (n: number) => ({
    method: 'POST' as const,
    path: '/api/donations',
    body: { n },
    meta: { kind: 'donation', locationId: 'loc-1' },
  });
  return { outbox, store, sent, answers, scheduled, state, onSent, donation, deps };
}

describe('outbox', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  test('When changes are made online, then each is sent once, in order, with its own id as Idempotency-Key, and removed', async () => {
    t.state.online = false;
    await t.outbox.add(t.donation(1));
    await t.outbox.add(t.donation(2));
    await t.outbox.add(t.donation(3));
    t.state.online = true;

    await t.outbox.flush();

    expect(t.sent.map((request) => request.body)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(new Set(t.sent.map((request) => request.id)).size).toBe(3);
    expect(await t.store.all()).toEqual([]);
    expect(t.outbox.getSnapshot().entries).toEqual([]);
    expect(t.onSent).toHaveBeenCalledTimes(3);
    expect(t.onSent.mock.calls[0]?.[1]).toEqual({ id: `server-${t.sent[0]?.id}` });
  });

  test('When the device is offline, then nothing is sent and the entries wait with their time; online again, they go', async () => {
    t.state.online = false;
    const entry = await t.outbox.add(t.donation(1));
    await t.outbox.flush();

    expect(t.sent).toEqual([]);
    expect(t.outbox.getSnapshot().entries).toMatchObject([
      { id: entry.id, createdAt: new Date(NOW).toISOString(), attempts: 0, needsAttention: false },
    ]);

    t.state.online = true;
    await t.outbox.flush();
    expect(t.sent.map((request) => request.id)).toEqual([entry.id]);
  });

  test('When the server cannot be reached, then the entry keeps its place, later ones wait, and a retry is scheduled with backoff', async () => {
    t.state.online = false;
    const first = await t.outbox.add(t.donation(1));
    await t.outbox.add(t.donation(2));
    t.state.online = true;
    t.answers.push('network');

    await t.outbox.flush();

    expect(t.sent.map((request) => request.body)).toEqual([{ n: 1 }]);
    const [kept] = t.outbox.getSnapshot().entries;
    expect(kept).toMatchObject({
      id: first.id,
      attempts: 1,
      needsAttention: false,
      lastError: { status: 0, code: 'NETWORK' },
    });
    expect(t.scheduled).toHaveLength(1);
    expect(t.scheduled[0]?.ms).toBeGreaterThanOrEqual(BACKOFF_BASE_MS * 0.75);
    expect(t.outbox.getSnapshot().nextTryAt).toBe(NOW + (t.scheduled[0]?.ms ?? 0));

    t.answers.push({ status: 503, body: { code: 'DATABASE_UNAVAILABLE' } });
    const retry = t.scheduled.shift();
    retry?.fn();
    await t.outbox.flush();
    expect(t.outbox.getSnapshot().entries[0]).toMatchObject({ attempts: 2, lastError: { status: 503 } });
    expect(t.scheduled[0]?.ms).toBeGreaterThanOrEqual(BACKOFF_BASE_MS * 2 * 0.75);

    t.scheduled.shift()?.fn();
    await t.outbox.flush();
    expect(t.sent.map((request) => request.body)).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }, { n: 2 }]);
    expect(new Set(t.sent.slice(0, 3).map((request) => request.id))).toEqual(new Set([first.id]));
    expect(await t.store.all()).toEqual([]);
  });

  test.each([400, 403, 404, 409, 422])(
    'When the server refuses an entry with %i, then it is kept as needing attention and the next ones are still sent',
    async (status) => {
      t.state.online = false;
      const refused = await t.outbox.add(t.donation(1));
      await t.outbox.add(t.donation(2));
      t.state.online = true;
      t.answers.push({
        status,
        body: { code: 'VALIDATION_FAILED', details: [{ path: 'body.lines', message: 'bad' }] },
      });

      await t.outbox.flush();

      expect(t.sent.map((request) => request.body)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(t.outbox.getSnapshot().entries).toEqual([
        expect.objectContaining({
          id: refused.id,
          needsAttention: true,
          attempts: 1,
          lastError: expect.objectContaining({
            status,
            code: 'VALIDATION_FAILED',
            details: [{ path: 'body.lines', message: 'bad' }],
          }),
        }),
      ]);
      expect(t.scheduled).toEqual([]);

      // A later flush leaves it alone; the user's retry sends it again.
      await t.outbox.flush();
      expect(t.sent).toHaveLength(2);
      await t.outbox.retry(refused.id);
      expect(t.sent.map((request) => request.id)).toEqual([refused.id, expect.any(String), refused.id]);
      expect(t.outbox.getSnapshot().entries).toEqual([]);
    },
  );

  test('When the user discards a refused entry, then it is gone; nothing is ever dropped without that', async () => {
    t.answers.push({ status: 422, body: { code: 'UNPROCESSABLE' } });
    const entry = await t.outbox.add(t.donation(1));
    await t.outbox.flush();
    expect(t.outbox.getSnapshot().entries).toHaveLength(1);

    await t.outbox.discard(entry.id);
    expect(t.outbox.getSnapshot().entries).toEqual([]);
    expect(await t.store.all()).toEqual([]);
  });

  test('When the same request is still being processed (409 IDEMPOTENCY_IN_PROGRESS), then it is tried again later, not refused', async () => {
    t.state.online = false;
    await t.outbox.add(t.donation(1));
    t.state.online = true;
    t.answers.push({ status: 409, body: { code: 'IDEMPOTENCY_IN_PROGRESS' } });
    await t.outbox.flush();

    expect(t.outbox.getSnapshot().entries[0]).toMatchObject({ needsAttention: false, attempts: 1 });
    expect(t.scheduled).toHaveLength(1);
  });

  test('When the access token was refused (401), then it is refreshed and the same entry sent again with the new one', async () => {
    t.state.online = false;
    const entry = await t.outbox.add(t.donation(1));
    t.state.online = true;
    t.answers.push({ status: 401, body: { code: 'TOKEN_EXPIRED' } });
    const before = t.state.token;

    await t.outbox.flush();

    expect(t.state.refreshes).toBe(1);
    expect(t.sent.map((request) => [request.id, request.token])).toEqual([
      [entry.id, before],
      [entry.id, t.state.token],
    ]);
    expect(t.outbox.getSnapshot().entries).toEqual([]);
  });

  test('When the access token expires within a minute, then it is refreshed before the outbox is sent', async () => {
    t.state.online = false;
    await t.outbox.add(t.donation(1));
    t.state.token = token(NOW + 30_000);
    t.state.online = true;

    await t.outbox.flush();

    expect(t.state.refreshes).toBe(1);
    expect(t.sent[0]?.token).toBe(t.state.token);
    expect(tokenExpiresSoon(t.sent[0]?.token ?? null, NOW)).toBe(false);
  });

  test('When the refresh is refused (session over), then nothing is sent and the entries stay for the next sign-in', async () => {
    t.state.online = false;
    await t.outbox.add(t.donation(1));
    t.state.token = null;
    t.state.refreshFails = { transient: false };
    t.state.online = true;

    await t.outbox.flush();

    expect(t.sent).toEqual([]);
    expect(await t.store.all()).toHaveLength(1);
    expect(t.scheduled).toEqual([]);
  });

  test('When the refresh cannot reach the server, then sending is tried again later', async () => {
    t.state.online = false;
    await t.outbox.add(t.donation(1));
    t.state.token = null;
    t.state.refreshFails = { transient: true };
    t.state.online = true;

    await t.outbox.flush();

    expect(t.sent).toEqual([]);
    expect(t.scheduled).toHaveLength(1);
  });

  test('When another user signs in on the device, then they neither see nor send the first user’s entries', async () => {
    t.state.online = false;
    await t.outbox.add(t.donation(1));
    t.state.userId = 'user-2';
    t.state.online = true;

    await t.outbox.flush();

    expect(t.sent).toEqual([]);
    expect(t.outbox.getSnapshot().entries).toEqual([]);
    expect(await t.store.all()).toHaveLength(1);

    t.state.userId = 'user-1';
    await t.outbox.flush();
    expect(t.sent).toHaveLength(1);
  });

  test('When the page is reloaded, then what waited is still there and is sent by the new page', async () => {
    t.state.online = false;
    const entry = await t.outbox.add(t.donation(1));

    const reloaded = new Outbox({ ...t.deps });
    await reloaded.load();
    expect(reloaded.getSnapshot().entries.map((waiting) => waiting.id)).toEqual([entry.id]);
    t.state.online = true;
    await reloaded.flush();
    expect(t.sent.map((request) => request.id)).toEqual([entry.id]);
  });

  test('When flush is called many times at once, then each entry is still sent once', async () => {
    t.state.online = false;
    await t.outbox.add(t.donation(1));
    await t.outbox.add(t.donation(2));
    t.state.online = true;

    await Promise.all([t.outbox.flush(), t.outbox.flush(), t.outbox.flush()]);

    expect(t.sent.map((request) => request.body)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  test('When an entry has its own id (a status update), then that id is the Idempotency-Key', async () => {
    const entry = await t.outbox.add({ ...t.donation(1), id: 'update-uuid' });
    await t.outbox.flush();
    expect(entry.id).toBe('update-uuid');
    expect(t.sent[0]?.id).toBe('update-uuid');
  });
  test("When a colleague's answer code says the server has some entries (QR relay), then they are marked relayed, still sent once online, and then removed", async () => {
    t.state.online = false;
    const relayed = await t.outbox.add({ ...t.donation(1), id: 'update-1' });
    const waiting = await t.outbox.add({ ...t.donation(2), id: 'update-2' });
    t.state.userId = 'user-2';
    await t.outbox.add({ ...t.donation(3), id: 'other-user' });
    t.state.userId = 'user-1';

    // Another user's entry and an id this phone never had are not counted.
    expect(await t.outbox.markRelayed([relayed.id, 'other-user', 'unknown'])).toBe(1);
    expect((await t.store.get(relayed.id))?.relayedAt).toBe(new Date(NOW).toISOString());
    expect((await t.store.get(waiting.id))?.relayedAt).toBeUndefined();
    expect((await t.store.get('other-user'))?.relayedAt).toBeUndefined();
    expect(t.outbox.getSnapshot().entries.map((entry) => [entry.id, entry.relayedAt ?? null])).toEqual([
      [relayed.id, new Date(NOW).toISOString()],
      [waiting.id, null],
    ]);

    // Online: this phone's own copy goes too (the server answers it as the first), then it is gone.
    t.state.online = true;
    await t.outbox.flush();
    expect(t.sent.map((request) => request.id)).toEqual([relayed.id, waiting.id]);
    expect(t.outbox.getSnapshot().entries).toEqual([]);
  });
});

describe('outbox rules', () => {
  test('When answers come back, then 2xx is sent, 401 asks for a token, lasting refusals are kept and the rest retried', () => {
    expect(classify({ status: 200, body: {} })).toBe('sent');
    expect(classify({ status: 201, body: {} })).toBe('sent');
    expect(classify({ status: 401, body: {} })).toBe('unauthorised');
    for (const status of [400, 403, 404, 409, 413, 415, 422]) expect(classify({ status, body: {} })).toBe('refused');
    for (const status of [408, 429, 500, 502, 503]) expect(classify({ status, body: {} })).toBe('retry');
    expect(classify({ status: 409, body: { code: 'IDEMPOTENCY_IN_PROGRESS' } })).toBe('retry');
  });

  test('When failures repeat, then the wait doubles up to a ceiling, with some jitter', () => {
    const middle = () => 0.5;
    expect(backoffDelay(1, middle)).toBe(BACKOFF_BASE_MS);
    expect(backoffDelay(2, middle)).toBe(BACKOFF_BASE_MS * 2);
    expect(backoffDelay(3, middle)).toBe(BACKOFF_BASE_MS * 4);
    expect(backoffDelay(50, middle)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(1, () => 0)).toBe(BACKOFF_BASE_MS * 0.75);
    expect(backoffDelay(1, () => 1)).toBe(BACKOFF_BASE_MS * 1.25);
  });

  test('When a token is missing, unreadable or about to expire, then it needs refreshing', () => {
    expect(tokenExpiresSoon(null, NOW)).toBe(true);
    expect(tokenExpiresSoon('not-a-jwt', NOW)).toBe(true);
    expect(tokenExpiresSoon(token(NOW + 30_000), NOW)).toBe(true);
    expect(tokenExpiresSoon(token(NOW + 10 * 60_000), NOW)).toBe(false);
  });
});

describe('outbox snapshot', () => {
  test('When the queue is read again and nothing in it changed, then the screens are not told and keep the same snapshot', async () => {
    const t = setup();
    t.state.online = false;
    await t.outbox.add(t.donation(1));
    const listener = jest.fn();
    t.outbox.subscribe(listener);
    const before = t.outbox.getSnapshot();

    await t.outbox.load();
    await t.outbox.flush(); // offline: nothing to send, the queue read again
    expect(listener).not.toHaveBeenCalled();
    expect(t.outbox.getSnapshot()).toBe(before);

    // A change is told: a new entry, then the same queue once sent (empty).
    await t.outbox.add(t.donation(2));
    expect(listener).toHaveBeenCalled();
    expect(t.outbox.getSnapshot().entries.map((entry) => entry.body)).toEqual([{ n: 1 }, { n: 2 }]);
    t.state.online = true;
    await t.outbox.flush();
    expect(t.outbox.getSnapshot().entries).toEqual([]);
    expect(t.outbox.getSnapshot().sending).toBe(false);
  });

  test('When a try fails, then the entry (same id, one more try) reaches the screens changed', async () => {
    const t = setup();
    t.state.online = false;
    const entry = await t.outbox.add(t.donation(1));
    const listener = jest.fn();
    t.outbox.subscribe(listener);
    t.state.online = true;
    t.answers.push('network');

    await t.outbox.flush();

    expect(listener).toHaveBeenCalled();
    expect(t.outbox.getSnapshot().entries).toEqual([expect.objectContaining({ id: entry.id, attempts: 1 })]);
  });
});
