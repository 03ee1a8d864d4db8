import { STANDARD_DOCUMENTS, VETERINARY_CATEGORIES, type DocumentInput, type ItemDto } from '@karavan/shared';
import { ApiError } from '../../lib/errors';
import type { ShipmentDocument, ShipmentRecord } from '../shipments.model';

/*
 * The document checklist of a shipment. Pure.
 */

/** A waybill and a donation letter; a veterinary certificate when an item is of animal origin. */
export function defaultDocuments(items: Pick<ItemDto, 'category'>[]): DocumentInput[] {
  const docs: DocumentInput[] = [{ key: 'waybill' }, { key: 'donation_letter' }];
  if (items.some((i) => i.category && VETERINARY_CATEGORIES.includes(i.category.toLowerCase()))) {
    docs.push({ key: 'veterinary_certificate' });
  }
  return docs;
}

/** The checklist as asked, keeping the ticks (and labels) of documents it had before. */
export function toDocuments(input: DocumentInput[], previous: ShipmentDocument[] = []): ShipmentDocument[] {
  return input.map((d) => {
    const before = previous.find((p) => p.key === d.key);
    return {
      key: d.key,
      label: d.label ?? before?.label ?? STANDARD_DOCUMENTS[d.key]?.ru ?? d.key,
      checked: before?.checked ?? false,
      checkedAt: before?.checkedAt ?? null,
      checkedBy: before?.checkedBy ?? null,
    };
  });
}

/** The checklist with one document ticked or unticked (409 once the shipment is delivered or cancelled). */
export function tick(
  s: Pick<ShipmentRecord, 'status' | 'documents'>,
  key: string,
  checked: boolean,
  actorId: string,
  now: Date,
): ShipmentDocument[] {
  if (s.status === 'delivered' || s.status === 'cancelled') {
    throw new ApiError(409, 'CONFLICT', `The shipment is ${s.status}; its checklist is closed`);
  }
  return s.documents.map((d) =>
    d.key === key ? { ...d, checked, checkedAt: checked ? now : null, checkedBy: checked ? actorId : null } : d,
  );
}
