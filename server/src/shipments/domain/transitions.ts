import { allowedNextStatuses, roleHasRight, trustedUpdateTime, type Role, type ShipmentStatus } from '@karavan/shared';
import { ApiError } from '../../lib/errors';
import { HISTORY_KEPT, type HistoryEntry, type ShipmentRecord } from '../shipments.model';

/*
 * The life cycle of a shipment: which status may follow which for whom, the arrival rule (an
 * update that arrives after a later one was applied is kept, not applied), what hearing from a
 * truck changes, which checkpoint an update is at, and what stock a transition moves. Pure.
 */

/** Statuses at which a position is kept even in privacy mode. */
export const POSITION_ALWAYS: ShipmentStatus[] = ['at_checkpoint', 'arrived', 'delivered'];
export const ACTIVE_STATUSES: ShipmentStatus[] = ['planned', 'loading', 'departed', 'at_checkpoint', 'arrived'];

export interface Caller {
  id: string;
  role: Role;
}

export const isDriverOf = (caller: Caller, s: Pick<ShipmentRecord, 'driverId'>) =>
  roleHasRight(caller.role, 'shipments:drive') && s.driverId === caller.id;

const rightsOf = (caller: Caller) =>
  (['shipments:manage', 'shipments:drive'] as const).filter((r) => roleHasRight(caller.role, r));

/** The statuses `caller` may move the shipment to now. */
export const nextStatuses = (s: Pick<ShipmentRecord, 'status' | 'driverId'>, caller: Caller) =>
  allowedNextStatuses(s.status, { rights: rightsOf(caller), isAssignedDriver: isDriverOf(caller, s) });

/** 409 naming the statuses that are allowed, when `status` is not one of them. */
export function assertTransition(
  s: Pick<ShipmentRecord, 'status' | 'driverId'>,
  status: ShipmentStatus,
  caller: Caller,
): void {
  const allowed = nextStatuses(s, caller);
  if (allowed.includes(status)) return;
  throw new ApiError(
    409,
    'CONFLICT',
    `A shipment that is ${s.status} cannot become ${status}${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}`,
    allowed.length > 0
      ? allowed.map((next) => ({ path: 'body.status', message: next, type: 'allowed' }))
      : [{ path: 'body.status', message: `no further status from ${s.status}`, type: 'allowed' }],
  );
}

/**
 * The time an update is ordered and dated by: the device's, but never later than the server
 * received it plus CLOCK_SKEW_ALLOWANCE_MS (a phone's clock may be ahead).
 */
export const orderTime = (at: Date, receivedAt: Date) => trustedUpdateTime(at, receivedAt);

/** The arrival rule: an update ordered before the last applied one is kept in the history, not applied. */
export const arrivesLate = (s: Pick<ShipmentRecord, 'lastStatusAt'>, orderAt: Date) =>
  Boolean(s.lastStatusAt && orderAt < new Date(s.lastStatusAt));

/** What hearing from the shipment changes: last heard, last position. */
export function heard(
  s: Pick<ShipmentRecord, 'lastHeardAt' | 'lastPosition'>,
  entry: Pick<HistoryEntry, 'receivedAt' | 'position' | 'at'>,
): Record<string, unknown> {
  const set: Record<string, unknown> = {
    lastHeardAt: s.lastHeardAt && s.lastHeardAt > entry.receivedAt ? s.lastHeardAt : entry.receivedAt,
  };
  const at = trustedUpdateTime(entry.at, entry.receivedAt);
  if (entry.position && (!s.lastPosition || new Date(s.lastPosition.at) <= at)) {
    set.lastPosition = { ...entry.position, at };
  }
  return set;
}

/** The history kept on the shipment: the last HISTORY_KEPT entries. */
export const trimHistory = (history: HistoryEntry[]) =>
  history.length > HISTORY_KEPT ? history.slice(history.length - HISTORY_KEPT) : history;

/**
 * The checkpoint of an at_checkpoint or departed update given none: departing from a checkpoint
 * leaves the last one reached; arriving at one reaches the route's first not yet visited.
 */
export function impliedCheckpoint(
  s: Pick<ShipmentRecord, 'status' | 'history' | 'route'>,
  status: ShipmentStatus,
): string | null {
  const applied = (s.history ?? []).filter((e) => e.applied && e.kind !== 'handover' && e.status === 'at_checkpoint');
  if (status === 'departed') {
    return s.status === 'at_checkpoint' ? (applied[applied.length - 1]?.checkpointId ?? null) : null;
  }
  const visited = new Set(applied.map((e) => e.checkpointId));
  return (s.route ?? []).find((id) => !visited.has(id)) ?? null;
}

/** What stock a transition moves: loading reserves, the first departure dispatches, ... */
export type StockEffect = 'reserve' | 'dispatch' | 'release' | 'deliver' | null;
export function stockEffect(from: ShipmentStatus, to: ShipmentStatus): StockEffect {
  if (to === 'loading') return 'reserve';
  if (to === 'departed' && from === 'loading') return 'dispatch';
  if (to === 'cancelled' && from === 'loading') return 'release';
  if (to === 'delivered') return 'deliver';
  return null;
}

/** The dates a transition sets besides the status. */
export function transitionDates(from: ShipmentStatus, to: ShipmentStatus, at: Date): Record<string, Date> {
  if (to === 'departed' && from === 'loading') return { departedAt: at };
  if (to === 'cancelled') return { cancelledAt: at };
  if (to === 'arrived') return { arrivedAt: at };
  return {};
}
