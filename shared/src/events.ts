import type { UserDto } from './users';

/** Events the server sends to Socket.io clients, by name. */
export interface ServerToClientEvents {
  /** Sent once after a connection is accepted. */
  'session.ready': (payload: { user: UserDto }) => void;
  /**
   * The access token the socket was opened with has expired: the server disconnects the socket
   * right after this. The client reconnects with a fresh token (refresh first if needed).
   */
  'session.expired': (payload: { reason: 'TOKEN_EXPIRED' }) => void;
  /** The user's own account changed (profile, role); the client refreshes what it shows. */
  'users.updated': (payload: { user: UserDto }) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no client-to-server events yet
export interface ClientToServerEvents {}

/**
 * Reasons the server gives (as the `connect_error` message) when it refuses a socket. The first
 * two are cured by a fresh access token; UNAVAILABLE means the server could not check the token.
 */
export const SOCKET_REFUSALS = ['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'UNAVAILABLE'] as const;
export type SocketRefusal = (typeof SOCKET_REFUSALS)[number];
export const TOKEN_REFUSALS: readonly string[] = ['UNAUTHENTICATED', 'TOKEN_EXPIRED'] satisfies SocketRefusal[];
