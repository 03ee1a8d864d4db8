import type { ErrorDetail } from '@karavan/shared';
import type { LotLine, ShipmentLine } from '../shipments.model';
import { unprocessable } from './errors';

/*
 * Which lots a shipment carries and what a delivery does to them. Pure.
 */

const expiry = (lot: Pick<LotLine, 'expiresAt'>, none: number) =>
  lot.expiresAt ? new Date(lot.expiresAt).getTime() : none;

/** A line's lots made smaller by `by`, giving back from the latest-expiring lots first. */
export function shrinkLots(lots: LotLine[], by: number): LotLine[] {
  const out = lots.map((lot) => ({ ...lot }));
  let give = by;
  for (const lot of [...out].sort((x, y) => expiry(y, Infinity) - expiry(x, Infinity))) {
    const off = Math.min(give, lot.quantity);
    lot.quantity -= off;
    give -= off;
  }
  return out.filter((lot) => lot.quantity > 0);
}

/** Lots added to a line's lots (a lot already there grows). */
export function addLots(lots: LotLine[], picked: LotLine[]): LotLine[] {
  const out = lots.map((lot) => ({ ...lot }));
  for (const p of picked) {
    const same = out.find((lot) => lot.lotId === p.lotId);
    if (same) same.quantity += p.quantity;
    else out.push({ ...p });
  }
  return out;
}

/** What to reserve and release per lot when a shipment's lines go from `before` to `after`. */
export function reservationDelta(before: Pick<ShipmentLine, 'lots'>[], after: Pick<ShipmentLine, 'lots'>[]) {
  const delta = new Map<string, number>();
  for (const line of before)
    for (const lot of line.lots) delta.set(lot.lotId, (delta.get(lot.lotId) ?? 0) - lot.quantity);
  for (const line of after)
    for (const lot of line.lots) delta.set(lot.lotId, (delta.get(lot.lotId) ?? 0) + lot.quantity);
  return {
    reserve: [...delta].filter(([, q]) => q > 0).map(([lotId, quantity]) => ({ lotId, quantity })),
    release: [...delta].filter(([, q]) => q < 0).map(([lotId, q]) => ({ lotId, quantity: -q })),
  };
}

/** A line's lots at delivery: what arrived and what was lost, the shortfall from the soonest-expiring first. */
export function splitShortfall(lots: LotLine[], short: number): { lotId: string; arrived: number; lost: number }[] {
  let left = short;
  return [...lots]
    .sort((x, y) => expiry(x, Infinity) - expiry(y, Infinity))
    .map((lot) => {
      const lost = Math.min(left, lot.quantity);
      left -= lost;
      return { lotId: lot.lotId, arrived: lot.quantity - lost, lost };
    });
}

export interface DeliveredLine<Reason extends string = string> {
  itemId: string;
  received: number;
  reason?: Reason | null;
}

/**
 * The delivery rules: who received it is named, each line given is on the shipment and no more
 * than was sent, a shortfall has a reason (422 with the field paths). Returns each shipment
 * line's received quantity and reason (a line not given arrived whole).
 */
export function checkDelivery<Reason extends string>(
  lines: Pick<ShipmentLine, 'itemId' | 'quantity'>[],
  req: { receivedBy?: string | null; lines?: DeliveredLine<Reason>[] | null },
  /** Received by scanning (see receivedByScanning): used for an item without an explicit line. */
  scanned: Map<string, number> = new Map(),
): Map<string, { received: number; reason: Reason | null }> {
  if (!req.receivedBy) {
    throw unprocessable('A delivery needs the name of who received it', [
      { path: 'body.receivedBy', message: '"receivedBy" is required for a delivery', type: 'any.required' },
    ]);
  }
  const details: ErrorDetail[] = [];
  const validation: ErrorDetail[] = [];
  const seen = new Set<string>();
  (req.lines ?? []).forEach((l, i) => {
    const line = lines.find((x) => x.itemId === l.itemId);
    // Two counts for one item: which one is right is not ours to guess (it was the last one).
    if (seen.has(l.itemId))
      details.push({ path: `body.lines.${i}.itemId`, message: 'lists an item a second time', type: 'unique' });
    else if (!line)
      details.push({ path: `body.lines.${i}.itemId`, message: 'is not on this shipment', type: 'reference' });
    else if (l.received > line.quantity)
      details.push({
        path: `body.lines.${i}.received`,
        message: `${l.received} is more than the ${line.quantity} sent`,
        type: 'max',
      });
    else if (l.received < line.quantity && !l.reason)
      validation.push({
        path: `body.lines.${i}.reason`,
        message: `a shortfall of ${line.quantity - l.received} needs a reason (spoiled, damaged, lost, stolen)`,
        type: 'any.required',
      });
    seen.add(l.itemId);
  });
  for (const [itemId, received] of scanned) {
    const line = lines.find((x) => x.itemId === itemId);
    if (seen.has(itemId) || !line || received >= line.quantity) continue;
    validation.push({
      path: 'body.labels',
      message: `item ${itemId}: ${received} of ${line.quantity} received by the labels scanned; the shortfall of ${line.quantity - received} needs a reason (send a line for the item with received and reason)`,
      type: 'any.required',
    });
  }
  if (validation.length > 0) throw unprocessable('A shortfall needs a reason', validation);
  if (details.length > 0) throw unprocessable('The delivery does not match the shipment', details);
  const given = new Map((req.lines ?? []).map((l) => [l.itemId, l]));
  return new Map(
    lines.map((line) => {
      const g = given.get(line.itemId);
      const received = g ? g.received : Math.min(scanned.get(line.itemId) ?? line.quantity, line.quantity);
      return [line.itemId, { received, reason: received < line.quantity ? (g?.reason ?? null) : null }];
    }),
  );
}

/**
 * Receive by scanning: per item that has current labels, what arrived is its quantity less the
 * quantity on its current labels that were not scanned (an item without labels is not counted
 * this way). `scanned` are stored codes, each a current label of the shipment.
 */
export function receivedByScanning(
  lines: Pick<ShipmentLine, 'itemId' | 'quantity'>[],
  current: { code: string; itemId: string; quantity: number }[],
  scanned: Set<string>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines) {
    const crates = current.filter((c) => c.itemId === line.itemId);
    if (crates.length === 0) continue;
    const missing = crates.filter((c) => !scanned.has(c.code)).reduce((n, c) => n + c.quantity, 0);
    out.set(line.itemId, Math.max(0, line.quantity - missing));
  }
  return out;
}
