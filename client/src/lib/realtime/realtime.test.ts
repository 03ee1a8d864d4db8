import { afterEach, describe, expect, jest, test } from '@jest/globals';
import type { Socket } from 'socket.io-client';
import { parseEventLog, Realtime, type EventLogPage, type LiveEvent, type RealtimeOptions } from './realtime';
import { accept, catchUp, hasSeen, nextPageAfter, SEEN_LIMIT, startCursor } from './seq';

/** Every connection a test started, stopped after it (their checkpoint timers would outlive the test). */
const running = new Set<Realtime>();
afterEach(() => {
  for (const realtime of running) realtime.stop();
  running.clear();
});

const event = (seq: number, name = 'donation.recorded'): LiveEvent => ({ name, seq, payload: { seq, at: 'now' } });

describe('seq bookkeeping', () => {
  test('When events arrive live, then each seq is applied once, also when one arrives late or twice', () => {
    let cursor = startCursor(10);
    const applied: number[] = [];
    for (const seq of [12, 15, 15, 13, 10, 9, 12, 20]) {
      const result = accept(cursor, seq);
      cursor = result.cursor;
      if (result.fresh) applied.push(seq);
    }
    expect(applied).toEqual([12, 15, 13, 20]);
    expect(cursor.upTo).toBe(20);
  });

  test('When a catch-up page and live events overlap, then the union is applied once, in seq order, without what was seen', () => {
    const seen = accept(startCursor(10), 11).cursor;
    const result = catchUp(seen, [event(11), event(12), event(14)], [event(15), event(14), event(13)]);
    expect(result.apply.map((e) => e.seq)).toEqual([12, 13, 14, 15]);
    expect(result.cursor.upTo).toBe(15);
    expect(catchUp(result.cursor, [event(12), event(15)], []).apply).toEqual([]);
  });

  test('When many events were seen, then old ones are remembered by a floor and still ignored', () => {
    let cursor = startCursor(0);
    for (let seq = 1; seq <= SEEN_LIMIT + 50; seq += 1) cursor = accept(cursor, seq).cursor;
    expect(cursor.seen).toHaveLength(SEEN_LIMIT);
    expect(cursor.floor).toBe(50);
    expect(hasSeen(cursor, 3)).toBe(true);
    expect(accept(cursor, 40).fresh).toBe(false);
    expect(accept(cursor, SEEN_LIMIT + 51).fresh).toBe(true);
  });

  test('When a catch-up page is full, then the next page starts after its highest seq', () => {
    expect(nextPageAfter([event(3), event(9)], 2)).toBe(9);
    expect(nextPageAfter([event(3)], 2)).toBeUndefined();
  });

  test('When the event log is read, then the usual shapes give named events with their seq, in order', () => {
    expect(
      parseEventLog({
        items: [
          { seq: 7, name: 'stock.changed', payload: { seq: 7, at: 'x', locationId: 'l' } },
          { seq: 5, event: 'donation.recorded', data: { at: 'y' } },
          { type: 'campaign.progress', seq: 6, at: 'z', progress: {} },
          { nothing: true },
        ],
      }).events.map((e) => [e.name, e.seq, e.payload.seq]),
    ).toEqual([
      ['donation.recorded', 5, 5],
      ['campaign.progress', 6, 6],
      ['stock.changed', 7, 7],
    ]);
    expect(parseEventLog([{ seq: 1, name: 'a', payload: {} }]).events).toHaveLength(1);
    expect(parseEventLog(null)).toEqual({ events: [], truncated: false });
    expect(parseEventLog({ items: [], truncated: true }).truncated).toBe(true);
  });
});

/** A stand-in for the Socket.io client: the test plays the server. */
class FakeSocket {
  connected = false;
  active = true;
  handlers = new Map<string, ((...args: unknown[]) => void)[]>();
  anyHandlers: ((name: string, payload: unknown) => void)[] = [];
  emitted: { name: string; request: unknown; ack?: (answer: unknown) => void }[] = [];
  on(name: string, handler: (...args: unknown[]) => void) {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler]);
    return this;
  }
  onAny(handler: (name: string, payload: unknown) => void) {
    this.anyHandlers.push(handler);
    return this;
  }
  emit(name: string, request: unknown, ack?: (answer: unknown) => void) {
    this.emitted.push({ name, request, ack });
    return this;
  }
  connect() {
    return this;
  }
  disconnect() {
    this.connected = false;
    return this;
  }
  // what the server does
  fire(name: string, ...args: unknown[]) {
    if (name === 'connect') this.connected = true;
    if (name === 'disconnect') this.connected = false;
    this.handlers.get(name)?.forEach((handler) => handler(...args));
  }
  send(e: LiveEvent) {
    this.anyHandlers.forEach((handler) => handler(e.name, e.payload));
  }
  subscribes() {
    return this.emitted.filter((emitted) => emitted.name === 'subscribe');
  }
}

function setupRealtime() {
  const socket = new FakeSocket();
  const applied: number[] = [];
  const reloaded: string[] = [];
  let resolveMissed: ((page: EventLogPage) => void) | undefined;
  const fetchMissed = jest.fn<RealtimeOptions['fetchMissed']>(
    () =>
      new Promise<EventLogPage>((resolve) => {
        resolveMissed = resolve;
      }),
  );
  const onReconnected = jest.fn();
  const realtime = new Realtime({
    getToken: () => 'token',
    refresh: async () => undefined,
    fetchMissed,
    apply: (e) => applied.push(e.seq),
    reload: (room) => reloaded.push(room),
    onUser: () => undefined,
    onReconnected,
    connect: () => socket as unknown as Socket,
  });
  running.add(realtime);
  realtime.start();
  return {
    socket,
    realtime,
    applied,
    reloaded,
    fetchMissed,
    onReconnected,
    missed: (events: LiveEvent[], truncated = false, seq?: number) => resolveMissed?.({ events, truncated, seq }),
  };
}

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('live connection', () => {
  test('When a room is joined, then its data is loaded after the subscription answered, and its events are applied once', () => {
    const { socket, realtime, applied, reloaded } = setupRealtime();
    realtime.join('location:1');
    expect(socket.subscribes()).toEqual([]);

    socket.fire('connect');
    const [subscribe] = socket.subscribes();
    expect(subscribe?.request).toEqual({ room: 'location:1' });
    expect(realtime.roomState('location:1')).toEqual({ status: 'joining' });
    subscribe?.ack?.({ ok: true, seq: 10 });
    expect(reloaded).toEqual(['location:1']);
    expect(realtime.roomState('location:1')).toEqual({ status: 'live' });

    socket.send(event(11));
    socket.send(event(12));
    socket.send(event(12));
    expect(applied).toEqual([11, 12]);
  });

  test('When the connection comes back, then what the room was sent meanwhile is fetched and applied with the live events, in order, once', async () => {
    const { socket, realtime, applied, fetchMissed, onReconnected, missed } = setupRealtime();
    realtime.join('shipment:7');
    socket.fire('connect');
    socket.subscribes()[0]?.ack?.({ ok: true, seq: 10 });
    socket.send(event(11, 'shipment.updated'));

    socket.fire('disconnect', 'transport close');
    socket.fire('connect');
    expect(onReconnected).toHaveBeenCalledTimes(1);
    const resubscribe = socket.subscribes()[1];
    resubscribe?.ack?.({ ok: true, seq: 20 });
    await flushPromises();
    // From where the server said the room was complete (its first answer), not from 11, the
    // highest seen: a lower seq may still come from another server instance.
    expect(fetchMissed).toHaveBeenCalledWith('shipment:7', 10, expect.any(Number));

    // Live events arrive while the log is being read: they wait for it.
    socket.send(event(19, 'shipment.updated'));
    socket.send(event(21, 'shipment.updated'));
    expect(applied).toEqual([11]);
    missed([event(13, 'shipment.updated'), event(19, 'shipment.updated'), event(11, 'shipment.updated')]);
    await flushPromises();

    expect(applied).toEqual([11, 13, 19, 21]);
    socket.send(event(21, 'shipment.updated'));
    socket.send(event(22, 'shipment.updated'));
    expect(applied).toEqual([11, 13, 19, 21, 22]);
  });

  test('When the catch-up log reaches back before the room was joined, then those events are not applied on top of its data', async () => {
    const { socket, realtime, applied, missed } = setupRealtime();
    realtime.join('dashboard');
    socket.fire('connect');
    socket.subscribes()[0]?.ack?.({ ok: true, seq: 10 }); // the data is loaded as of seq 10
    socket.fire('disconnect', 'transport close');
    socket.fire('connect');
    socket.subscribes()[1]?.ack?.({ ok: true, seq: 20 });
    await flushPromises();
    // Whatever the log returns that the loaded data already holds is not applied again.
    missed([event(4), event(9), event(10), event(13)]);
    await flushPromises();
    expect(applied).toEqual([13]);
  });

  test('When a catch-up ends, then the next one starts from the seq its last page said the room is complete up to', async () => {
    const { socket, realtime, applied, fetchMissed, missed } = setupRealtime();
    realtime.join('dashboard');
    socket.fire('connect');
    socket.subscribes()[0]?.ack?.({ ok: true, seq: 10 });
    socket.send(event(30)); // live from one instance; 25 is still on its way from another
    socket.fire('disconnect', 'transport close');
    socket.fire('connect');
    socket.subscribes()[1]?.ack?.({ ok: true, seq: 31 });
    await flushPromises();
    expect(fetchMissed).toHaveBeenLastCalledWith('dashboard', 10, expect.any(Number));
    missed([event(25), event(30)], false, 28); // complete up to 28 only: 29 is not stored yet
    await flushPromises();
    expect(applied).toEqual([30, 25]);

    socket.fire('disconnect', 'transport close');
    socket.fire('connect');
    socket.subscribes()[2]?.ack?.({ ok: true, seq: 40 });
    await flushPromises();
    expect(fetchMissed).toHaveBeenLastCalledWith('dashboard', 28, expect.any(Number));
  });

  test('When the connection stays up, then the rooms read the log now and then to move their cursor on, applying what they had missed once', async () => {
    jest.useFakeTimers();
    try {
      const socket = new FakeSocket();
      const applied: number[] = [];
      const fetchMissed = jest.fn<RealtimeOptions['fetchMissed']>(async () => ({
        events: [event(12), event(14)],
        truncated: false,
        seq: 15,
      }));
      const realtime = new Realtime({
        getToken: () => 'token',
        refresh: async () => undefined,
        fetchMissed,
        apply: (e) => applied.push(e.seq),
        reload: () => undefined,
        onUser: () => undefined,
        connect: () => socket as unknown as Socket,
        checkpointMs: 1_000,
      });
      running.add(realtime);
      realtime.start();
      realtime.join('dashboard');
      socket.connected = true;
      socket.fire('connect');
      socket.subscribes()[0]?.ack?.({ ok: true, seq: 10 });
      socket.send(event(14));
      expect(fetchMissed).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(fetchMissed).toHaveBeenLastCalledWith('dashboard', 10, expect.any(Number));
      expect(applied).toEqual([14, 12]); // 12 had not come live; 14 is not applied twice
      fetchMissed.mockResolvedValue({ events: [], truncated: false, seq: 15 });
      await jest.advanceTimersByTimeAsync(1_000);
      expect(fetchMissed).toHaveBeenLastCalledWith('dashboard', 15, expect.any(Number));
      realtime.stop();
    } finally {
      jest.useRealTimers();
    }
  });

  test('When the log cannot be read after a reconnection, then the room is loaded again instead', async () => {
    const { socket, realtime, reloaded, fetchMissed } = setupRealtime();
    fetchMissed.mockRejectedValueOnce(new Error('offline'));
    realtime.join('location:1');
    socket.fire('connect');
    socket.subscribes()[0]?.ack?.({ ok: true, seq: 10 });
    socket.fire('disconnect', 'transport close');
    socket.fire('connect');
    socket.subscribes()[1]?.ack?.({ ok: true, seq: 30 });
    await flushPromises();
    expect(reloaded).toEqual(['location:1', 'location:1']);
    expect(realtime.roomState('location:1')).toEqual({ status: 'live' });
  });

  test('When the log was swept before the room’s last seq, then the room is loaded again', async () => {
    const { socket, realtime, reloaded, missed, applied } = setupRealtime();
    realtime.join('campaign:1');
    socket.fire('connect');
    socket.subscribes()[0]?.ack?.({ ok: true, seq: 500 });
    socket.fire('disconnect', 'transport close');
    socket.fire('connect');
    socket.subscribes()[1]?.ack?.({ ok: true, seq: 900 });
    await flushPromises();
    missed([event(700)], true);
    await flushPromises();
    expect(reloaded).toEqual(['campaign:1', 'campaign:1']);
    expect(applied).toEqual([]);
  });

  test('When the server refuses a room, then its state says why', () => {
    const { socket, realtime } = setupRealtime();
    realtime.join('dashboard');
    socket.fire('connect');
    socket.subscribes()[0]?.ack?.({ ok: false, code: 'FORBIDDEN' });
    expect(realtime.roomState('dashboard')).toEqual({ status: 'refused', code: 'FORBIDDEN' });
  });

  test('When the last screen showing a room leaves, then the room is left', () => {
    const { socket, realtime } = setupRealtime();
    socket.fire('connect');
    const leaveA = realtime.join('shipment:1');
    const leaveB = realtime.join('shipment:1');
    expect(socket.subscribes()).toHaveLength(1);
    leaveA();
    expect(socket.emitted.filter((emitted) => emitted.name === 'unsubscribe')).toEqual([]);
    leaveB();
    expect(socket.emitted.filter((emitted) => emitted.name === 'unsubscribe')).toEqual([
      { name: 'unsubscribe', request: { room: 'shipment:1' }, ack: undefined },
    ]);
  });
});

describe('rooms revoked by the server', () => {
  test('When the server says room.revoked, then the room is refused, its data is dropped and its later events are not applied as the room', () => {
    const socket = new FakeSocket();
    const revoked: string[] = [];
    const realtime = new Realtime({
      getToken: () => 'token',
      refresh: async () => undefined,
      fetchMissed: async () => ({ events: [], truncated: false }),
      apply: () => undefined,
      reload: () => undefined,
      revoked: (room) => revoked.push(room),
      onUser: () => undefined,
      connect: () => socket as unknown as Socket,
    });
    running.add(realtime);
    realtime.start();
    realtime.join('dashboard');
    socket.fire('connect');
    socket.subscribes()[0]?.ack?.({ ok: true, seq: 3 });
    expect(realtime.roomState('dashboard')).toEqual({ status: 'live' });
    socket.fire('room.revoked', { room: 'dashboard' });
    expect(realtime.roomState('dashboard')).toEqual({ status: 'refused', code: 'REVOKED' });
    expect(revoked).toEqual(['dashboard']);
  });

  test('When the server closes the socket as one too many, then the client does not reconnect by itself', () => {
    const socket = new FakeSocket();
    const connect = jest.spyOn(socket, 'connect');
    const realtime = new Realtime({
      getToken: () => 'token',
      refresh: async () => undefined,
      fetchMissed: async () => ({ events: [], truncated: false }),
      apply: () => undefined,
      reload: () => undefined,
      onUser: () => undefined,
      connect: () => socket as unknown as Socket,
    });
    running.add(realtime);
    realtime.start();
    socket.fire('connect');
    socket.fire('socket.closed', { reason: 'TOO_MANY_SOCKETS' });
    socket.fire('disconnect', 'io server disconnect');
    expect(connect).not.toHaveBeenCalled();
    expect(realtime.getStatus()).toBe('reconnecting');
  });
});
