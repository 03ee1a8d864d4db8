import type { CampaignProgressItem, MovementDto, MovementKind, StockRowDto } from '@karavan/shared';
import type { MovementDoc } from './ledger';
import { isExpired } from './lots';

export interface BalanceLike {
  locationId: string;
  itemId: string;
  campaignId: string;
  lotId: string;
  expiresAt?: Date | null;
  onHand?: number;
  reserved?: number;
}

export function presentRow(balance: BalanceLike, now = new Date()): StockRowDto {
  const expiresAt = balance.expiresAt ?? null;
  return {
    locationId: balance.locationId,
    itemId: balance.itemId,
    campaignId: balance.campaignId,
    lotId: balance.lotId,
    expiresAt: expiresAt ? expiresAt.toISOString() : null,
    onHand: balance.onHand ?? 0,
    reserved: balance.reserved ?? 0,
    expired: isExpired(expiresAt, now),
  };
}

export function presentMovement(m: MovementDoc): MovementDto {
  return {
    id: m._id,
    kind: m.kind as MovementKind,
    at: m.at.toISOString(),
    actorId: m.actorId,
    locationId: m.locationId ?? null,
    itemId: m.itemId,
    campaignId: m.campaignId,
    lotId: m.lotId,
    quantity: m.quantity,
    reason: m.reason ?? null,
    note: m.note ?? null,
    donationId: m.donationId ?? null,
    shipmentId: m.shipmentId ?? null,
  };
}

export interface TotalLike {
  itemId: string;
  donated?: number;
  onHand?: number;
  reserved?: number;
  inTransit?: number;
  delivered?: number;
  writtenOff?: number;
}

/** One item's progress; `expired`: what of its on hand is past its expiry. */
export function presentProgressItem(
  itemId: string,
  target: number,
  total: TotalLike | undefined,
  expired = 0,
): CampaignProgressItem {
  const onHand = total?.onHand ?? 0;
  const inTransit = total?.inTransit ?? 0;
  const delivered = total?.delivered ?? 0;
  // Never more than is on hand (a balance read a moment apart from the totals).
  const spoiled = Math.min(Math.max(0, expired), Math.max(0, onHand));
  const usable = onHand - spoiled;
  return {
    itemId,
    target,
    donated: total?.donated ?? 0,
    onHand: total?.onHand ?? 0,
    reserved: total?.reserved ?? 0,
    inTransit: total?.inTransit ?? 0,
    delivered: total?.delivered ?? 0,
    writtenOff: total?.writtenOff ?? 0,
    usable,
    expired: spoiled,
    needed: Math.max(0, target - delivered - inTransit - usable),
  };
}
