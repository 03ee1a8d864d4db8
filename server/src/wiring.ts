import { wireOperations } from './db/operations';
import { createDonationsService } from './donations';
import type { EventBus } from './lib/events';
import { releaseFulfilmentsOf } from './pledges';
import { createShipmentsService, LEGACY_CLAIMS } from './shipments';
import { createStockService } from './stock';

/**
 * The services whose writes run through the persistence kernel (db/operations.ts), built and
 * wired to it: their typed hooks and the live events of what the repair pass finishes. Used by app.ts and by the scripts and seeds that
 * build these services, so that a repair pass anywhere finishes operations the same way.
 */
export function createKernelServices(events: EventBus) {
  const stock = createStockService(events);
  // A void gives back what the donation fulfilled of pledges, inside its operation (a crash is repaired).
  const donations = createDonationsService(events, { onVoided: (id) => releaseFulfilmentsOf(id, events) });
  const shipments = createShipmentsService(events, stock);
  wireOperations({
    hooks: { ...donations.opHooks, ...shipments.opHooks },
    repaired: stock.onRepaired,
    claims: LEGACY_CLAIMS,
  });
  return { stock, donations, shipments };
}
