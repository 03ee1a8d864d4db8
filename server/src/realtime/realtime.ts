import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, SocketRefusal } from '@karavan/shared';
import type { AuthService } from '../auth';
import { ApiError } from '../lib/errors';
import type { EventBus } from '../lib/events';
import type { Logger } from '../lib/logger';
import type { Actor } from '../lib/route';
import type { UsersService } from '../users';

interface SocketData {
  actor: Actor;
  /** When the access token the socket was opened with expires. */
  expiresAt: Date;
}
export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type KaravanSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const userRoom = (userId: string) => `user:${userId}`;
/** Every socket of one sign-in: closed together when it ends (sign-out, replayed refresh token). */
export const sessionRoom = (family: string) => `session:${family}`;

export interface RealtimeOptions {
  auth: AuthService;
  users: UsersService;
  events: EventBus;
  logger: Logger;
  corsOrigins: string[];
  /** How long the token check may wait for the database before the socket is refused UNAVAILABLE. */
  timeoutMs: number;
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
): { io: RealtimeServer; detach(): void } {
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
          socket.data.expiresAt = expiresAt;
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
    const { actor, expiresAt } = socket.data;
    void socket.join(userRoom(actor.id));
    if (actor.sessionFamily) void socket.join(sessionRoom(actor.sessionFamily));
    // A socket lives no longer than its access token: at expiry it is told so and closed, and the
    // client comes back with a fresh token (which is checked again).
    const expiry = setTimeout(
      () => {
        socket.emit('session.expired', { reason: 'TOKEN_EXPIRED' });
        socket.disconnect(true);
      },
      Math.max(0, expiresAt.getTime() - Date.now()),
    );
    socket.once('disconnect', () => clearTimeout(expiry));
    users.getOwn(actor).then(
      (user) => socket.emit('session.ready', { user }),
      (err: unknown) => logger.warn({ err }, 'could not send session.ready'),
    );
  });

  const unsubscribe = [
    events.subscribe('users.updated', ({ user }) => {
      io.to(userRoom(user.id)).emit('users.updated', { user });
    }),
    events.subscribe('users.sessionsRevoked', ({ userId }) => {
      io.in(userRoom(userId)).disconnectSockets(true);
    }),
    events.subscribe('sessions.ended', ({ family }) => {
      io.in(sessionRoom(family)).disconnectSockets(true);
    }),
  ];

  return { io, detach: () => unsubscribe.forEach((off) => off()) };
}
