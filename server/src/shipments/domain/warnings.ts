import type { ItemDto } from '@karavan/shared';
import type { ShipmentLine, ShipmentRecord, Warning } from '../shipments.model';

/*
 * What a shipment warns about: lots that expire before the estimated arrival, a load heavier
 * than the vehicle (or whose weight is unknown). Pure.
 */

/** Load in kg, null when an item's weight is unknown. */
export function loadKg(
  lines: { itemId: string; quantity: number }[],
  items: Map<string, Pick<ItemDto, 'weightKgPerUnit'>>,
): number | null {
  let kg = 0;
  for (const line of lines) {
    const weight = items.get(line.itemId)?.weightKgPerUnit;
    if (weight == null) return null;
    kg += weight * line.quantity;
  }
  return Math.round(kg * 100) / 100;
}

/** EXPIRES_BEFORE_ARRIVAL for each loaded lot that expires before the estimated arrival. */
export function expiryWarnings(lines: Pick<ShipmentLine, 'itemId' | 'lots'>[], arrival: Date | null): Warning[] {
  const warnings: Warning[] = [];
  if (!arrival) return warnings;
  for (const line of lines) {
    for (const lot of line.lots) {
      const expiresAt = lot.expiresAt ? new Date(lot.expiresAt) : null;
      if (expiresAt && expiresAt < arrival) {
        warnings.push({
          code: 'EXPIRES_BEFORE_ARRIVAL',
          message: `${lot.quantity} of item ${line.itemId} (lot ${lot.lotId}) expire at ${expiresAt.toISOString()}, before the estimated arrival at ${arrival.toISOString()}`,
          itemId: line.itemId,
          lotId: lot.lotId,
        });
      }
    }
  }
  return warnings;
}

/** OVER_CAPACITY when the load outweighs the vehicle; WEIGHT_UNKNOWN per item whose weight is unknown. */
export function capacityWarnings(
  lines: { itemId: string; quantity: number }[],
  items: Map<string, Pick<ItemDto, 'weightKgPerUnit'>>,
  vehicle: ShipmentRecord['vehicle'],
): Warning[] {
  const capacity = vehicle?.capacityKg;
  if (!capacity) return [];
  const unknown = lines.filter((l) => items.get(l.itemId)?.weightKgPerUnit == null);
  if (unknown.length > 0) {
    return unknown.map((l) => ({
      code: 'WEIGHT_UNKNOWN',
      message: `The weight of item ${l.itemId} is unknown: the load cannot be checked against the vehicle's ${capacity} kg`,
      itemId: l.itemId,
      lotId: null,
    }));
  }
  const kg = loadKg(lines, items)!;
  if (kg <= capacity) return [];
  return [
    {
      code: 'OVER_CAPACITY',
      message: `The load weighs about ${kg} kg, more than the vehicle's capacity of ${capacity} kg`,
      itemId: null,
      lotId: null,
    },
  ];
}
