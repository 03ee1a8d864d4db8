import type { UserDto } from './users';

/** Events the server sends to Socket.io clients, by name. */
export interface ServerToClientEvents {
  /** Sent once after a connection is accepted. */
  'session.ready': (payload: { user: UserDto }) => void;
  /** The user's own account changed (profile, role); the client refreshes what it shows. */
  'users.updated': (payload: { user: UserDto }) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no client-to-server events yet
export interface ClientToServerEvents {}

/** Reasons the server gives (as `connect_error` message) when it refuses a socket. */
export const SOCKET_REFUSALS = ['UNAUTHENTICATED', 'TOKEN_EXPIRED'] as const;
