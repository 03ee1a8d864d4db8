import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { request } from '../api';
import { outbox } from '../outbox';
import { getAccessToken, refreshSession, updateUser } from '../session';
import { applyEvent, roomQueries } from './cache';
import { parseEventLog, Realtime, type LiveStatus, type RoomState } from './realtime';

const RealtimeContext = createContext<Realtime | null>(null);

/** The live connection of the signed-in session; mount it once, inside the query client. */
export function RealtimeProvider({ children, enabled = true }: { children: ReactNode; enabled?: boolean }) {
  const queryClient = useQueryClient();
  const realtime = useMemo(
    () =>
      enabled
        ? new Realtime({
            getToken: getAccessToken,
            refresh: refreshSession,
            fetchMissed: async (room, after, limit) =>
              parseEventLog(
                await request<unknown>(
                  'GET',
                  `/api/events?${new URLSearchParams({ after: String(after), room, limit: String(limit) })}`,
                ),
              ),
            apply: (event) => applyEvent(queryClient, event),
            reload: (room) => {
              for (const queryKey of roomQueries(room)) void queryClient.invalidateQueries({ queryKey });
            },
            // Rights lost: what came from the room leaves the cache (a screen still open refetches
            // and gets the server's answer for the new rights, e.g. 403).
            revoked: (room) => {
              for (const queryKey of roomQueries(room)) queryClient.removeQueries({ queryKey });
            },
            onUser: updateUser,
            onReconnected: () => void outbox.flush(),
          })
        : null,
    [queryClient, enabled],
  );

  useEffect(() => {
    if (!realtime) return;
    realtime.start();
    return () => realtime.stop();
  }, [realtime]);

  return <RealtimeContext.Provider value={realtime}>{children}</RealtimeContext.Provider>;
}

const noSubscription = () => () => undefined;

/** The state of the live connection: connecting, connected or reconnecting. */
export function useLiveConnection(): LiveStatus {
  const realtime = useContext(RealtimeContext);
  return useSyncExternalStore(realtime?.onStatus ?? noSubscription, () => realtime?.getStatus() ?? 'connecting');
}

const JOINING: RoomState = { status: 'joining' };

/** Joins a room while the calling component is mounted (null: none); its events update the cache. */
export function useRoom(room: string | null): RoomState {
  const realtime = useContext(RealtimeContext);
  useEffect(() => (realtime && room ? realtime.join(room) : undefined), [realtime, room]);
  return useSyncExternalStore(realtime?.onRooms ?? noSubscription, () =>
    realtime && room ? realtime.roomState(room) : JOINING,
  );
}

/** Joins several rooms while the calling component is mounted (e.g. every shipment of a list). */
export function useRooms(rooms: readonly string[]): void {
  const realtime = useContext(RealtimeContext);
  const key = [...rooms].sort().join(' ');
  useEffect(() => {
    if (!realtime || !key) return;
    const leaves = key.split(' ').map((room) => realtime.join(room));
    return () => leaves.forEach((leave) => leave());
  }, [realtime, key]);
}
