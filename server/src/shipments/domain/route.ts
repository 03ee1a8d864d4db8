import type { LocationDto } from '@karavan/shared';
import { unprocessable } from './errors';

/*
 * The route plan: how long a route takes, from its stops or from a planned arrival. Pure.
 */

/** Road distance taken as 1.3 x straight line at 60 km/h, plus 2 hours per checkpoint. */
export const ROAD_FACTOR = 1.3;
export const ROAD_SPEED_KMH = 60;
export const CHECKPOINT_HOURS = 2;

/** Great-circle distance in km. */
export function haversineKm(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** Hours along the stops (origin, checkpoints, destination); null when a stop has no position. */
export function estimateRouteHours(stops: Pick<LocationDto, 'position' | 'kind'>[]): number | null {
  if (stops.some((s) => !s.position)) return null;
  let km = 0;
  for (let i = 1; i < stops.length; i += 1) km += haversineKm(stops[i - 1]!.position!, stops[i]!.position!);
  const checkpoints = stops.filter((s) => s.kind === 'checkpoint').length;
  return Math.round(((km * ROAD_FACTOR) / ROAD_SPEED_KMH + checkpoints * CHECKPOINT_HOURS) * 10) / 10;
}

/** The route time is given as hours or as a planned arrival, not both (422). */
export function assertOneRouteTime(input: {
  estimatedRouteHours?: number | null;
  plannedArrivalAt?: string | null;
}): void {
  if (input.plannedArrivalAt && input.estimatedRouteHours != null) {
    throw unprocessable('Give the route time or the planned arrival, not both', [
      { path: 'body.plannedArrivalAt', message: 'cannot go with "estimatedRouteHours"', type: 'object.oxor' },
    ]);
  }
}

/** Hours from the planned departure to the planned arrival (422 when the arrival is not after it). */
export function hoursUntilArrival(departure: Date | null, arrival: string): number {
  const hours = departure ? (new Date(arrival).getTime() - departure.getTime()) / 3_600_000 : NaN;
  if (!(hours > 0)) {
    throw unprocessable('The planned arrival must come after a planned departure', [
      {
        path: 'body.plannedArrivalAt',
        message: '"plannedArrivalAt" needs a planned departure before it',
        type: 'date.min',
      },
    ]);
  }
  return Math.round(hours * 10) / 10;
}
