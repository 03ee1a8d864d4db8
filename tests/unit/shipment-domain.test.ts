import { ApiError } from '../../server/src/lib/errors';
import {
  addLots,
  arrivesLate,
  assertOneRouteTime,
  assertTransition,
  capacityWarnings,
  checkDelivery,
  defaultDocuments,
  estimateRouteHours,
  expiryWarnings,
  heard,
  hoursUntilArrival,
  impliedCheckpoint,
  loadKg,
  orderTime,
  receivedByScanning,
  reservationDelta,
  shrinkLots,
  splitShortfall,
  stockEffect,
  tick,
  toDocuments,
  trimHistory,
} from '../../server/src/shipments/domain';
import { HISTORY_KEPT, type HistoryEntry, type LotLine } from '../../server/src/shipments/shipments.model';

// The shipments' rules as pure functions: no database, no clock but the one given.

const day = (n: number) => new Date(Date.UTC(2022, 0, n));
const lot = (lotId: string, quantity: number, expires: number | null): LotLine => ({
  lotId,
  quantity,
  expiresAt: expires === null ? null : day(expires),
});
const entry = (id: string, status: HistoryEntry['status'], checkpointId: string | null = null): HistoryEntry => ({
  id,
  status,
  at: day(1),
  receivedAt: day(1),
  position: null,
  note: null,
  checkpointId,
  actorId: 'u',
  actorRole: 'driver',
  applied: true,
});
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? `${err.status} ${err.code}` : String(err);
  }
  return 'no error';
};

describe('The route plan', () => {
  test('When Bishkek to Almaty goes through one checkpoint, then the hours are the road distance at 60 km/h plus 2 hours', () => {
    const bishkek = { position: { lat: 42.8746, lng: 74.5698 }, kind: 'warehouse' as const };
    const kordai = { position: { lat: 43.0333, lng: 74.7167 }, kind: 'checkpoint' as const };
    const almaty = { position: { lat: 43.2389, lng: 76.8897 }, kind: 'distribution_point' as const };
    const hours = estimateRouteHours([bishkek, kordai, almaty])!;
    expect(hours).toBeGreaterThan(5);
    expect(hours).toBeLessThan(7);
    expect(estimateRouteHours([bishkek, { position: null, kind: 'checkpoint' }, almaty])).toBeNull();
  });

  test('When the planned arrival is given, then it must follow a planned departure, and never with the hours too', () => {
    expect(hoursUntilArrival(day(1), day(2).toISOString())).toBe(24);
    expect(codeOf(() => hoursUntilArrival(null, day(2).toISOString()))).toBe('422 UNPROCESSABLE');
    expect(codeOf(() => hoursUntilArrival(day(2), day(1).toISOString()))).toBe('422 UNPROCESSABLE');
    expect(codeOf(() => assertOneRouteTime({ estimatedRouteHours: 5, plannedArrivalAt: day(2).toISOString() }))).toBe(
      '422 UNPROCESSABLE',
    );
    expect(codeOf(() => assertOneRouteTime({ estimatedRouteHours: 5 }))).toBe('no error');
  });
});

describe('The transitions', () => {
  const coordinator = { id: 'c', role: 'coordinator' as const };
  const driver = { id: 'd', role: 'driver' as const };

  test('When a driver reports a status, then only the assigned driver’s allowed ones pass', () => {
    const s = { status: 'loading' as const, driverId: 'd' };
    expect(codeOf(() => assertTransition(s, 'departed', driver))).toBe('no error');
    expect(codeOf(() => assertTransition(s, 'departed', { id: 'other', role: 'driver' }))).toBe('409 CONFLICT');
    expect(codeOf(() => assertTransition(s, 'delivered', coordinator))).toBe('409 CONFLICT');
  });

  test('When a status changes, then the stock effect follows the edge', () => {
    expect(stockEffect('planned', 'loading')).toBe('reserve');
    expect(stockEffect('loading', 'departed')).toBe('dispatch');
    expect(stockEffect('at_checkpoint', 'departed')).toBeNull();
    expect(stockEffect('loading', 'cancelled')).toBe('release');
    expect(stockEffect('planned', 'cancelled')).toBeNull();
    expect(stockEffect('arrived', 'delivered')).toBe('deliver');
  });

  test('When an update arrives after a later one was applied, then it is late (kept, not applied); a phone clock ahead counts at most 2 minutes past receipt', () => {
    expect(arrivesLate({ lastStatusAt: day(3) }, day(2))).toBe(true);
    expect(arrivesLate({ lastStatusAt: day(3) }, day(4))).toBe(false);
    expect(arrivesLate({ lastStatusAt: null }, day(1))).toBe(false);
    expect(orderTime(day(5), day(4))).toEqual(new Date(day(4).getTime() + 2 * 60_000));
    expect(orderTime(new Date(day(4).getTime() + 60_000), day(4))).toEqual(new Date(day(4).getTime() + 60_000));
    expect(orderTime(day(3), day(4))).toEqual(day(3));
  });

  test('When a truck is heard from, then last heard never goes back and the position is the latest by device time', () => {
    const s = { lastHeardAt: day(3), lastPosition: { lat: 1, lng: 1, at: day(2) } };
    expect(heard(s, { receivedAt: day(2), position: { lat: 2, lng: 2 }, at: day(1) })).toEqual({ lastHeardAt: day(3) });
    expect(heard(s, { receivedAt: day(4), position: { lat: 2, lng: 2 }, at: day(4) })).toEqual({
      lastHeardAt: day(4),
      lastPosition: { lat: 2, lng: 2, at: day(4) },
    });
  });

  test('When no checkpoint is named, then arriving reaches the next unvisited one and departing leaves the last one', () => {
    const s = { status: 'at_checkpoint' as const, route: ['a', 'b'], history: [entry('1', 'at_checkpoint', 'a')] };
    expect(impliedCheckpoint(s, 'departed')).toBe('a');
    expect(impliedCheckpoint(s, 'at_checkpoint')).toBe('b');
    expect(impliedCheckpoint({ ...s, status: 'loading' }, 'departed')).toBeNull();
  });

  test('When the history grows past what is kept, then the oldest entries go', () => {
    const history = Array.from({ length: HISTORY_KEPT + 2 }, (_, i) => entry(String(i), 'departed'));
    const kept = trimHistory(history);
    expect(kept).toHaveLength(HISTORY_KEPT);
    expect(kept[0]!.id).toBe('2');
  });
});

describe('The warnings and the load', () => {
  const items = new Map([
    ['bread', { weightKgPerUnit: 0.5 }],
    ['milk', { weightKgPerUnit: 1.03 }],
    ['kefir', { weightKgPerUnit: null }],
  ]);

  test('When the load outweighs the vehicle, then OVER_CAPACITY; an unknown weight says so instead', () => {
    const lines = [
      { itemId: 'bread', quantity: 1000 },
      { itemId: 'milk', quantity: 1000 },
    ];
    expect(loadKg(lines, items)).toBe(1530);
    expect(capacityWarnings(lines, items, { plate: 'x', kind: 'truck', capacityKg: 1000 })).toEqual([
      expect.objectContaining({ code: 'OVER_CAPACITY' }),
    ]);
    expect(capacityWarnings(lines, items, { plate: 'x', kind: 'truck', capacityKg: 2000 })).toEqual([]);
    expect(
      capacityWarnings([{ itemId: 'kefir', quantity: 1 }], items, { plate: 'x', kind: 'truck', capacityKg: 10 }),
    ).toEqual([expect.objectContaining({ code: 'WEIGHT_UNKNOWN', itemId: 'kefir' })]);
    expect(capacityWarnings(lines, items, null)).toEqual([]);
  });

  test('When a loaded lot expires before the estimated arrival, then it is named', () => {
    const lines = [{ itemId: 'milk', lots: [lot('early', 5, 2), lot('late', 5, 9), lot('never', 5, null)] }];
    expect(expiryWarnings(lines, day(3)).map((w) => w.lotId)).toEqual(['early']);
    expect(expiryWarnings(lines, null)).toEqual([]);
  });
});

describe('The checklist', () => {
  test('When goods of animal origin travel, then a veterinary certificate is on the default checklist', () => {
    expect(defaultDocuments([{ category: 'bread' }]).map((d) => d.key)).toEqual(['waybill', 'donation_letter']);
    expect(defaultDocuments([{ category: 'Dairy' }]).map((d) => d.key)).toContain('veterinary_certificate');
  });

  test('When the checklist changes, then ticks are kept, and a closed shipment refuses a tick', () => {
    const before = toDocuments([{ key: 'waybill' }]);
    const ticked = tick({ status: 'loading', documents: before }, 'waybill', true, 'u', day(1));
    expect(ticked[0]).toMatchObject({ checked: true, checkedBy: 'u', checkedAt: day(1) });
    expect(toDocuments([{ key: 'waybill' }, { key: 'donation_letter' }], ticked)[0]!.checked).toBe(true);
    expect(codeOf(() => tick({ status: 'delivered', documents: ticked }, 'waybill', false, 'u', day(2)))).toBe(
      '409 CONFLICT',
    );
  });
});

describe('Lots and the delivery', () => {
  test('When a line shrinks, then the latest-expiring lots give back first; when it grows, picked lots are added', () => {
    expect(shrinkLots([lot('a', 5, 1), lot('b', 5, 9)], 7)).toEqual([lot('a', 3, 1)]);
    expect(addLots([lot('a', 5, 1)], [lot('a', 2, 1), lot('c', 1, 4)])).toEqual([lot('a', 7, 1), lot('c', 1, 4)]);
  });

  test('When the lines change, then only the difference per lot is reserved or released', () => {
    expect(
      reservationDelta([{ lots: [lot('a', 5, 1), lot('b', 2, 2)] }], [{ lots: [lot('a', 3, 1), lot('c', 4, 2)] }]),
    ).toEqual({
      reserve: [{ lotId: 'c', quantity: 4 }],
      release: [
        { lotId: 'a', quantity: 2 },
        { lotId: 'b', quantity: 2 },
      ],
    });
  });

  test('When a delivery is short, then the loss comes from the soonest-expiring lots', () => {
    expect(splitShortfall([lot('late', 10, 9), lot('soon', 4, 2)], 6)).toEqual([
      { lotId: 'soon', arrived: 0, lost: 4 },
      { lotId: 'late', arrived: 8, lost: 2 },
    ]);
  });

  test('When a delivery is checked, then a missing receiver, a foreign item, too much or an unexplained shortfall is a 422', () => {
    const lines = [{ itemId: 'bread', quantity: 10 }];
    expect(codeOf(() => checkDelivery(lines, {}))).toBe('422 UNPROCESSABLE');
    expect(codeOf(() => checkDelivery(lines, { receivedBy: 'A', lines: [{ itemId: 'milk', received: 1 }] }))).toBe(
      '422 UNPROCESSABLE',
    );
    expect(codeOf(() => checkDelivery(lines, { receivedBy: 'A', lines: [{ itemId: 'bread', received: 11 }] }))).toBe(
      '422 UNPROCESSABLE',
    );
    expect(codeOf(() => checkDelivery(lines, { receivedBy: 'A', lines: [{ itemId: 'bread', received: 8 }] }))).toBe(
      '422 UNPROCESSABLE',
    );
    expect(
      checkDelivery(lines, { receivedBy: 'A', lines: [{ itemId: 'bread', received: 8, reason: 'spoiled' }] }),
    ).toEqual(new Map([['bread', { received: 8, reason: 'spoiled' }]]));
    expect(
      codeOf(() =>
        checkDelivery(lines, {
          receivedBy: 'A',
          lines: [
            { itemId: 'bread', received: 10 },
            { itemId: 'bread', received: 9, reason: 'lost' },
          ],
        }),
      ),
    ).toBe('422 UNPROCESSABLE');
    expect(checkDelivery(lines, { receivedBy: 'A' })).toEqual(new Map([['bread', { received: 10, reason: null }]]));
  });

  test('When crates are scanned, then an item with labels is received less its unscanned crates, an item without labels is not counted, and an explicit line wins', () => {
    const lines = [
      { itemId: 'bread', quantity: 50 },
      { itemId: 'milk', quantity: 10 },
    ];
    // 50 loaves: three crates of 10 labelled, 20 not labelled at all.
    const crates = [
      { code: 'A', itemId: 'bread', quantity: 10 },
      { code: 'B', itemId: 'bread', quantity: 10 },
      { code: 'C', itemId: 'bread', quantity: 10 },
    ];
    const scanned = receivedByScanning(lines, crates, new Set(['A', 'C']));
    expect(scanned).toEqual(new Map([['bread', 40]]));
    let problem: unknown;
    try {
      checkDelivery(lines, { receivedBy: 'A' }, scanned);
    } catch (err) {
      problem = err;
    }
    expect(problem).toBeInstanceOf(ApiError);
    expect((problem as ApiError).details).toEqual([
      expect.objectContaining({ path: 'body.labels', message: expect.stringContaining('item bread: 40 of 50') }),
    ]);
    expect(
      checkDelivery(lines, { receivedBy: 'A', lines: [{ itemId: 'bread', received: 45, reason: 'lost' }] }, scanned),
    ).toEqual(
      new Map([
        ['bread', { received: 45, reason: 'lost' }],
        ['milk', { received: 10, reason: null }],
      ]),
    );
    expect(receivedByScanning(lines, crates, new Set(['A', 'B', 'C']))).toEqual(new Map([['bread', 50]]));
  });
});
