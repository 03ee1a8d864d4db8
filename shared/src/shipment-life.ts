import type { Right } from './roles';

/*
 * A shipment's statuses, who may move it along which edge, and its standard documents. Joi-free
 * (the web client imports it; the request schemas are in shipments.ts).
 */

/**
 * A shipment's life (DOMAIN.md):
 * planned -> loading -> departed -> at_checkpoint -> departed -> ... -> arrived -> delivered,
 * and cancelled from planned or loading only (reservations are released).
 */
export const SHIPMENT_STATUSES = [
  'planned',
  'loading',
  'departed',
  'at_checkpoint',
  'arrived',
  'delivered',
  'cancelled',
] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** The statuses each status may move to; the server enforces this table and names it in 409s. */
export const SHIPMENT_TRANSITIONS: Readonly<Record<ShipmentStatus, readonly ShipmentStatus[]>> = {
  planned: ['loading', 'cancelled'],
  loading: ['departed', 'cancelled'],
  departed: ['at_checkpoint', 'arrived'],
  at_checkpoint: ['departed'],
  arrived: ['delivered'],
  delivered: [],
  cancelled: [],
};

/** The statuses the assigned driver may report (coordinators and organisers may report all). */
export const DRIVER_STATUSES: readonly ShipmentStatus[] = ['departed', 'at_checkpoint', 'arrived', 'delivered'];

/**
 * How far ahead of the server's clock a device's `at` is believed (a phone's clock may run a little
 * fast). A status update keeps `at` exactly as sent, but every time the server works out from it
 * (ordering, departure, arrival and delivery times, waits at checkpoints, the last position's time)
 * is the earlier of `at` and the time it was received plus this allowance: a phone set to 2999
 * neither stops later updates from applying nor makes a wait of 500 million minutes.
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 2 * 60 * 1000;

/** The time the server uses for an update sent with device time `at` and received at `receivedAt`. */
export function trustedUpdateTime(at: Date | string, receivedAt: Date | string): Date {
  const device = new Date(at).getTime();
  const latest = new Date(receivedAt).getTime() + CLOCK_SKEW_ALLOWANCE_MS;
  return new Date(Math.min(device, latest));
}

/** Statuses in which the goods are on the road (they count as in transit). */
export const ON_THE_ROAD: readonly ShipmentStatus[] = ['departed', 'at_checkpoint', 'arrived'];

export const isTerminal = (status: ShipmentStatus) => SHIPMENT_TRANSITIONS[status].length === 0;

/**
 * The next statuses a caller may report, given their rights and whether the shipment is theirs:
 * `shipments:manage` moves any shipment along every edge; `shipments:drive` only one's own
 * shipment, and only along the edges that lead to a driver status.
 */
export function allowedNextStatuses(
  from: ShipmentStatus,
  caller: { rights: readonly Right[]; isAssignedDriver: boolean },
): ShipmentStatus[] {
  const next = SHIPMENT_TRANSITIONS[from];
  if (caller.rights.includes('shipments:manage')) return [...next];
  if (caller.rights.includes('shipments:drive') && caller.isAssignedDriver)
    return next.filter((s) => DRIVER_STATUSES.includes(s));
  return [];
}

/** Reasons a shortfall at delivery may have; each becomes a write-off. */
export const SHORTFALL_REASONS = ['spoiled', 'damaged', 'lost', 'stolen'] as const;
export type ShortfallReason = (typeof SHORTFALL_REASONS)[number];

/** Keys of the standard documents a shipment may carry; coordinators may add others. */
export const STANDARD_DOCUMENTS: Readonly<Record<string, { ru: string; en: string }>> = {
  waybill: { ru: 'Товарно-транспортная накладная', en: 'Waybill' },
  donation_letter: { ru: 'Письмо о безвозмездной передаче', en: 'Donation letter' },
  veterinary_certificate: { ru: 'Ветеринарный сертификат', en: 'Veterinary certificate' },
  phytosanitary_certificate: { ru: 'Фитосанитарный сертификат', en: 'Phytosanitary certificate' },
  customs_declaration: { ru: 'Таможенная декларация', en: 'Customs declaration' },
};
