import type { ShipmentStatus } from '@karavan/shared';
import { checkpointVisits, estimatedArrival } from '../../server/src/shipments/shipments.presenter';
import type { HistoryEntry } from '../../server/src/shipments/shipments.model';

const T0 = Date.parse('2022-01-10T06:00:00.000Z');
const entry = (
  id: string,
  status: ShipmentStatus,
  minutes: number,
  checkpointId: string | null = null,
): HistoryEntry => ({
  id,
  status,
  at: new Date(T0 + minutes * 60_000),
  receivedAt: new Date(T0 + minutes * 60_000 + 5_000),
  position: null,
  note: null,
  checkpointId,
  actorId: 'driver',
  actorRole: 'driver',
  applied: true,
});
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

describe('checkpointVisits', () => {
  test('When a truck waits at two checkpoints, then each visit has its arrival, departure and minutes waited, by device time', () => {
    const history = [
      entry('1', 'departed', 0),
      entry('3', 'departed', 300, 'kordai'),
      entry('2', 'at_checkpoint', 60, 'kordai'), // arrived late at the server, earlier on the phone
      entry('4', 'at_checkpoint', 400, 'customs'),
    ];
    expect(checkpointVisits(history)).toEqual([
      { locationId: 'kordai', arrivedAt: iso(60), departedAt: iso(300), waitMinutes: 240 },
      { locationId: 'customs', arrivedAt: iso(400), departedAt: null, waitMinutes: null },
    ]);
  });

  test('When the same arrival is reported twice, then it is one visit', () => {
    const history = [
      entry('1', 'at_checkpoint', 10, 'kordai'),
      entry('2', 'at_checkpoint', 12, 'kordai'),
      entry('3', 'departed', 70),
    ];
    expect(checkpointVisits(history)).toEqual([
      { locationId: 'kordai', arrivedAt: iso(10), departedAt: iso(70), waitMinutes: 60 },
    ]);
  });
});

describe('estimatedArrival', () => {
  const planned = new Date(T0);
  test('When the shipment departed, then arrival is departure plus the route time', () => {
    expect(
      estimatedArrival({ departedAt: new Date(T0 + 3_600_000), plannedDepartureAt: planned, estimatedRouteHours: 8 }),
    ).toEqual(new Date(T0 + 9 * 3_600_000));
  });
  test('When a planned departure has passed, then a warning counts from now; the display keeps the plan', () => {
    const now = new Date(T0 + 2 * 3_600_000);
    const s = { departedAt: null, plannedDepartureAt: planned, estimatedRouteHours: 8 };
    expect(estimatedArrival(s, now)).toEqual(new Date(T0 + 10 * 3_600_000));
    expect(estimatedArrival(s)).toEqual(new Date(T0 + 8 * 3_600_000));
    expect(estimatedArrival({ ...s, estimatedRouteHours: null }, now)).toBeNull();
    expect(estimatedArrival({ ...s, plannedDepartureAt: null })).toBeNull();
  });
});
