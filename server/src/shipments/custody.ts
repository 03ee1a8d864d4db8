import { createHash } from 'node:crypto';
import {
  chainHashInput,
  type CustodyDto,
  type CustodyExport,
  type CustodyRecordContent,
  type CustodyRecordDto,
  type CustodyRecordKind,
} from '@karavan/shared';
import { findDevices } from '../devices';
import { HISTORY_KEPT, type HistoryEntry, type ShipmentRecord } from './shipments.model';

/*
 * The chain of custody of a shipment: its history entries (status updates and deliveries) form a
 * hash chain. Each entry stores `prevHash` (the hash of the entry before it; null for the first)
 * and `hash` = SHA-256 of chainHashInput(content, prevHash) (shared/src/custody.ts); the shipment
 * keeps the head (`chainHead`). The head moves in the same compare-and-set of the shipment's
 * `version` as the history (context.ts casUpdate; for a change with stock, in the pending change
 * its kernel operation applies), so concurrent updates and crashes never fork or break it.
 * Entries made before the chain existed have no hash: the chain starts after them.
 */

const iso = (d: Date | string) => new Date(d).toISOString();

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const kindOf = (e: HistoryEntry): CustodyRecordKind =>
  e.kind === 'handover' || e.kind === 'receipt' ? e.kind : e.status === 'delivered' ? 'delivery' : 'status';

/** What an entry's hash covers (see CustodyRecordContent). */
export function contentOf(shipmentId: string, e: HistoryEntry): CustodyRecordContent {
  return {
    kind: kindOf(e),
    shipmentId,
    id: e.id,
    status: e.status,
    at: iso(e.at),
    receivedAt: iso(e.receivedAt),
    position: e.position
      ? {
          lat: e.position.lat,
          lng: e.position.lng,
          ...(typeof e.position.accuracyM === 'number' ? { accuracyM: e.position.accuracyM } : {}),
        }
      : null,
    note: e.note ?? null,
    checkpointId: e.checkpointId ?? null,
    actorId: e.actorId,
    actorRole: e.actorRole,
    applied: e.applied,
    receivedBy: e.receivedBy ?? null,
    lines: e.lines
      ? e.lines.map((l) => ({ itemId: l.itemId, received: l.received, ...(l.reason ? { reason: l.reason } : {}) }))
      : null,
    // Only when present, so the hashes of records made before these fields stay as they were.
    ...(e.labels && e.labels.length > 0 ? { labels: [...e.labels] } : {}),
    ...(e.receiver
      ? {
          receiver: {
            name: e.receiver.name,
            signature: e.receiver.signature ?? null,
            userId: e.receiver.userId ?? null,
          },
        }
      : {}),
    deviceId: e.deviceId ?? null,
    signature: e.signature ?? null,
    sent: e.sent ?? null,
    verified: e.verified === true,
    ...(e.kind === 'handover' && e.handover ? { handover: e.handover } : {}),
  };
}

export const hashOf = (content: CustodyRecordContent, prevHash: string | null) =>
  sha256Hex(chainHashInput(content, prevHash));

/**
 * The entry as the next link of the shipment's chain (after `s.chainHead`), and the fields the
 * same compare-and-set writes: the new head and, when the history is about to be trimmed, the
 * hash the first entry kept links to.
 */
export function chained(
  s: Pick<ShipmentRecord, '_id' | 'chainHead' | 'chainBase' | 'history'>,
  entry: HistoryEntry,
): { entry: HistoryEntry; set: Record<string, unknown> } {
  const prevHash = s.chainHead ?? null;
  const linked: HistoryEntry = { ...entry, prevHash };
  linked.hash = hashOf(contentOf(s._id.toHexString(), linked), prevHash);
  const set: Record<string, unknown> = { chainHead: linked.hash };
  const history = [...(s.history ?? []), linked];
  if (history.length > HISTORY_KEPT) {
    const firstKept = history[history.length - HISTORY_KEPT]!;
    set.chainBase = firstKept.hash ? (firstKept.prevHash ?? null) : (s.chainBase ?? null);
  }
  return { entry: linked, set };
}

const recordOf = (e: HistoryEntry): CustodyRecordDto => ({
  kind: kindOf(e),
  id: e.id,
  at: iso(e.at),
  hash: e.hash ?? null,
  prevHash: e.hash ? (e.prevHash ?? null) : null,
  ...(e.deviceId ? { deviceId: e.deviceId } : {}),
  verified: e.verified === true,
});

/**
 * Whether the chain is intact: records without a hash only before the first chained one; each
 * chained record's hash right and linked to the one before (the first to `chainBase`, null
 * unless trimmed); the last one the shipment's head.
 */
export function chainIntact(s: ShipmentRecord): boolean {
  const id = s._id.toHexString();
  let prev: string | null = s.chainBase ?? null;
  let started = false;
  for (const e of s.history ?? []) {
    if (!e.hash) {
      if (started) return false;
      continue;
    }
    started = true;
    if ((e.prevHash ?? null) !== prev) return false;
    if (hashOf(contentOf(id, e), prev) !== e.hash) return false;
    prev = e.hash;
  }
  return prev === (s.chainHead ?? null);
}

export function presentCustody(s: ShipmentRecord): CustodyDto {
  return {
    shipmentId: s._id.toHexString(),
    intact: chainIntact(s),
    head: s.chainHead ?? null,
    records: (s.history ?? []).map(recordOf),
  };
}

/** The downloadable file: the records with their content and the signing devices' public keys. */
export async function exportCustody(s: ShipmentRecord, now = new Date()): Promise<CustodyExport> {
  const id = s._id.toHexString();
  const history = s.history ?? [];
  const found = await findDevices(history.map((e) => e.deviceId).filter((d): d is string => Boolean(d)));
  return {
    format: 'karavan-custody/1',
    shipmentId: id,
    exportedAt: now.toISOString(),
    head: s.chainHead ?? null,
    base: s.chainBase ?? null,
    records: history.map((e) => ({ ...recordOf(e), content: e.hash ? contentOf(id, e) : null })),
    devices: Object.fromEntries(
      [...found].map(([deviceId, d]) => [
        deviceId,
        { userId: d.userId, publicKey: d.publicKey, revokedAt: d.revokedAt },
      ]),
    ),
  };
}
