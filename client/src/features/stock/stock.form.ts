import { MOVE_QUANTITY_MAX, TEXT_MAX, isWhole, textProblem, type ItemDto, type StockRowDto } from '@karavan/shared';
import type { Problems } from '../../ui/forms';

/** Expiring first: the earliest expiry on top, goods that do not spoil last. */
export function byExpiry(a: StockRowDto, b: StockRowDto): number {
  return (a.expiresAt ?? '9999').localeCompare(b.expiresAt ?? '9999') || a.lotId.localeCompare(b.lotId);
}

/** How many base units one of `unit` holds: a pack's size, 1 for the base unit (or an unknown item). */
export function unitSize(item: Pick<ItemDto, 'packs'> | undefined, unit: string): number {
  return item?.packs.find((pack) => pack.unit === unit)?.size ?? 1;
}

type Row = Pick<StockRowDto, 'onHand' | 'reserved'>;

export interface WriteOffValues {
  quantity: number | string;
  /** Base units in one unit the quantity is given in. */
  size: number;
  reason: string;
  note: string;
}

export type WriteOffField = 'quantity' | 'reason' | 'note';

export const WRITE_OFF_SERVER_FIELDS: Record<string, WriteOffField> = {
  'body.quantity': 'quantity',
  'body.unit': 'quantity',
  'body.reason': 'reason',
  'body.note': 'note',
};

/** A whole quantity, no more than is free (on hand, less what shipments reserved), a reason; "other" needs a note. */
export function validateWriteOff(row: Row, { quantity, size, reason, note }: WriteOffValues): Problems<WriteOffField> {
  const found: Problems<WriteOffField> = {};
  if (!isWhole(quantity, { max: MOVE_QUANTITY_MAX })) found.quantity = 'stock.errors.quantity';
  else if (Number(quantity) * size > row.onHand - row.reserved) found.quantity = 'stock.errors.moreThanAvailable';
  if (!reason) found.reason = 'wb.fieldErrors.required';
  if (reason === 'other' && !note.trim()) found.note = 'stock.errors.noteForOther';
  else if (textProblem(note, TEXT_MAX.note)) found.note = 'wb.fieldErrors.tooLong';
  return found;
}

export interface AdjustValues {
  counted: number | string;
  size: number;
  reason: string;
  note: string;
}

export type AdjustField = 'counted' | 'note';

export const ADJUST_SERVER_FIELDS: Record<string, AdjustField> = {
  'body.countedQuantity': 'counted',
  'body.unit': 'counted',
  'body.note': 'note',
};

/** A whole count, zero or more, never below what shipments reserved; "other" needs a note. */
export function validateAdjust(row: Row, { counted, size, reason, note }: AdjustValues): Problems<AdjustField> {
  const found: Problems<AdjustField> = {};
  if (!isWhole(counted, { min: 0, max: MOVE_QUANTITY_MAX })) found.counted = 'stock.errors.counted';
  else if (Number(counted) * size < row.reserved) found.counted = 'stock.errors.belowReserved';
  if (reason === 'other' && !note.trim()) found.note = 'stock.errors.noteForOther';
  else if (textProblem(note, TEXT_MAX.note)) found.note = 'wb.fieldErrors.tooLong';
  return found;
}

/**
 * What a write-off and a count share: the lot at its place, the unit only when it is not the
 * item's base unit, the note only when one was typed.
 */
export function lotChange(
  row: Pick<StockRowDto, 'locationId' | 'lotId'>,
  item: Pick<ItemDto, 'baseUnit'> | undefined,
  unit: string,
  note: string,
): { locationId: string; lotId: string; unit?: string; note?: string } {
  return {
    locationId: row.locationId,
    lotId: row.lotId,
    ...(item && unit !== item.baseUnit ? { unit } : {}),
    ...(note.trim() ? { note: note.trim() } : {}),
  };
}
