import { DEFAULT_TIME_ZONE } from '@karavan/shared';

let fallback = DEFAULT_TIME_ZONE;

/** The zone of a campaign that names none: KARAVAN_TIME_ZONE, set once at start (createKaravan). */
export const defaultTimeZone = (): string => fallback;

export function setDefaultTimeZone(zone: string): void {
  fallback = zone;
}
