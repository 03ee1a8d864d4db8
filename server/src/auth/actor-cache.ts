import type { Actor } from '../lib/route';

/**
 * The callers this instance checked recently: who an access token's user is and that its
 * session is live, remembered for a short while so that a request does not read the user and the
 * session every time. What ends or changes a sign-in (sign-out, a replayed refresh token,
 * disabling, a role or password change) forgets the user's entries at once, here and, through
 * `peers`, on every other instance before that write is answered (see auth.service). An entry
 * never outlives its session, nor `ttlMs`: that bounds what a lost message could leave behind.
 */
export interface ActorCache {
  get(key: string, now: number): Actor | undefined;
  set(key: string, userId: string, actor: Actor, sessionExpiresAt: number, now: number): void;
  /** Forgets every entry of the user (on this instance). */
  forgetUser(userId: string): void;
  readonly size: number;
}

interface Entry {
  userId: string;
  actor: Actor;
  until: number;
}

/** The cache key of an access token's claims: its session, user and token version. */
export const actorCacheKey = (sid: string, sub: string, tv: number) => `${sid}:${sub}:${tv}`;

export function createActorCache({ ttlMs, max = 10_000 }: { ttlMs: number; max?: number }): ActorCache {
  const entries = new Map<string, Entry>();
  return {
    get(key, now) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.until <= now) {
        entries.delete(key);
        return undefined;
      }
      return entry.actor;
    },
    set(key, userId, actor, sessionExpiresAt, now) {
      if (ttlMs <= 0) return;
      entries.delete(key);
      // The oldest entry goes first when full (a Map keeps insertion order).
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(key, { userId, actor, until: Math.min(now + ttlMs, sessionExpiresAt) });
    },
    forgetUser(userId) {
      for (const [key, entry] of entries) if (entry.userId === userId) entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
