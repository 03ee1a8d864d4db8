/**
 * Shipments: planning, the status-update route that is the one way a shipment changes state
 * (stock through the ledger engine, crash-safe with an intent and the engine's hook), the
 * document checklist and the driver's privacy mode.
 */
export {
  createShipmentsService,
  settlePendingUpdateRecords,
  shipmentsFilter,
  streamShipments,
  deliveredShipments,
  LEGACY_CLAIMS,
  type ShipmentsService,
} from './shipments.service';
export { shipmentsRoutes } from './shipments.routes';
export { presentShipment, presentShipmentSummary, presentUpdate } from './shipments.presenter';
export { HISTORY_KEPT } from './shipments.model';
export { PHOTO_MAX_BYTES, PHOTO_TYPES, type PhotoUpload } from './proof.commands';
