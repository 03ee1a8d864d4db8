import { useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { TOKEN_REFUSALS, type ClientToServerEvents, type ServerToClientEvents } from '@karavan/shared';
import { ApiRequestError } from './http';
import { getAccessToken, refreshSession, updateUser } from './session';

export type LiveStatus = 'connecting' | 'connected' | 'reconnecting';

const RETRY_MS = 5_000;

/**
 * Keeps a Socket.io connection open while the calling component is mounted, applies what the
 * server says about the user, and reports the connection's state.
 */
export function useLiveConnection(): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');

  useEffect(() => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
      // A function, so that every reconnection presents the current access token.
      auth: (cb) => cb({ token: getAccessToken() }),
    });
    let closed = false;
    let refreshedSinceConnect = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const reconnect = () => {
      if (!closed) socket.connect();
    };
    const reconnectLater = () => {
      retry = setTimeout(reconnect, RETRY_MS);
    };

    socket.on('connect', () => {
      refreshedSinceConnect = false;
      setStatus('connected');
    });
    socket.on('disconnect', (reason) => {
      setStatus('reconnecting');
      // The server ends a user's sockets when the password changes or the account is disabled.
      // Socket.io leaves reconnecting to us then; the token check decides whether we may.
      if (reason === 'io server disconnect') reconnect();
    });
    socket.on('connect_error', (error) => {
      setStatus('reconnecting');
      if (socket.active) return; // the network failed: Socket.io tries again by itself
      if (refreshedSinceConnect || !TOKEN_REFUSALS.includes(error.message)) {
        reconnectLater();
        return;
      }
      refreshedSinceConnect = true;
      // A refused refresh ends the session, which unmounts this hook's component.
      refreshSession().then(reconnect, (failure: unknown) => {
        if (failure instanceof ApiRequestError && failure.transient) reconnectLater();
      });
    });
    socket.on('session.ready', ({ user }) => updateUser(user));
    socket.on('users.updated', ({ user }) => updateUser(user));

    return () => {
      closed = true;
      clearTimeout(retry);
      socket.disconnect();
    };
  }, []);

  return status;
}
