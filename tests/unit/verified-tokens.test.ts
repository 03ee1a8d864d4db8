import { createVerifiedTokens } from '../../server/src/auth/passport';

const claims = (exp: number) => ({ sub: 'a'.repeat(24), role: 'driver' as const, tv: 0, sid: 'b'.repeat(64), exp });

describe('Access tokens this instance verified', () => {
  test('When a verified token is asked for before its expiry, then its claims are given; from its exp second on, never', () => {
    const tokens = createVerifiedTokens();
    tokens.set('t1', claims(1_000));
    expect(tokens.get('t1', 999_999)?.sub).toBe('a'.repeat(24));
    expect(tokens.get('t1', 1_000_000)).toBeUndefined();
    expect(tokens.get('t1', 999_999)).toBeUndefined(); // forgotten once expired
    expect(tokens.get('t2', 0)).toBeUndefined();
  });

  test('When more tokens are verified than it keeps, then the oldest is forgotten first', () => {
    const tokens = createVerifiedTokens(2);
    tokens.set('t1', claims(1_000));
    tokens.set('t2', claims(1_000));
    tokens.set('t3', claims(1_000));
    expect(tokens.size).toBe(2);
    expect(tokens.get('t1', 0)).toBeUndefined();
    expect(tokens.get('t2', 0)).toBeDefined();
    expect(tokens.get('t3', 0)).toBeDefined();
  });
});
