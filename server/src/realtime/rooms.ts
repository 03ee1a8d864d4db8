import { ROOM_PATTERN, roleHasRight, type SubscribeRefusal } from '@karavan/shared';
import type { Actor } from '../lib/route';

/** Decides whether `actor` may watch the room `<kind>:<id>`. */
export type RoomAuthoriser = (actor: Actor, id: string) => Promise<boolean> | boolean;

const canWatch: RoomAuthoriser = (actor) => roleHasRight(actor.role, 'dashboard:watch');
const authorisers = new Map<string, RoomAuthoriser>([
  ['campaign', canWatch],
  ['location', canWatch],
]);

/**
 * Registers who may watch rooms of a kind, e.g. `shipment` (the shipments component: its
 * driver and whoever may read any shipment). Until a kind is registered its rooms are refused.
 */
export function registerRoomAuthoriser(kind: string, authorise: RoomAuthoriser): void {
  authorisers.set(kind, authorise);
}

/** `ok`, or why the actor may not watch the room (the same rule for sockets and /api/events). */
export async function authoriseRoom(actor: Actor, room: unknown): Promise<'ok' | SubscribeRefusal> {
  if (typeof room !== 'string' || !ROOM_PATTERN.test(room)) return 'INVALID_ROOM';
  if (room === 'dashboard') return canWatch(actor, '') ? 'ok' : 'FORBIDDEN';
  const [kind, id] = room.split(':') as [string, string];
  const authorise = authorisers.get(kind);
  if (!authorise) return 'UNKNOWN_ROOM';
  return (await authorise(actor, id)) ? 'ok' : 'FORBIDDEN';
}
