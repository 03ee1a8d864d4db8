import fc from 'fast-check';
import { MOVEMENT_KINDS, SeqTracker, type MovementKind } from '@karavan/shared';
import { buildSteps, effectOf, type MovementDoc } from '../../server/src/stock/ledger';
import { lotExpiry, lotIdOf } from '../../server/src/stock/lots';

const SIGNS: Record<MovementKind, number[]> = {
  received: [1],
  voided: [-1],
  written_off: [-1],
  adjusted: [1, -1],
  reserved: [1],
  released: [-1],
  dispatched: [-1],
  delivered: [1],
  transferred_in: [1],
  written_off_in_transit: [-1],
};
const base = { locationId: 'loc', lotId: 'lot', campaignId: 'c', itemId: 'i' };

describe('effectOf', () => {
  test('When any movement is applied, then donated = onHand + inTransit + delivered + writtenOff still holds', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MOVEMENT_KINDS),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.boolean(),
        (kind, q, up) => {
          const signs = SIGNS[kind];
          const quantity = (signs.length > 1 ? (up ? 1 : -1) : signs[0]!) * q;
          const { total, balance } = effectOf({ ...base, kind, quantity });
          const d = (f: string) => total.inc[f] ?? 0;
          expect(d('donated')).toBe(d('onHand') + d('inTransit') + d('delivered') + d('writtenOff'));
          // The balance and the total move on hand and reserved alike; available = onHand - reserved.
          if (balance) {
            const b = (f: string) => balance.inc[f] ?? 0;
            expect(b('available')).toBe(b('onHand') - b('reserved'));
            if (kind !== 'transferred_in') expect(b('onHand')).toBe(d('onHand'));
            expect(b('reserved')).toBe(d('reserved'));
          }
        },
      ),
    );
  });

  test('When a quantity has the wrong sign or is zero, then the movement is refused', () => {
    expect(() => effectOf({ ...base, kind: 'received', quantity: -1 })).toThrow();
    expect(() => effectOf({ ...base, kind: 'written_off', quantity: 3 })).toThrow();
    expect(() => effectOf({ ...base, kind: 'adjusted', quantity: 0 })).toThrow();
    expect(() => effectOf({ ...base, kind: 'received', quantity: 1.5 })).toThrow();
    expect(() => effectOf({ ...base, locationId: null as unknown as string, kind: 'received', quantity: 1 })).toThrow();
  });
});

describe('buildSteps', () => {
  const doc = (kind: MovementKind, quantity: number, lotId = 'lot'): MovementDoc => ({
    ...base,
    lotId,
    kind,
    quantity,
    _id: 'x',
    opId: 'op',
    at: new Date(),
    actorId: 'a',
    expiresAt: null,
    reason: null,
    note: null,
    donationId: null,
    shipmentId: null,
  });

  test('When two movements touch one document, then they become one step with the sum', () => {
    const steps = buildSteps([doc('received', 3), doc('received', 4), doc('received', 5, 'other')]);
    expect(steps).toHaveLength(3);
    expect(steps.find((s) => s.id === 'loc:lot')!.inc).toEqual({ onHand: 7, available: 7 });
    expect(steps.find((s) => s.coll === 'campaign_totals')!.inc).toEqual({ donated: 12, onHand: 12 });
  });

  test('When movements cancel out on a document, then no step is written for it', () => {
    const steps = buildSteps([doc('reserved', 2), doc('released', -2)]);
    expect(steps).toEqual([]);
  });

  test('When a step only adds, then it may create its document with zeros for the other counters', () => {
    const [balance] = buildSteps([doc('received', 1)]);
    expect(balance!.insert).toMatchObject({ locationId: 'loc', lotId: 'lot', reserved: 0 });
    expect(balance!.insert).not.toHaveProperty('onHand');
  });
});

describe('Lots', () => {
  test('When goods keep 48 hours or more, then the lot expiry is the start of the UTC day; less, the hour', () => {
    const at = new Date('2022-01-07T15:42:10Z');
    expect(lotExpiry(at, 72)?.toISOString()).toBe('2022-01-07T00:00:00.000Z');
    expect(lotExpiry(at, 36)?.toISOString()).toBe('2022-01-07T15:00:00.000Z');
    expect(lotExpiry(at, null)?.toISOString()).toBe('2022-01-07T00:00:00.000Z');
    expect(lotExpiry(null, 36)).toBeNull();
  });

  test('When the natural key is the same, then the lot id is the same 24 hex characters', () => {
    const day = new Date('2022-01-07T00:00:00Z');
    expect(lotIdOf('c', 'i', day)).toBe(lotIdOf('c', 'i', new Date(day)));
    expect(lotIdOf('c', 'i', day)).toMatch(/^[0-9a-f]{24}$/);
    expect(lotIdOf('c', 'i', day)).not.toBe(lotIdOf('c', 'i', null));
    expect(lotIdOf('c', 'i', day)).not.toBe(lotIdOf('c2', 'i', day));
  });
});

describe('SeqTracker', () => {
  test('When the same seq comes twice (live and from a catch-up), then it is accepted once', () => {
    const tracker = new SeqTracker(10);
    expect(tracker.accept(12)).toBe(true);
    expect(tracker.accept(11)).toBe(true); // a lower seq sent late by another instance
    expect(tracker.accept(12)).toBe(false);
    expect(tracker.latest).toBe(12);
  });

  test('When catching up, then the cursor is where the server last said the room is complete, not the highest seq seen', () => {
    const tracker = new SeqTracker(40);
    expect(tracker.cursor()).toBe(40);
    tracker.accept(500); // live, from one instance; 450 may still be on its way from another
    expect(tracker.cursor()).toBe(40);
    tracker.completeUpTo(480); // a catch-up's last page
    expect(tracker.cursor()).toBe(480);
    tracker.completeUpTo(300);
    expect(tracker.cursor()).toBe(480);
  });
});
