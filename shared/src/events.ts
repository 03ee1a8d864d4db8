import type { UserDto } from './users';
import type { VolunteerDto } from './catalogue';
import type { DonationDto } from './donations';
import type { CampaignProgressDto, StockRowDto } from './stock';
import type { ShipmentSummaryDto, ShipmentUpdateDto } from './shipments';

/*
 * Live events. Every event has a `seq`, increasing across the whole deployment and never reused,
 * and `at` (server time). The server stores each event (with the rooms it went to) before it
 * sends it, and keeps it at least 7 days; `GET /api/events?after=<seq>&room=<room>` returns, in
 * seq order, what the room was sent after `seq`.
 *
 * Rooms: `dashboard`, `campaign:<id>`, `location:<id>`, `shipment:<id>`. A socket joins one with
 * `subscribe` and gets `{ ok: true, seq }` (the deployment's latest seq at that moment) or
 * `{ ok: false, code }`.
 *
 * THE CLIENT RULE (catching up without missing or doubling anything):
 * 1. Subscribe first, then load the snapshot (e.g. GET /api/campaigns/:id/progress, whose `seq`
 *    says how new it is). Apply only events with a seq above the snapshot's seq.
 * 2. Remember every seq seen (per room) and drop an event whose seq was seen: the same event may
 *    come both live and from /api/events.
 * 3. Seqs are deployment-wide, so a room sees gaps: gaps are normal, not losses. One server
 *    process sends its events in seq order; with several instances (REDIS_URL) another instance
 *    may send a lower seq a moment later. Snapshot events (`stock.changed`,
 *    `campaign.progress`) carry the whole state and a higher seq is never older than a lower one.
 * 4. After a disconnect: resubscribe, then GET /api/events?after=<cursor>&room=<room> page by
 *    page (until fewer than `limit` come back). The cursor is the `seq` the server last said the
 *    room is complete up to: the subscription's answer at first, then the `seq` of the last page
 *    of each catch-up (every event up to it is stored, on every instance, and a page holds only
 *    events up to it). Never the highest seq seen live: with several instances a lower seq may
 *    still be on its way, at any rate of events. A live client may also read the log now and then
 *    (a checkpoint) only to move its cursor on. If the answer says `truncated: true` (the room's
 *    history before the cursor was swept), reload the snapshot instead.
 * `SeqTracker` below implements rules 2 and 4.
 */

/** The alerts of a lot running out: 48 and 24 hours left, and 0 (expired). */
export const EXPIRY_THRESHOLDS = [48, 24, 0] as const;
export type ExpiryThreshold = (typeof EXPIRY_THRESHOLDS)[number];

/** How long the server keeps events. */
export const EVENT_RETENTION_DAYS = 7;

export interface LiveEventBase {
  seq: number;
  at: string;
}

/** Payloads of the live events, by name. */
export interface LiveEventPayloads {
  'donation.recorded': LiveEventBase & { donation: DonationDto };
  'donation.voided': LiveEventBase & { donation: DonationDto };
  /** The rows of the lots that changed at the location, as they are now. */
  'stock.changed': LiveEventBase & { locationId: string; rows: StockRowDto[] };
  'campaign.progress': LiveEventBase & { progress: CampaignProgressDto };
  /**
   * A lot at a place has 48 or 24 hours left, or has just expired (`hoursLeft` 0): sent once per
   * lot, place and threshold, whichever instance notices first (rooms: dashboard, the place, the
   * campaign).
   */
  'stock.expiring': LiveEventBase & { hoursLeft: ExpiryThreshold; row: StockRowDto };
  'volunteer.changed': LiveEventBase & { volunteer: VolunteerDto };
  /**
   * A shipment changed (status update, planning, documents, privacy): the shipment without its
   * history, and the update that changed it (null for changes that are not status updates).
   * A driver's status update sends only what it changed (`partial: true`): the shipment's
   * identity fields and the fields whose value is not what it was; a client merges them into the
   * shipment it has (and reads it when it has none). The plan (places, lines' item names, documents)
   * is most of a summary and never changes with a status, so 1,000 dashboards at 50 updates a
   * second receive a third of the bytes, and so does a phone on a bad link.
   */
  'shipment.updated': LiveEventBase & {
    /** True: `shipment` has the identity and the changed fields only; else it is the whole summary. */
    partial?: boolean;
    shipment: ShipmentSummaryPatch;
    update: ShipmentUpdateDto | null;
  };
}

/** What every `shipment.updated` names, also when it carries only what changed: which shipment, whose, where to. */
export const SHIPMENT_EVENT_IDENTITY = [
  'id',
  'campaignId',
  'originId',
  'destinationId',
  'driverId',
  'vehicle',
  'status',
  'updatedAt',
] as const satisfies readonly (keyof ShipmentSummaryDto)[];

/** A shipment's change as a status update's event carries it: its identity, and what changed. */
export type ShipmentSummaryPatch = Pick<ShipmentSummaryDto, (typeof SHIPMENT_EVENT_IDENTITY)[number]> &
  Partial<ShipmentSummaryDto>;
export type LiveEventName = keyof LiveEventPayloads;
export const LIVE_EVENT_NAMES = [
  'donation.recorded',
  'donation.voided',
  'stock.changed',
  'campaign.progress',
  'stock.expiring',
  'volunteer.changed',
  'shipment.updated',
] as const satisfies readonly LiveEventName[];

/** One stored event as `GET /api/events` returns it. */
export interface LiveEventDto<N extends LiveEventName = LiveEventName> {
  seq: number;
  name: N;
  at: string;
  payload: LiveEventPayloads[N];
}

export interface EventsPage {
  items: LiveEventDto[];
  /**
   * Every event up to this seq is stored (on every instance) and, for this room, in this page or
   * an earlier one of the same catch-up: the next catch-up starts here.
   */
  seq: number;
  limit: number;
  /** True when events after `after` may already have been swept: reload the snapshot. */
  truncated: boolean;
}

export interface ListEventsQuery {
  after: number;
  room: string;
  limit: number;
}

/** Room names: `dashboard` or `<kind>:<24 hex id>` (kinds: campaign, location, shipment). */
export const ROOM_PATTERN = /^(dashboard|[a-z]+:[0-9a-f]{24})$/;

/** The rooms a client may name: `dashboard`, `campaign:<id>`, `location:<id>`, `shipment:<id>`. */
export const WATCHABLE_ROOM_PATTERN = /^(dashboard|(campaign|location|shipment):[0-9a-f]{24})$/;

/** `GET /api/events/latest`: the newest events a room was sent (a screen's history on opening). */
export interface LatestEventsQuery {
  room: string;
  limit: number;
  /** Only events of these names (all when absent). */
  name?: LiveEventName[];
}
export const LATEST_EVENTS_MAX = 200;

export interface LatestEventsPage {
  /** Oldest first, at most `limit`. */
  items: LiveEventDto[];
  /** The deployment's latest seq when the page was read (live events above it are newer). */
  seq: number;
  limit: number;
}

/** Why `subscribe` refused a room. */
export const SUBSCRIBE_REFUSALS = ['INVALID_ROOM', 'UNKNOWN_ROOM', 'FORBIDDEN', 'UNAVAILABLE'] as const;
export type SubscribeRefusal = (typeof SUBSCRIBE_REFUSALS)[number];
export type SubscribeAck = { ok: true; seq: number } | { ok: false; code: SubscribeRefusal };

type LiveEventHandlers = { [N in LiveEventName]: (payload: LiveEventPayloads[N]) => void };

/** Events the server sends to Socket.io clients, by name. */
export interface ServerToClientEvents extends LiveEventHandlers {
  /** Sent once after a connection is accepted. */
  'session.ready': (payload: { user: UserDto }) => void;
  /**
   * The access token the socket was opened with has expired: the server disconnects the socket
   * right after this. The client reconnects with a fresh token (refresh first if needed).
   */
  'session.expired': (payload: { reason: 'TOKEN_EXPIRED' }) => void;
  /** The user's own account changed (profile, role); the client refreshes what it shows. */
  'users.updated': (payload: { user: UserDto }) => void;
  /**
   * The socket was taken out of a room it may no longer watch (the user's role changed, a
   * shipment got another driver, ...): the client drops what it showed from that room. Rooms are
   * checked again whenever the user's rights or assignments change, on every instance.
   */
  'room.revoked': (payload: { room: string }) => void;
  /**
   * The server is closing this socket for a reason other than the token (sent just before the
   * disconnect): `TOO_MANY_SOCKETS` when the user opened more than SOCKETS_PER_USER_MAX and this
   * one is the oldest. The client does not reconnect by itself then.
   */
  'socket.closed': (payload: { reason: SocketCloseReason }) => void;
}

/** How many sockets one user may hold at once (all instances); the oldest is closed beyond it. */
export const SOCKETS_PER_USER_MAX = 20;
export const SOCKET_CLOSE_REASONS = ['TOO_MANY_SOCKETS'] as const;
export type SocketCloseReason = (typeof SOCKET_CLOSE_REASONS)[number];

export interface ClientToServerEvents {
  subscribe: (request: { room: string }, ack: (answer: SubscribeAck) => void) => void;
  unsubscribe: (request: { room: string }, ack?: (answer: { ok: boolean }) => void) => void;
}

/**
 * Rules 2 and 4 of the client rule for one room: `accept(seq)` is false for a seq already seen;
 * `cursor()` is where a catch-up starts (the seq the server last said the room is complete up to:
 * `start`, the subscription's answer, then `completeUpTo` with each catch-up's last page seq).
 * Keeps at most `keep` recent seqs.
 */
export class SeqTracker {
  private readonly seen = new Set<number>();
  private highest = 0;
  private complete = 0;
  constructor(
    start = 0,
    private readonly keep = 5_000,
  ) {
    this.highest = start;
    this.complete = start;
  }

  /** The server said the room is complete up to `seq` (a catch-up's last page). */
  completeUpTo(seq: number): void {
    this.complete = Math.max(this.complete, seq);
  }

  accept(seq: number): boolean {
    if (this.seen.has(seq) || seq <= this.highest - this.keep) return false;
    this.seen.add(seq);
    if (seq > this.highest) this.highest = seq;
    if (this.seen.size > this.keep) {
      for (const old of this.seen) if (old <= this.highest - this.keep) this.seen.delete(old);
    }
    return true;
  }

  /** The `after` of the next catch-up. */
  cursor(): number {
    return this.complete;
  }

  get latest(): number {
    return this.highest;
  }
}

/**
 * Reasons the server gives (as the `connect_error` message) when it refuses a socket. The first
 * two are cured by a fresh access token; UNAVAILABLE means the server could not check the token.
 */
export const SOCKET_REFUSALS = ['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'UNAVAILABLE'] as const;
export type SocketRefusal = (typeof SOCKET_REFUSALS)[number];
export const TOKEN_REFUSALS: readonly string[] = ['UNAUTHENTICATED', 'TOKEN_EXPIRED'] satisfies SocketRefusal[];
