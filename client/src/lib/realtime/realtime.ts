import type { Socket } from 'socket.io-client';
import { TOKEN_REFUSALS, type UserDto } from '@karavan/shared';
import { ApiRequestError } from '../http';
import { accept, catchUp, nextPageAfter, startCursor, type RoomCursor } from './seq';

export type LiveStatus = 'connecting' | 'connected' | 'reconnecting';

/** A room's state as a screen sees it: `refused` when the user may not watch it. */
export type RoomState = { status: 'joining' } | { status: 'live' } | { status: 'refused'; code: string };

/** An event as it travels: its name and its payload, which carries `seq` and `at`. */
export interface LiveEvent {
  name: string;
  seq: number;
  payload: Record<string, unknown>;
}

export interface EventLogPage {
  events: LiveEvent[];
  truncated: boolean;
  /** Every event up to this seq is stored: the page holds all of the room's from `after` to it. */
  seq?: number;
}

type Ack = { ok: true; seq: number } | { ok: false; code: string };

interface ServerEvents {
  'session.ready': (payload: { user: UserDto }) => void;
  'users.updated': (payload: { user: UserDto }) => void;
  'room.revoked': (payload: { room: string }) => void;
  'socket.closed': (payload: { reason: string }) => void;
}
interface ClientEvents {
  subscribe: (request: { room: string }, ack: (answer: Ack) => void) => void;
  unsubscribe: (request: { room: string }) => void;
}

export interface RealtimeOptions {
  getToken(): string | null;
  /** Refreshes the access token; rejects with ApiRequestError when it cannot. */
  refresh(): Promise<void>;
  /**
   * The server's log of a room after a seq, oldest first (a page of at most `limit`);
   * `truncated` when events after `after` were already swept (the room must be loaded again).
   */
  fetchMissed(room: string, after: number, limit: number): Promise<EventLogPage>;
  /** How often live rooms read the log to move their cursor on (CHECKPOINT_MS; tests shorten it). */
  checkpointMs?: number;
  /** Applies one event to what the client shows. */
  apply(event: LiveEvent): void;
  /** The room's data must be loaded again: what happened before `seq` is not in the cache. */
  reload(room: string): void;
  /** The user may no longer watch the room: drop what was shown from it. */
  revoked?(room: string): void;
  /** What the server says about the signed-in user. */
  onUser(user: UserDto): void;
  /** The connection is back after being away (the outbox sends what waits). */
  onReconnected?(): void;
  connect?(): Socket<ServerEvents, ClientEvents>;
}

interface Room {
  refs: number;
  state: RoomState;
  /**
   * The seq this room is known complete up to, as the server said it (the subscription's answer,
   * a catch-up's last page): never the highest seq seen live, since with several instances a
   * lower seq may still be on its way. Null before its first subscription answered.
   */
  upTo: number | null;
  /** The seq the room's data was (last) loaded at: its events up to here are in that data. */
  loadedAt: number | null;
}

const RETRY_MS = 5_000;
/** The longest the connection waits for an idle browser after start(). */
const IDLE_WAIT_MS = 2_000;

/** Loads Socket.io's client (a chunk of its own) when the browser is idle, and opens a connection. */
async function openSocket(getToken: () => string | null): Promise<Socket<ServerEvents, ClientEvents>> {
  await new Promise<void>((resolve) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => resolve(), { timeout: IDLE_WAIT_MS });
    else setTimeout(resolve, 0);
  });
  const { io } = await import('socket.io-client');
  // A function, so that every reconnection presents the current access token.
  return io({ auth: (cb) => cb({ token: getToken() }) }) as Socket<ServerEvents, ClientEvents>;
}
/** Messages about the session or the socket itself, not events of a room. */
const NOT_LIVE_EVENTS = ['session.ready', 'users.updated', 'room.revoked', 'socket.closed'];
const CATCH_UP_PAGE = 500;
/** How often a live room's known-complete seq is moved on (see checkpoint()). */
export const CHECKPOINT_MS = 60_000;

/**
 * The one Socket.io connection of a signed-in session: presents the current access token on
 * every (re)connection and refreshes it when refused, joins the rooms the screens show, applies
 * each event once and in order, and after being away fetches what the rooms were sent meanwhile.
 */
export class Realtime {
  private socket: Socket<ServerEvents, ClientEvents> | undefined;
  private status: LiveStatus = 'connecting';
  private readonly statusListeners = new Set<() => void>();
  private readonly rooms = new Map<string, Room>();
  private readonly roomListeners = new Set<() => void>();
  private seen: RoomCursor = startCursor(0);
  /** While rooms catch up, live events wait here so that everything is applied in seq order. */
  private buffer: LiveEvent[] | undefined;
  private catchingUp = 0;
  private closed = false;
  private everConnected = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private checkpoints: ReturnType<typeof setInterval> | undefined;
  /** Counts start() calls: a connection opened for an earlier one is closed at once. */
  private starts = 0;

  constructor(private readonly options: RealtimeOptions) {}

  /**
   * Opens the connection (again, after stop()). Without `connect`, Socket.io's client is loaded
   * and the connection opened once the page has rendered and the browser is idle: on a phone the
   * screen (from the saved cache) comes first, and the rooms it joined meanwhile are subscribed on
   * connection, each with a reload of its data.
   */
  start(): void {
    this.closed = false;
    const started = ++this.starts;
    clearInterval(this.checkpoints);
    this.checkpoints = setInterval(() => this.checkpoint(), this.options.checkpointMs ?? CHECKPOINT_MS);
    if (this.options.connect) {
      this.attach(this.options.connect());
      return;
    }
    void openSocket(() => this.options.getToken()).then(
      (socket) => {
        if (this.closed || started !== this.starts) socket.disconnect();
        else this.attach(socket);
      },
      // The client's file could not be loaded (offline, a new release): tried again later.
      () => {
        if (this.closed || started !== this.starts) return;
        this.setStatus('reconnecting');
        clearTimeout(this.retry);
        this.retry = setTimeout(() => {
          if (!this.closed && started === this.starts) this.start();
        }, RETRY_MS);
      },
    );
  }

  private attach(socket: Socket<ServerEvents, ClientEvents>): void {
    this.socket = socket;
    let refreshedSinceConnect = false;
    let tooMany = false;
    const reconnect = () => {
      if (!this.closed) socket.connect();
    };
    const reconnectLater = () => {
      clearTimeout(this.retry);
      this.retry = setTimeout(reconnect, RETRY_MS);
    };

    socket.on('connect', () => {
      refreshedSinceConnect = false;
      this.setStatus('connected');
      const again = this.everConnected;
      this.everConnected = true;
      for (const room of this.rooms.keys()) this.subscribe(room);
      if (again) this.options.onReconnected?.();
    });
    socket.on('disconnect', (reason) => {
      this.setStatus('reconnecting');
      for (const room of this.rooms.values()) if (room.state.status === 'live') room.state = { status: 'joining' };
      this.notifyRooms();
      // The server ends a user's sockets when the password changes or the account is disabled.
      // Socket.io leaves reconnecting to us then; the token check decides whether we may. A
      // socket closed because the user holds too many is not reopened (it would close another).
      if (reason === 'io server disconnect' && !tooMany) reconnect();
    });
    socket.on('connect_error', (error) => {
      this.setStatus('reconnecting');
      if (socket.active) return; // the network failed: Socket.io tries again by itself
      if (refreshedSinceConnect || !TOKEN_REFUSALS.includes(error.message)) {
        reconnectLater();
        return;
      }
      refreshedSinceConnect = true;
      // A refused refresh ends the session, which stops this connection.
      this.options.refresh().then(reconnect, (failure: unknown) => {
        if (failure instanceof ApiRequestError && failure.transient) reconnectLater();
      });
    });
    socket.on('session.ready', ({ user }) => this.options.onUser(user));
    socket.on('users.updated', ({ user }) => this.options.onUser(user));
    socket.on('room.revoked', ({ room }) => this.revoke(room));
    socket.on('socket.closed', ({ reason }) => {
      tooMany = reason === 'TOO_MANY_SOCKETS';
    });
    socket.onAny((name: string, payload: unknown) => this.received(name, payload));
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.checkpoints);
    this.socket?.disconnect();
    this.socket = undefined;
  }

  getStatus = (): LiveStatus => this.status;

  onStatus = (listener: () => void): (() => void) => {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  };

  onRooms = (listener: () => void): (() => void) => {
    this.roomListeners.add(listener);
    return () => this.roomListeners.delete(listener);
  };

  roomState(room: string): RoomState {
    return this.rooms.get(room)?.state ?? { status: 'joining' };
  }

  /** Joins a room while at least one screen shows it; returns the leave function. */
  join(room: string): () => void {
    let entry = this.rooms.get(room);
    if (!entry) {
      entry = { refs: 0, state: { status: 'joining' }, upTo: null, loadedAt: null };
      this.rooms.set(room, entry);
      if (this.socket?.connected) this.subscribe(room);
    }
    entry.refs += 1;
    const joined = entry;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      joined.refs -= 1;
      if (joined.refs > 0 || this.rooms.get(room) !== joined) return;
      this.rooms.delete(room);
      if (this.socket?.connected) this.socket.emit('unsubscribe', { room });
    };
  }

  private subscribe(room: string): void {
    const socket = this.socket;
    const entry = this.rooms.get(room);
    if (!socket || !entry) return;
    const resuming = entry.upTo !== null;
    if (resuming) this.beginCatchUp();
    socket.emit('subscribe', { room }, (answer: Ack) => {
      if (this.rooms.get(room) !== entry) return resuming ? this.endCatchUp([]) : undefined;
      if (!answer.ok) {
        entry.state = { status: 'refused', code: answer.code };
        this.notifyRooms();
        return resuming ? this.endCatchUp([]) : undefined;
      }
      if (!resuming) {
        entry.upTo = answer.seq;
        entry.loadedAt = answer.seq;
        entry.state = { status: 'live' };
        this.notifyRooms();
        this.options.reload(room);
        return;
      }
      // From where the room was known complete (shared/src/events.ts, "the client rule").
      void this.fetchAllMissed(room, entry.upTo ?? answer.seq).then(
        ({ events: missed, upTo }) => {
          entry.upTo = Math.max(entry.upTo ?? 0, upTo ?? answer.seq);
          entry.state = { status: 'live' };
          this.notifyRooms();
          const loadedAt = entry.loadedAt ?? 0;
          this.endCatchUp(missed.filter((event) => event.seq > loadedAt));
        },
        () => {
          // The log could not be read: load the room's data again from now on.
          entry.upTo = answer.seq;
          entry.loadedAt = answer.seq;
          entry.state = { status: 'live' };
          this.notifyRooms();
          this.options.reload(room);
          this.endCatchUp([]);
        },
      );
    });
  }

  /**
   * Everything the room was sent after `after`, and the seq it is now complete up to (the last
   * page's); rejects when the log no longer reaches back.
   */
  private async fetchAllMissed(room: string, after: number): Promise<{ events: LiveEvent[]; upTo?: number }> {
    const all: LiveEvent[] = [];
    let from: number | undefined = after;
    let upTo: number | undefined;
    while (from !== undefined) {
      const page = await this.options.fetchMissed(room, from, CATCH_UP_PAGE);
      if (page.truncated) throw new Error('The event log was swept: reload the room');
      all.push(...page.events);
      upTo = page.seq;
      const next = nextPageAfter(page.events, CATCH_UP_PAGE);
      from = next !== undefined && next > from ? next : undefined;
    }
    return { events: all, upTo };
  }

  /**
   * While connected, every CHECKPOINT_MS each live room reads what it was sent since it was last
   * known complete: its `upTo` moves on, so a catch-up after a later disconnect reads only what
   * is new since then. A connected socket gets every event live, so these are events already
   * applied (dropped by seq) or on their way: one still on its way is applied now, once, and
   * live events are not held up meanwhile (on a slow link the read may take a while).
   */
  private checkpoint(): void {
    if (!this.socket?.connected || this.catchingUp > 0) return;
    for (const [room, entry] of this.rooms) {
      if (entry.state.status !== 'live' || entry.upTo === null) continue;
      void this.fetchAllMissed(room, entry.upTo).then(
        ({ events: missed, upTo }) => {
          if (this.rooms.get(room) !== entry) return;
          if (upTo !== undefined) entry.upTo = Math.max(entry.upTo ?? 0, upTo);
          const loadedAt = entry.loadedAt ?? 0;
          for (const event of missed) if (event.seq > loadedAt) this.received(event.name, event.payload);
        },
        () => undefined, // tried again at the next checkpoint
      );
    }
  }

  private beginCatchUp(): void {
    this.catchingUp += 1;
    this.buffer ??= [];
  }

  private endCatchUp(missed: LiveEvent[]): void {
    this.catchingUp -= 1;
    const buffered = this.buffer ?? [];
    if (this.catchingUp > 0) {
      // Other rooms are still catching up: keep everything for one ordered pass.
      this.buffer = [...buffered, ...missed];
      return;
    }
    this.buffer = undefined;
    const result = catchUp(this.seen, [], [...buffered, ...missed]);
    this.seen = result.cursor;
    for (const event of result.apply) this.deliver(event);
  }

  private received(name: string, payload: unknown): void {
    if (NOT_LIVE_EVENTS.includes(name)) return;
    if (typeof payload !== 'object' || payload === null) return;
    const seq = (payload as { seq?: unknown }).seq;
    if (typeof seq !== 'number') return;
    const event: LiveEvent = { name, seq, payload: payload as Record<string, unknown> };
    if (this.buffer) {
      this.buffer.push(event);
      return;
    }
    const result = accept(this.seen, seq);
    this.seen = result.cursor;
    if (result.fresh) this.deliver(event);
  }

  private deliver(event: LiveEvent): void {
    try {
      this.options.apply(event);
    } catch {
      // One malformed event must not stop the ones after it.
    }
  }

  /**
   * The server took the socket out of a room (the user's rights changed): the room is refused
   * from now on and what the screens showed from it is dropped.
   */
  private revoke(room: string): void {
    const entry = this.rooms.get(room);
    if (entry) {
      entry.state = { status: 'refused', code: 'REVOKED' };
      entry.upTo = null;
      entry.loadedAt = null;
      this.notifyRooms();
    }
    this.options.revoked?.(room);
  }

  private setStatus(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.statusListeners.forEach((listener) => listener());
  }

  private notifyRooms(): void {
    this.roomListeners.forEach((listener) => listener());
  }
}

/** Reads a page of `GET /api/events` (`{ items: [{ seq, name, at, payload }], truncated }`). */
export function parseEventLog(body: unknown): EventLogPage {
  return {
    events: parseEvents(body),
    truncated: (body as { truncated?: unknown } | null)?.truncated === true,
    seq: typeof (body as { seq?: unknown } | null)?.seq === 'number' ? (body as { seq: number }).seq : undefined,
  };
}

function parseEvents(body: unknown): LiveEvent[] {
  const rows: unknown[] = Array.isArray(body)
    ? body
    : Array.isArray((body as { items?: unknown })?.items)
      ? (body as { items: unknown[] }).items
      : [];
  const events: LiveEvent[] = [];
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const record = row as Record<string, unknown>;
    const name = [record.name, record.event, record.type].find((value) => typeof value === 'string') as
      string | undefined;
    const inner = [record.payload, record.data].find((value) => typeof value === 'object' && value !== null) as
      Record<string, unknown> | undefined;
    const payload = inner ?? record;
    const seq = typeof record.seq === 'number' ? record.seq : payload.seq;
    if (name && typeof seq === 'number') events.push({ name, seq, payload: { ...payload, seq } });
  }
  return events.sort((a, b) => a.seq - b.seq);
}
