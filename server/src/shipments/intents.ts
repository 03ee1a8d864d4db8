import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { settlePendingRecords } from '../db/idempotency';
import { trimHistory } from './domain';
import { shipments, updates, type UpdateRecord } from './shipments.model';

/*
 * What the persistence kernel and the idempotency engine need to know about a shipment's kernel
 * operation and its update record (module level: the repair pass at start-up uses them too).
 */

/** The hook of the shipments' kernel operations (see the top of shipments.service.ts). */
export const HOOK = 'shipments.update' as const;
/** A pending update record older than this, with no trace on the shipment, died half-way. */
export const RECORD_STALE_MS = 30 * 1000;
/** How long a duplicate waits for its first copy to be answered. */
export const DUPLICATE_WAIT_MS = 10_000;

/** The kernel operation id of an update: the same for every copy of it. */
export const opIdFor = (updateId: string) =>
  createHash('sha256').update(`shipment-update:${updateId}`).digest('hex').slice(0, 24);

/** Applies a shipment's pending change (the stock op is applied). Idempotent. */
export async function applyPending(shipmentId: string, updateId: string): Promise<void> {
  const _id = new Types.ObjectId(shipmentId);
  const s = await shipments().findOne({ _id });
  if (s?.pending && s.pending.updateId === updateId) {
    const pending = s.pending;
    await shipments().updateOne(
      { _id, 'pending.updateId': updateId },
      {
        $set: {
          ...pending.set,
          history: pending.entry ? trimHistory([...(s.history ?? []), pending.entry]) : (s.history ?? []),
          pending: null,
          updatedAt: new Date(),
        },
        $inc: { version: 1 },
      },
    );
  }
  await updates().updateOne({ _id: updateId, state: 'pending' }, { $set: { state: 'done', applied: true } });
}

/** The claims an older version wrote before its operation's intent (see repairOrphanClaims). */
export const LEGACY_CLAIMS = [
  {
    coll: 'shipments',
    field: 'pending',
    hook: 'shipments.update' as const,
    data: (doc: { _id: unknown; pending?: { updateId?: string } | null }) => ({
      shipmentId: String(doc._id),
      updateId: doc.pending?.updateId ?? '',
    }),
  },
];

/**
 * How the idempotency engine tells where a pending update record stands: its work is done when
 * its entry is in the shipment's history (only the record was left to write); it may still run
 * while the shipment's pending change (its kernel operation) names it.
 */
export const updateRecordRules = {
  async finishedWork(record: UpdateRecord): Promise<Partial<UpdateRecord> | null> {
    const s = await shipmentOf(record);
    const entry = (s?.history ?? []).find((e) => e.id === record._id);
    return entry ? { applied: entry.applied } : null;
  },
  async mayStillRun(record: UpdateRecord): Promise<boolean> {
    return (await shipmentOf(record))?.pending?.updateId === record._id;
  },
};
const shipmentOf = (record: UpdateRecord) =>
  Types.ObjectId.isValid(record.shipmentId)
    ? shipments().findOne({ _id: new Types.ObjectId(record.shipmentId) })
    : null;

/**
 * Settles the status-update records a dead process left pending (start-up of a single process,
 * after the kernel's repair pass): see settlePendingRecords.
 */
export const settlePendingUpdateRecords = () => settlePendingRecords(updates(), updateRecordRules);
