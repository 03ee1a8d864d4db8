import Joi from 'joi';
import type { Right } from './roles';

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

export interface Position {
  lat: number;
  lng: number;
  accuracyM?: number;
}

export const positionSchema = Joi.object<Position, true>({
  lat: Joi.number().min(-90).max(90).required(),
  lng: Joi.number().min(-180).max(180).required(),
  accuracyM: Joi.number().min(0).max(100_000),
});

/**
 * `POST /api/shipments/:id/updates`: the one way a shipment changes state, online or replayed from
 * a phone's outbox. `id` is made by the client (a UUID): sent twice, counted once.
 */
export interface ShipmentUpdateRequest {
  id: string;
  status: ShipmentStatus;
  /** The device's own time of the update. */
  at: string;
  position?: Position;
  note?: string;
  /** With `at_checkpoint` (and the `departed` that leaves it): which checkpoint of the route. */
  checkpointId?: string;
  /** With `loading`: the lots to reserve; without it, first-expired-first-out. */
  lots?: { lotId: string; quantity: number }[];
  /** With `delivered`: who received the goods. */
  receivedBy?: string;
  /** With `delivered`: the received quantity per item; any shortfall needs a reason. */
  lines?: { itemId: string; received: number; reason?: ShortfallReason }[];
}

const objectIdString = () => Joi.string().lowercase().hex().length(24);

export const shipmentUpdateBody = Joi.object<ShipmentUpdateRequest, true>({
  id: Joi.string().guid().required(),
  status: Joi.string()
    .valid(...SHIPMENT_STATUSES)
    .required(),
  at: Joi.string().isoDate().max(40).required(),
  position: positionSchema,
  note: Joi.string().max(1000).allow(''),
  checkpointId: objectIdString(),
  lots: Joi.array()
    .items(
      Joi.object({
        lotId: Joi.string().min(1).max(200).required(),
        quantity: Joi.number().integer().min(1).max(10_000_000).required(),
      }),
    )
    .max(200),
  receivedBy: Joi.string().trim().min(1).max(200),
  lines: Joi.array()
    .items(
      Joi.object({
        itemId: objectIdString().required(),
        received: Joi.number().integer().min(0).max(10_000_000).required(),
        reason: Joi.string().valid(...SHORTFALL_REASONS),
      }),
    )
    .max(200),
});
