import type { RealtimeServer } from './realtime';

/** One event to emit: its rooms, name and payload. */
export interface Emission {
  rooms: string[];
  name: string;
  payload: unknown;
}

/**
 * What of an Engine.IO connection `emitTogether` uses (not in its typings). Each field is checked
 * before use: a connection without them is left to Engine.IO's usual path.
 */
interface EngineConnection {
  readyState?: string;
  flush?: () => void;
  transport?: { writable?: boolean; socket?: { _socket?: { cork?: () => void; uncork?: () => void } } };
}

/**
 * Emits `events` in order, each once per room set (`io.to(rooms).emit`: Socket.IO encodes the
 * packet and its WebSocket frame once for all sockets), and hands each local socket ALL of the
 * events it gets in one write instead of one write per event.
 *
 * Why: with a thousand dashboards, the writes themselves were the server's main cost (one
 * `writev` system call per event per socket, most of the CPU under 50 events/s). Engine.IO
 * sends a socket's first packet at once and holds the rest until that write is done, then
 * writes them one frame at a time. Here each local connection's transport is held for the
 * moment of the emits (the packets queue in its buffer, in order), then flushed with its network
 * socket corked: every frame of the batch leaves in one system call. Nothing is dropped or
 * reordered: the packets are the same, in the same order, only written together. Sockets on
 * other instances get the events through the adapter as usual.
 */
export function emitTogether(io: RealtimeServer, events: Emission[]): void {
  const held: EngineConnection[] = [];
  if (events.length > 1) {
    const nsp = io.of('/');
    const seen = new Set<string>();
    for (const { rooms } of events) {
      for (const room of rooms) {
        for (const id of nsp.adapter.rooms.get(room) ?? []) {
          if (seen.has(id)) continue;
          seen.add(id);
          const conn = nsp.sockets.get(id)?.conn as unknown as EngineConnection | undefined;
          if (conn?.transport?.writable === true && typeof conn.flush === 'function') {
            conn.transport.writable = false;
            held.push(conn);
          }
        }
      }
    }
  }
  try {
    for (const e of events) {
      // The names and payloads were checked where the events were built (live-events.ts).
      const target = io.to(e.rooms) as unknown as { emit(name: string, payload: unknown): boolean };
      target.emit(e.name, e.payload);
    }
  } finally {
    for (const conn of held) {
      conn.transport!.writable = true;
      const raw = conn.transport!.socket?._socket;
      const cork = typeof raw?.cork === 'function' && typeof raw.uncork === 'function';
      if (cork) raw.cork!();
      try {
        conn.flush!();
      } finally {
        if (cork) raw.uncork!();
      }
    }
  }
}
