import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type {
  CampaignProgressDto,
  ClientToServerEvents,
  MovementDto,
  ServerToClientEvents,
  SocketRefusal,
  StockRowDto,
} from '@karavan/shared';
import type { AuthService } from '../auth';
import { ApiError } from '../lib/errors';
import type { EventBus } from '../lib/events';
import type { Logger } from '../lib/logger';
import type { Actor } from '../lib/route';
import type { UsersService } from '../users';
import { currentSeq } from './event-log';
import { createLiveEvents, stockEventSpecs, type LiveEvents, type LiveEventSpec } from './live-events';
import { authoriseRoom } from './rooms';

interface SocketData {
  actor: Actor;
}
export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type KaravanSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const userRoom = (userId: string) => `user:${userId}`;

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
}

/**
 * Socket.io on the HTTP server. A socket must present a valid access token as
 * `auth: { token }`; otherwise it is refused with `connect_error` (`UNAUTHENTICATED` or
 * `TOKEN_EXPIRED`). Domain events become socket messages here and nowhere else.
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
    auth.authenticate(token).then(
      (actor) => {
        socket.data.actor = actor;
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

  io.on('connection', (socket: KaravanSocket) => {
    const { actor } = socket.data;
    void socket.join(userRoom(actor.id));
    // Join first, then read the seq: every later event reaches the socket or /api/events.
    socket.on('subscribe', (request, ack) => {
      if (typeof ack !== 'function') return;
      const room: unknown = (request as { room?: unknown } | undefined)?.room;
      authoriseRoom(actor, room)
        .then(async (verdict) => {
          if (verdict !== 'ok') return ack({ ok: false, code: verdict });
          await socket.join(room as string);
          ack({ ok: true, seq: await currentSeq() });
        })
        .catch((err: unknown) => {
          logger.warn({ err }, 'subscribe failed');
          ack({ ok: false, code: 'UNAVAILABLE' });
        });
    });
    socket.on('unsubscribe', (request, ack) => {
      const room: unknown = (request as { room?: unknown } | undefined)?.room;
      const ok =
        typeof room === 'string' && room !== userRoom(actor.id) && socket.rooms.has(room) && room !== socket.id;
      if (ok) void socket.leave(room);
      if (typeof ack === 'function') ack({ ok });
    });
    users.getOwn(actor).then(
      (user) => socket.emit('session.ready', { user }),
      (err: unknown) => logger.warn({ err }, 'could not send session.ready'),
    );
  });

  const live = createLiveEvents(io, logger);
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
  const stockEvents = (movements: MovementDto[]) => stockEventSpecs(movements, snapshots);
  const donationRooms = (d: { campaignId: string; locationId: string }) => [
    'dashboard',
    `campaign:${d.campaignId}`,
    `location:${d.locationId}`,
  ];
  const fixed = (payload: Record<string, unknown>) => () => Promise.resolve(payload);

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
    events.subscribe('shipments.updated', ({ shipment, update }) =>
      live.enqueue([
        {
          name: 'shipment.updated',
          rooms: [`shipment:${shipment.id}`, `campaign:${shipment.campaignId}`, 'dashboard'],
          build: fixed({ shipment, update }),
        },
      ]),
    ),
    events.subscribe('volunteer.changed', ({ volunteer }) =>
      live.enqueue([{ name: 'volunteer.changed', rooms: ['dashboard'], build: fixed({ volunteer }) }]),
    ),
    events.subscribe('users.updated', ({ user }) => {
      io.to(userRoom(user.id)).emit('users.updated', { user });
    }),
    events.subscribe('users.sessionsRevoked', ({ userId }) => {
      io.in(userRoom(userId)).disconnectSockets(true);
    }),
  ];

  return { io, live, detach: () => unsubscribe.forEach((off) => off()) };
}
