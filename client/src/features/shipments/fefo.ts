import type { StockRowDto } from '@karavan/shared';

export interface Suggestion {
  lotId: string;
  quantity: number;
  expiresAt: string | null;
}

/** First expired, first out: what loading would reserve, from the origin's stock now. */
export function fefo(rows: StockRowDto[], itemId: string, needed: number): { lots: Suggestion[]; missing: number } {
  const candidates = rows
    .filter((row) => row.itemId === itemId && !row.expired && row.onHand - row.reserved > 0)
    .sort((a, b) => (a.expiresAt ?? '9999').localeCompare(b.expiresAt ?? '9999'));
  const lots: Suggestion[] = [];
  let rest = needed;
  for (const row of candidates) {
    if (rest <= 0) break;
    const take = Math.min(rest, row.onHand - row.reserved);
    lots.push({ lotId: row.lotId, quantity: take, expiresAt: row.expiresAt });
    rest -= take;
  }
  return { lots, missing: Math.max(0, rest) };
}
