import type { ShipmentStatus, ShipmentUpdateDto } from './contracts';

/**
 * The message key that names a record of a shipment's history: its status, or, for a record that
 * is not a status change, what it is (a hand-over made, confirmed or called off; the receiver's
 * own confirmation).
 */
export function historyRecordKey(
  record: Pick<ShipmentUpdateDto, 'id' | 'status' | 'kind'>,
):
  | 'handovers.historyConfirmed'
  | 'handovers.historyCancelled'
  | 'handovers.historyCreated'
  | 'shipments.custody.kind.receipt'
  | `shipmentStatus.${ShipmentStatus}` {
  if (record.kind === 'handover') {
    if (record.id.endsWith(':confirm')) return 'handovers.historyConfirmed';
    if (record.id.endsWith(':cancel')) return 'handovers.historyCancelled';
    return 'handovers.historyCreated';
  }
  if (record.kind === 'receipt') return 'shipments.custody.kind.receipt';
  return `shipmentStatus.${record.status}`;
}
