import { describe, expect, test } from '@jest/globals';
import type { LabelSummary } from '@karavan/shared';
import { loadComplete, loadProgress, matchScan, type PlanLine, type ScanOutcome } from './load-check';

const SHIPMENT = 'a'.repeat(24);
const plan: PlanLine[] = [
  { itemId: 'kefir', name: 'Кефир', quantity: 60 },
  { itemId: 'bread', name: 'Хлеб', quantity: 20 },
];
const label = (code: string, overrides: Partial<LabelSummary> = {}): LabelSummary => ({
  k: 'label',
  c: code,
  i: 'Кефир',
  q: 24,
  u: 'litre',
  e: null,
  s: SHIPMENT,
  d: 'Алматы',
  t: '2026-01-10T08:00:00.000Z',
  ...overrides,
});

/** Scans one after another, as the loading check does. */
function scanAll(...summaries: (LabelSummary | null)[]): ScanOutcome[] {
  return summaries.reduce<ScanOutcome[]>((done, s) => [...done, matchScan(SHIPMENT, plan, done, s)], []);
}

describe('load by scanning', () => {
  test('When crates of this shipment are scanned, then each is ✔ with its item and quantity and the summary adds them up per item', () => {
    const scans = scanAll(
      label('AAAA-AAAA-1'),
      label('BBBB-BBBB-2', { q: 36 }),
      label('CCCC-CCCC-3', { i: 'Хлеб', q: 20, u: 'loaf' }),
    );
    expect(scans.map((s) => s.kind)).toEqual(['ok', 'ok', 'ok']);
    expect(scans[1]).toEqual({
      kind: 'ok',
      code: 'BBBB-BBBB-2',
      itemId: 'kefir',
      itemName: 'Кефир',
      quantity: 36,
      unit: 'litre',
    });
    const progress = loadProgress(plan, scans);
    expect(progress).toEqual([
      { itemId: 'kefir', name: 'Кефир', planned: 60, scanned: 60, crates: 2 },
      { itemId: 'bread', name: 'Хлеб', planned: 20, scanned: 20, crates: 1 },
    ]);
    expect(loadComplete(progress, scans)).toBe(true);
  });

  test('When a crate of another shipment, one scanned twice, an unplanned item or an unknown label is scanned, then each is flagged and none counts', () => {
    const other = 'b'.repeat(24);
    const scans = scanAll(
      label('AAAA-AAAA-1'),
      label('DDDD-DDDD-4', { s: other }),
      label('AAAA-AAAA-1'),
      label('EEEE-EEEE-5', { i: 'Молоко' }),
      null,
    );
    expect(scans.map((s) => s.kind)).toEqual(['ok', 'otherShipment', 'duplicate', 'notPlanned', 'unknown']);
    expect(scans[1]).toMatchObject({ shipmentId: other, itemName: 'Кефир', quantity: 24 });
    const progress = loadProgress(plan, scans);
    expect(progress.map((p) => [p.itemId, p.scanned, p.crates])).toEqual([
      ['kefir', 24, 1],
      ['bread', 0, 0],
    ]);
    expect(loadComplete(progress, scans)).toBe(false);
    // A crate of another shipment keeps the check from being complete even when the plan is full.
    const full = scanAll(
      label('AAAA-AAAA-1', { q: 60 }),
      label('CCCC-CCCC-3', { i: 'Хлеб', q: 20 }),
      label('DDDD-DDDD-4', { s: other }),
    );
    expect(loadComplete(loadProgress(plan, full), full)).toBe(false);
  });
});
