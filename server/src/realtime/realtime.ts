import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type {
  CampaignProgressDto,
  ClientToServerEvents,
  ServerToClientEvents,
  ShipmentSummaryDto,
  ShipmentSummaryPatch,
  SocketRefusal,
  StockRowDto,
} from '@karavan/shared';
import { SHIPMENT_EVENT_IDENTITY, SOCKETS_PER_USER_MAX } from '@karavan/shared';
import type { AuthService } from '../auth';
import { ApiError } from '../lib/errors';
import type { EventBus } from '../lib/events';
import type { Logger } from '../lib/logger';
import type { Actor } from '../lib/route';
import type { UsersService } from '../users';
import type { Watermark } from './watermark';
import {
  createLiveEvents,
  stockEventSpecs,
  type LiveEvents,
  type LiveEventSpec,
  type StockEventSource,
} from './live-events';
import { authoriseRoom } from './rooms';

/** A shipment's identity and the fields a change altered: what a status update's event carries. */
function shipmentPatch(shipment: ShipmentSummaryDto, changed: (keyof ShipmentSummaryDto)[]): ShipmentSummaryPatch {
  const patch: Record<string, unknown> = {};
  for (const key of [...SHIPMENT_EVENT_IDENTITY, ...changed]) patch[key] = shipment[key];
  return patch as ShipmentSummaryPatch;
}

/** How often open sockets are checked for an expired access token. */
const EXPIRY_SWEEP_MS = 1_000;

interface SocketData {
  actor: Actor;
  /** When the access token the socket was opened with expires (ms since the epoch). */
  expiresAt: number;
}
/** Which sockets must have their rooms checked again: a user's, or every one in a room. */
interface Recheck {
  userId?: string;
  room?: string;
}
/** Messages between instances (through the Redis adapter when REDIS_URL is set). */
interface InterServerEvents {
  'rooms.recheck': (recheck: Recheck) => void;
  /** Forget the user's remembered sign-ins (auth's cache); answered once done. */
  'auth.forget': (userId: string, done: () => void) => void;
}
export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type KaravanSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export const userRoom = (userId: string) => `user:${userId}`;
/** Every socket of one sign-in: closed together when it ends (sign-out, replayed refresh token). */
export const sessionRoom = (family: string) => `session:${family}`;

export interface RealtimeOptions {
  auth: AuthService;
  users: UsersService;
  events: EventBus;
  logger: Logger;
  corsOrigins: string[];
  /** Current state for the snapshot events (stock rows, campaign progress). */
  snapshots: {
    rows(locationId: string, lotIds: string[]): Promise<StockRowDto[]>;
    progress(campaignId: string, seq: number): Promise<CampaignProgressDto | null>;
  };
  /** How long the token check may wait for the database before the socket is refused UNAVAILABLE. */
  timeoutMs: number;
  /** Where the live-event log is complete (shared between instances with REDIS_URL). */
  watermark: Watermark;
}

/**
 * Socket.io on the HTTP server. A socket must present a valid access token as
 * `auth: { token }`; otherwise it is refused with `connect_error` (`UNAUTHENTICATED` or
 * `TOKEN_EXPIRED`). When that token expires the socket gets `session.expired` and is closed;
 * when its sign-in ends (sign-out, disabled, password changed) it is closed at once.
 * Domain events become socket messages here and nowhere else.
 */
export function attachRealtime(
  httpServer: HttpServer,
  options: RealtimeOptions,
): { io: RealtimeServer; live: LiveEvents; detach(): void } {
  const { auth, users, events, logger } = options;
  const io: RealtimeServer = new Server(httpServer, {
    serveClient: false,
    cors: { origin: options.corsOrigins },
    // A phone on a bad network may take long to answer a ping; don't drop it too eagerly.
    pingTimeout: 30_000,
  });

  io.use((socket, next) => {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    const refuse = (reason: SocketRefusal) => next(new Error(reason));
    if (typeof token !== 'string' || token.length === 0) {
      refuse('UNAUTHENTICATED');
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('the token check timed out')), options.timeoutMs);
    });
    Promise.race([auth.authenticate(token), timedOut])
      .finally(() => clearTimeout(timer))
      .then(
        ({ actor, expiresAt }) => {
          socket.data.actor = actor;
          socket.data.expiresAt = expiresAt.getTime();
          next();
        },
        (err: unknown) => {
          if (err instanceof ApiError)
            next(new Error(err.code === 'TOKEN_EXPIRED' ? 'TOKEN_EXPIRED' : 'UNAUTHENTICATED'));
          else {
            logger.error({ err }, 'socket authentication failed');
            next(new Error('UNAVAILABLE'));
          }
        },
      );
  });

  // A socket lives no longer than its access token: at expiry it is told so and closed, and the
  // client comes back with a fresh token (which is checked again). One sweep a second finds them:
  // a timer for each socket cost it a quarter of a kilobyte for as long as it lived.
  const expire = (socket: KaravanSocket) => {
    socket.emit('session.expired', { reason: 'TOKEN_EXPIRED' });
    socket.disconnect(true);
  };
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const socket of io.of('/').sockets.values()) if (socket.data.expiresAt <= now) expire(socket);
  }, EXPIRY_SWEEP_MS);
  sweep.unref();

  io.on('connection', (socket: KaravanSocket) => {
    const { actor } = socket.data;
    // Signed in: the actor is in socket.data, and the token is not read again. Kept, it would
    // cost each socket a third of a kilobyte for as long as it lives (a big dashboard holds
    // thousands), and travel in the handshakes other instances fetch through Redis.
    delete (socket.handshake.auth as { token?: unknown }).token;
    void socket.join(userRoom(actor.id));
    if (actor.sessionFamily) void socket.join(sessionRoom(actor.sessionFamily));
    enforceSocketCap(actor.id).catch((err: unknown) => logger.warn({ err }, 'could not count the sockets of a user'));
    // Join first, then read the seq: every later event reaches the socket or /api/events.
    socket.on('subscribe', (request, ack) => {
      if (typeof ack !== 'function') return;
      const room: unknown = (request as { room?: unknown } | undefined)?.room;
      authoriseRoom(actor, room)
        .then(async (verdict) => {
          if (verdict !== 'ok') return ack({ ok: false, code: verdict });
          await socket.join(room as string);
          // Every event up to this seq is stored (a catch-up from it misses nothing; watermark.ts).
          ack({ ok: true, seq: await options.watermark.stableSeq() });
        })
        .catch((err: unknown) => {
          logger.warn({ err }, 'subscribe failed');
          ack({ ok: false, code: 'UNAVAILABLE' });
        });
    });
    socket.on('unsubscribe', (request, ack) => {
      const room: unknown = (request as { room?: unknown } | undefined)?.room;
      const ok =
        typeof room === 'string' &&
        room !== userRoom(actor.id) &&
        !room.startsWith('session:') &&
        socket.rooms.has(room) &&
        room !== socket.id;
      if (ok) void socket.leave(room);
      if (typeof ack === 'function') ack({ ok });
    });
    users.getOwn(actor).then(
      (user) => socket.emit('session.ready', { user }),
      (err: unknown) => logger.warn({ err }, 'could not send session.ready'),
    );
  });

  /**
   * One user may hold SOCKETS_PER_USER_MAX sockets across every instance: beyond that the oldest
   * are told `socket.closed { reason: 'TOO_MANY_SOCKETS' }` and closed.
   */
  async function enforceSocketCap(userId: string): Promise<void> {
    const sockets = await io.in(userRoom(userId)).fetchSockets();
    if (sockets.length <= SOCKETS_PER_USER_MAX) return;
    sockets.sort((a, b) => a.handshake.issued - b.handshake.issued);
    for (const old of sockets.slice(0, sockets.length - SOCKETS_PER_USER_MAX)) {
      old.emit('socket.closed', { reason: 'TOO_MANY_SOCKETS' });
      old.disconnect(true);
    }
  }

  /**
   * Checks again every room a socket of this instance is in (or only `only`), with the user's
   * role as it is now: a room no longer allowed is left and the client told `room.revoked`.
   */
  async function recheckSocket(socket: KaravanSocket, only?: string): Promise<void> {
    const { actor } = socket.data;
    const user = await users.getOwn(actor).catch(() => null);
    if (!user || !user.active) {
      socket.disconnect(true);
      return;
    }
    // The same object the socket's handlers hold: later subscribes are judged by the new role.
    actor.role = user.role;
    for (const room of [...socket.rooms]) {
      if (room === socket.id || room.startsWith('user:') || room.startsWith('session:')) continue;
      if (only !== undefined && room !== only) continue;
      if ((await authoriseRoom(actor, room)) === 'ok') continue;
      await socket.leave(room);
      socket.emit('room.revoked', { room });
    }
  }

  async function recheckHere(recheck: Recheck): Promise<void> {
    const sockets = [...io.of('/').sockets.values()].filter(
      (s) =>
        (recheck.userId !== undefined && s.data.actor?.id === recheck.userId) ||
        (recheck.room !== undefined && s.rooms.has(recheck.room)),
    );
    await Promise.all(
      sockets.map((s) =>
        recheckSocket(s, recheck.userId === s.data.actor.id ? undefined : recheck.room).catch((err: unknown) =>
          logger.warn({ err }, 'could not check the rooms of a socket again'),
        ),
      ),
    );
  }
  io.on('rooms.recheck', (recheck) => void recheckHere(recheck));

  // A sign-in ended or changed on one instance is forgotten by every other before that write is
  // answered (the acknowledgements are awaited; an instance that does not answer within the
  // adapter's 5 s is gone or cut off, and its entries expire within AUTH_CACHE_SECONDS anyway).
  io.on('auth.forget', (userId, done) => {
    if (typeof userId === 'string') options.auth.forgetLocally(userId);
    if (typeof done === 'function') done();
  });
  options.auth.shareRevocations((userId) =>
    io.of('/').adapter.constructor.name === 'Adapter'
      ? Promise.resolve() // the in-memory adapter: no other instance
      : io.serverSideEmitWithAck('auth.forget', userId).then(
          () => undefined,
          () => undefined, // not every instance answered within the adapter's request timeout (5 s)
        ),
  );

  /** Re-checks rooms here and on every other instance (the in-memory adapter has no others). */
  function recheckEverywhere(recheck: Recheck): Promise<void> {
    if (io.of('/').adapter.constructor.name !== 'Adapter') io.serverSideEmit('rooms.recheck', recheck);
    return recheckHere(recheck);
  }

  const live = createLiveEvents(io, logger, options.watermark);
  const snapshots = {
    rows: async (locationId: string, lotIds: string[]) => ({
      locationId,
      rows: await options.snapshots.rows(locationId, lotIds),
    }),
    progress: async (campaignId: string, seq: number) => {
      const progress = await options.snapshots.progress(campaignId, seq);
      return progress ? { progress } : null;
    },
  };
  const stockEvents = (movements: StockEventSource[]) => stockEventSpecs(movements, snapshots);
  const donationRooms = (d: { campaignId: string; locationId: string }) => [
    'dashboard',
    `campaign:${d.campaignId}`,
    `location:${d.locationId}`,
  ];
  const fixed =
    <T>(payload: T) =>
    () =>
      Promise.resolve(payload);

  const unsubscribe = [
    events.subscribe('donations.recorded', ({ donation, movements }) => {
      const donationEvent: LiveEventSpec = {
        name: 'donation.recorded',
        rooms: donationRooms(donation),
        build: fixed({ donation }),
      };
      live.enqueue([donationEvent, ...stockEvents(movements)]);
    }),
    events.subscribe('donations.voided', ({ donation, movements }) => {
      const donationEvent: LiveEventSpec = {
        name: 'donation.voided',
        rooms: donationRooms(donation),
        build: fixed({ donation }),
      };
      live.enqueue([donationEvent, ...stockEvents(movements)]);
    }),
    events.subscribe('stock.moved', ({ movements }) => live.enqueue(stockEvents(movements))),
    events.subscribe('stock.expiring', ({ hoursLeft, row }) => {
      const alert: LiveEventSpec = {
        name: 'stock.expiring',
        rooms: ['dashboard', `location:${row.locationId}`, `campaign:${row.campaignId}`],
        build: fixed({ hoursLeft, row }),
      };
      // An expired lot no longer counts as usable: the place's rows and the campaign's need change with it.
      const lot = {
        kind: 'adjusted' as const,
        locationId: row.locationId,
        campaignId: row.campaignId,
        lotId: row.lotId,
      };
      live.enqueue([alert, ...(hoursLeft === 0 ? stockEvents([lot]) : [])]);
    }),
    events.subscribe('shipments.updated', ({ shipment, update, changed }) => {
      // A planning change or a hand-over's step may give the shipment another driver (or end a
      // taker's wait): who watches it is checked again first, so the replaced driver does not get
      // this very event.
      const send = () =>
        live.enqueue([
          {
            name: 'shipment.updated',
            rooms: [`shipment:${shipment.id}`, `campaign:${shipment.campaignId}`, 'dashboard'],
            // A status update sends what it changed (shared/events.ts): most of a summary is the plan.
            build: fixed(
              changed ? { partial: true, shipment: shipmentPatch(shipment, changed), update } : { shipment, update },
            ),
          },
        ]);
      if (update === null || update.kind === 'handover') {
        void recheckEverywhere({ room: `shipment:${shipment.id}` }).finally(send);
      } else send();
    }),
    events.subscribe('volunteer.changed', ({ volunteer }) =>
      live.enqueue([{ name: 'volunteer.changed', rooms: ['dashboard'], build: fixed({ volunteer }) }]),
    ),
    events.subscribe('users.updated', ({ user }) => {
      io.to(userRoom(user.id)).emit('users.updated', { user });
      // Its role may have changed: every room its sockets are in is checked again.
      void recheckEverywhere({ userId: user.id });
    }),
    events.subscribe('users.sessionsRevoked', ({ userId }) => {
      io.in(userRoom(userId)).disconnectSockets(true);
    }),
    events.subscribe('sessions.ended', ({ family }) => {
      io.in(sessionRoom(family)).disconnectSockets(true);
    }),
  ];

  return {
    io,
    live,
    detach: () => {
      clearInterval(sweep);
      unsubscribe.forEach((off) => off());
    },
  };
}
