/**
 * The stock component: the ledger engine and what is built on it. Other components (donations,
 * shipments) use only what is exported here.
 *
 * For shipments (see stock.service.ts), all with `actor` first, each one operation that applies
 * completely or not at all (409 CONFLICT with the missing quantities in `details`):
 * - `reserve(actor, { shipmentId, locationId, lines: [{ lotId, quantity }] })` reserved +q at the
 *   origin (never expired lots, never more than available = onHand - reserved);
 * - `release(...)` the reverse; `dispatch(...)` onHand and reserved down at the origin, inTransit up;
 * - `deliver(...)` inTransit down, delivered up (a distribution point);
 * - `transferIn(...)` inTransit down, onHand up at the destination (a warehouse, collection point);
 * - `writeOffInTransit(actor, { shipmentId, lines, reason })` inTransit down, writtenOff up;
 * - `run({ kind, actorId, movements })` several of these as one operation;
 * - `pickLotsFefo(locationId, campaignId, itemId, quantity)` lots to take, first-expired-first-out.
 */
export {
  createStockService,
  type StockService,
  type LotLinesInput,
  type StockOpResult,
  type FefoPick,
  stockRows,
  availableAt,
  type BalanceDoc,
} from './stock.service';
export {
  runStockOp,
  settleStockOp,
  repairStockOps,
  countPendingStockOps,
  OP_LEASE_MS,
  StockConflict,
  balanceId,
  totalId,
  effectOf,
  type MovementInput,
  type MovementDoc,
  type StockOpDoc,
} from './ledger';
export { ensureLot, getLots, lotExpiry, lotIdOf, isExpired, type LotInfo } from './lots';
export { reconcileStock } from './reconcile';
export { walkScope } from './ledger-index';
export { presentMovement, presentRow } from './stock.presenter';
export { stockRoutes } from './stock.routes';
