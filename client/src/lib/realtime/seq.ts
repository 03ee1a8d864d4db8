/**
 * What a client has seen of one room, and which events are news. Seqs increase across the whole
 * deployment (API.md), so a room's own seqs have holes that are not gaps: what a client may have
 * missed is only known after the connection was away, and then the server's log
 * (`GET /api/events?after=&room=`) says what the room was sent. Events are applied at most once:
 * a seq already seen is ignored, also when it arrives late (two server instances, a catch-up that
 * overlaps live events).
 */

/** How many recent seqs a cursor remembers to drop repeats; older ones are below `floor`. */
export const SEEN_LIMIT = 500;

export interface RoomCursor {
  /** Every event of the room up to this seq has been applied (or was in the data loaded after it). */
  readonly upTo: number;
  /** Seqs above `floor` that were applied; sorted ascending. */
  readonly seen: readonly number[];
  /** Seqs at or below this were applied or superseded (forgotten from `seen`). */
  readonly floor: number;
}

export interface SeqEvent {
  seq: number;
}

/** A room joined fresh: its data is loaded after the subscription answered with `seq`. */
export function startCursor(seq: number): RoomCursor {
  return { upTo: seq, seen: [], floor: seq };
}

export function hasSeen(cursor: RoomCursor, seq: number): boolean {
  return seq <= cursor.floor || cursor.seen.includes(seq);
}

/** Records a live event; `fresh` is false when it was applied before and must be ignored. */
export function accept(cursor: RoomCursor, seq: number): { cursor: RoomCursor; fresh: boolean } {
  if (!Number.isSafeInteger(seq) || hasSeen(cursor, seq)) return { cursor, fresh: false };
  return { cursor: remember(cursor, [seq]), fresh: true };
}

function remember(cursor: RoomCursor, seqs: number[]): RoomCursor {
  const seen = [...cursor.seen, ...seqs].sort((a, b) => a - b);
  const upTo = Math.max(cursor.upTo, ...seqs);
  if (seen.length <= SEEN_LIMIT) return { upTo, seen, floor: cursor.floor };
  const forgotten = seen.splice(0, seen.length - SEEN_LIMIT);
  return { upTo, seen, floor: Math.max(cursor.floor, forgotten[forgotten.length - 1] ?? cursor.floor) };
}

/**
 * After a reconnection: `missed` is what the server's log says the room was sent after
 * `cursor.upTo`, `buffered` what arrived live while that was being fetched. Returns what to
 * apply, in seq order, each once, and the cursor after it.
 */
export function catchUp<E extends SeqEvent>(
  cursor: RoomCursor,
  missed: readonly E[],
  buffered: readonly E[],
): { cursor: RoomCursor; apply: E[] } {
  const bySeq = new Map<number, E>();
  for (const event of [...missed, ...buffered]) {
    if (Number.isSafeInteger(event.seq) && !hasSeen(cursor, event.seq) && !bySeq.has(event.seq)) {
      bySeq.set(event.seq, event);
    }
  }
  const apply = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return {
    cursor: apply.length
      ? remember(
          cursor,
          apply.map((event) => event.seq),
        )
      : cursor,
    apply,
  };
}

/** Where the next catch-up page starts: the highest seq of the page, or undefined when it was the last. */
export function nextPageAfter(page: readonly SeqEvent[], limit: number): number | undefined {
  if (page.length < limit) return undefined;
  return page.reduce((max, event) => Math.max(max, event.seq), 0);
}
