import type { ShipmentStatus, ShortfallReason } from './shipment-life';
import type { ShipmentSummaryDto } from './shipments';

/*
 * Hand-overs (issue 19): goods passing from one person to another on the way (a driver to another
 * driver at a border, a truck to a warehouse team). Joi-free (the client reads it); the request
 * schemas are in handovers.schema.ts.
 */

/** The statuses a shipment may be handed over in: on the road, from departure to arrival (not before loading is done, not once delivered). */
export const HANDOVER_STATUSES: readonly ShipmentStatus[] = ['departed', 'at_checkpoint', 'arrived'];

/**
 * `pending`: waiting for the taker (a user) to confirm; `confirmed`: confirmed by the taker;
 * `recorded`: handed to someone without an account (`to.name`), who cannot confirm in Karavan;
 * `cancelled`: a pending one called off (by the giver or staff) or declined by the taker: the
 * goods stayed with the giver.
 */
export const HANDOVER_STATES = ['pending', 'confirmed', 'recorded', 'cancelled'] as const;
export type HandoverState = (typeof HANDOVER_STATES)[number];

/** A device's signature of a hand-over step (signedHandoverPayload in custody.ts). */
export interface HandoverSignature {
  deviceId: string;
  signature: string;
}

/** `POST /api/shipments/:id/handovers`. */
export interface CreateHandoverRequest {
  /** Made by the client (a UUID): sent again, counted once. */
  id: string;
  /** The device's time of the hand-over. */
  at: string;
  /** Who takes the goods: a user (another driver, a user of the receiving team) or a name. */
  to: { userId?: string; name?: string };
  /** What was counted per item; an item left out was counted as carried. A difference needs a reason. */
  lines: { itemId: string; quantity: number; reason?: ShortfallReason }[];
  note?: string;
  /** The giver's device signature (at most one: the taker signs their confirmation). */
  signatures?: HandoverSignature[];
}

/** `POST /api/shipments/:id/handovers/:handoverId/confirm`: the taker's confirmation. */
export interface ConfirmHandoverRequest {
  at: string;
  /** The taker's device and its signature of signedHandoverPayload(id, 'handover.confirm', { handoverId, handoverHash, at, deviceId }). */
  deviceId?: string;
  signature?: string;
}

/** `POST /api/shipments/:id/handovers/:handoverId/cancel`: a pending hand-over called off or declined. */
export interface CancelHandoverRequest {
  /** The device's time. */
  at: string;
  /** Why (shown to the other side). */
  note?: string;
}

export interface HandoverLineDto {
  itemId: string;
  /** What the shipment carried at the hand-over. */
  carried: number;
  /** What was counted. */
  counted: number;
  reason: ShortfallReason | null;
}

export interface HandoverDto {
  id: string;
  shipmentId: string;
  state: HandoverState;
  /** Device time of the hand-over; `receivedAt` the server's. */
  at: string;
  receivedAt: string;
  /** The shipment's status at the hand-over. */
  status: ShipmentStatus;
  from: { userId: string; role: string };
  to: { userId: string | null; name: string | null };
  lines: HandoverLineDto[];
  note: string | null;
  /** The giver's device signature was checked (false: sent unsigned, e.g. from a browser). */
  giverVerified: boolean;
  giverDeviceId: string | null;
  confirmedAt: string | null;
  takerVerified: boolean;
  takerDeviceId: string | null;
  /** The hash of the hand-over's custody record: what the taker's device signs when confirming. */
  recordHash: string;
}

/** `GET /api/handovers/incoming`: hand-overs waiting for the caller's confirmation, with their shipments' summaries. */
export interface IncomingHandoversDto {
  items: { handover: HandoverDto; shipment: ShipmentSummaryDto }[];
}

/** `GET /api/handovers/takers`: who may take a hand-over (active drivers and staff). */
export interface HandoverTakerDto {
  id: string;
  name: string;
  role: string;
}
