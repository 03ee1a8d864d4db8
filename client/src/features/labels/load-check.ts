import type { LabelSummary } from '@karavan/shared';

/*
 * Load by scanning: each crate's label, once its signed summary is checked (keys.ts, offline
 * too), is matched against the shipment being loaded. Pure: what a scan means and the running
 * summary per item, planned against scanned.
 */

/** A line of the plan: the item (by its Russian name, as the label's signed summary names it) and the planned quantity. */
export interface PlanLine {
  itemId: string;
  /** The item's name in Russian (what a label's summary carries). */
  name: string;
  quantity: number;
}

export type ScanOutcome =
  /** A crate of this shipment whose item is in the plan. */
  | { kind: 'ok'; code: string; itemId: string; itemName: string; quantity: number; unit: string }
  /** A genuine label of another shipment: the crate does not belong on this truck. */
  | { kind: 'otherShipment'; code: string; shipmentId: string; itemName: string; quantity: number; unit: string }
  /** This crate was scanned already (not counted twice). */
  | { kind: 'duplicate'; code: string }
  /** A label of this shipment for an item no longer in the plan (the plan changed after printing). */
  | { kind: 'notPlanned'; code: string; itemName: string; quantity: number; unit: string }
  /** Not a label of this deployment, or its signature does not match (changed or made up). */
  | { kind: 'unknown' };

/** What one scan means, given the crates scanned so far; `summary` is null when the label did not check. */
export function matchScan(
  shipmentId: string,
  plan: readonly PlanLine[],
  scanned: readonly ScanOutcome[],
  summary: LabelSummary | null,
): ScanOutcome {
  if (!summary) return { kind: 'unknown' };
  const code = summary.c;
  if (scanned.some((s) => s.kind !== 'unknown' && s.kind !== 'duplicate' && s.code === code)) {
    return { kind: 'duplicate', code };
  }
  const crate = { code, itemName: summary.i, quantity: summary.q, unit: summary.u };
  if (summary.s !== shipmentId) return { kind: 'otherShipment', shipmentId: summary.s, ...crate };
  const line = plan.find((l) => l.name === summary.i);
  if (!line) return { kind: 'notPlanned', ...crate };
  return { kind: 'ok', itemId: line.itemId, ...crate };
}

export interface ItemProgress {
  itemId: string;
  name: string;
  planned: number;
  scanned: number;
  crates: number;
}

/** Per planned item: planned and scanned quantities (only this shipment's crates, each once). */
export function loadProgress(plan: readonly PlanLine[], scanned: readonly ScanOutcome[]): ItemProgress[] {
  return plan.map((line) => {
    const crates = scanned.filter(
      (s): s is Extract<ScanOutcome, { kind: 'ok' }> => s.kind === 'ok' && s.itemId === line.itemId,
    );
    return {
      itemId: line.itemId,
      name: line.name,
      planned: line.quantity,
      scanned: crates.reduce((sum, c) => sum + c.quantity, 0),
      crates: crates.length,
    };
  });
}

/** True when every planned item is scanned in full and nothing foreign was scanned. */
export const loadComplete = (progress: readonly ItemProgress[], scanned: readonly ScanOutcome[]) =>
  progress.every((p) => p.scanned === p.planned) && !scanned.some((s) => s.kind === 'otherShipment');
