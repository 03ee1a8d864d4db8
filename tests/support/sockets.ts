import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, UserDto } from '@karavan/shared';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A Socket.io client that does not reconnect by itself, so tests see exactly what the server did. */
export function openSocket(url: string, auth?: Record<string, unknown>): ClientSocket {
  return connect(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
}

/** Resolves with the refusal reason; rejects if the server accepts the socket. */
export const refusal = (socket: ClientSocket) =>
  new Promise<string>((resolve, reject) => {
    socket.once('connect', () => reject(new Error('the socket was accepted')));
    socket.once('connect_error', (err) => resolve(err.message));
  });

/** Resolves with the user the server says the socket belongs to. */
export const ready = (socket: ClientSocket) =>
  new Promise<UserDto>((resolve, reject) => {
    socket.once('connect_error', reject);
    socket.once('session.ready', ({ user }) => resolve(user));
  });
