import { actorCacheKey, createActorCache } from '../../server/src/auth/actor-cache';
import type { Actor } from '../../server/src/lib/route';

const actor = (id: string): Actor => ({
  id,
  role: 'driver',
  email: `${id}@test.karavan`,
  mustChangePassword: false,
  sessionFamily: `family-${id}`,
});

describe('The remembered callers (auth)', () => {
  test('When the time is up, or the session ends sooner, then the caller is checked again', () => {
    const cache = createActorCache({ ttlMs: 30_000 });
    cache.set('long', 'u1', actor('u1'), 10_000_000, 0);
    cache.set('short', 'u2', actor('u2'), 5_000, 0); // its session ends in 5 s
    expect(cache.get('long', 29_999)?.id).toBe('u1');
    expect(cache.get('long', 30_000)).toBeUndefined();
    expect(cache.get('short', 4_999)?.id).toBe('u2');
    expect(cache.get('short', 5_000)).toBeUndefined();
  });

  test("When a user's sign-ins are forgotten, then every entry of theirs goes and the others stay", () => {
    const cache = createActorCache({ ttlMs: 30_000 });
    cache.set(actorCacheKey('s1', 'u1', 0), 'u1', actor('u1'), Infinity, 0);
    cache.set(actorCacheKey('s2', 'u1', 0), 'u1', actor('u1'), Infinity, 0);
    cache.set(actorCacheKey('s3', 'u2', 0), 'u2', actor('u2'), Infinity, 0);
    cache.forgetUser('u1');
    expect(cache.get(actorCacheKey('s1', 'u1', 0), 1)).toBeUndefined();
    expect(cache.get(actorCacheKey('s2', 'u1', 0), 1)).toBeUndefined();
    expect(cache.get(actorCacheKey('s3', 'u2', 0), 1)?.id).toBe('u2');
  });

  test('When it is full, then the oldest entry makes room; with no time to live, nothing is kept', () => {
    const cache = createActorCache({ ttlMs: 30_000, max: 2 });
    for (const id of ['a', 'b', 'c']) cache.set(id, id, actor(id), Infinity, 0);
    expect(cache.size).toBe(2);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('c', 1)?.id).toBe('c');
    const off = createActorCache({ ttlMs: 0 });
    off.set('a', 'a', actor('a'), Infinity, 0);
    expect(off.get('a', 0)).toBeUndefined();
  });
});
