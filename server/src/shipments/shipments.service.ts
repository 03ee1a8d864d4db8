import { Types, type mongo } from 'mongoose';
import {
  roleHasRight,
  type CustodyDto,
  type CustodyExport,
  type ListShipmentsQuery,
  type Page,
  type ShipmentDocumentTickRequest,
  type ShipmentDto,
  type ShipmentPrivacyRequest,
  type ShipmentSummaryDto,
} from '@karavan/shared';
import { ApiError } from '../lib/errors';
import type { EventBus } from '../lib/events';
import type { Actor } from '../lib/route';
import type { StockService } from '../stock';
import { createShipmentsContext } from './context';
import { exportCustody, presentCustody } from './custody';
import { ACTIVE_STATUSES, tick } from './domain';
import { createPlanCommands } from './plan.commands';
import { shipments, type ShipmentRecord } from './shipments.model';
import { presentShipment } from './shipments.presenter';
import {
  createShipmentTexts,
  createSummaryRows,
  pageJson,
  parseRows,
  type ShipmentText,
  type SummaryPage,
} from './summaries';
import { createProofCommands } from './proof.commands';
import { createStatusCommands } from './status.commands';
import { createHandoverCommands } from './handover.commands';

/*
 * Shipments and their status updates.
 *
 * Every status change goes through `report` (POST /api/shipments/:id/updates). An update is kept
 * in `shipment_updates` under its client-made id first (a duplicate loses that insert and gets
 * the first answer). A change without stock (at_checkpoint, arrived, ...) is then one
 * compare-and-set of the shipment document. A change with stock (loading reserves, the first
 * departure dispatches, cancelling a loaded shipment releases, delivery delivers / transfers and
 * writes off) is ONE operation of the persistence kernel (db/operations.ts), so that a crash
 * anywhere is finished or undone by its repair pass:
 *   1. its claim: the shipment's `pending` names the update, the op id and what the shipment
 *      becomes (compare-and-set on `version`; no other change of the shipment while it is there);
 *   2. its stock steps and ledger movements (the commit point);
 *   3. the hook `shipments.update` applies `pending` to the shipment; an undone operation
 *      releases the claim (and, undone by the repair, forgets the update record).
 *
 * The rules are pure functions (domain/); the commands that read and write are in
 * plan.commands.ts (create, change the plan) and status.commands.ts (status updates), sharing
 * context.ts; intents.ts is what the kernel's repair pass and the idempotency engine need.
 */

export { settlePendingUpdateRecords, LEGACY_CLAIMS } from './intents';
export { ROAD_FACTOR, ROAD_SPEED_KMH, CHECKPOINT_HOURS } from './domain';

/** The shipments list's filters (the export's too: one definition). */
export type ShipmentsQuery = Pick<ListShipmentsQuery, 'driverId' | 'campaignId' | 'status' | 'active'>;

export function shipmentsFilter(query: ShipmentsQuery): mongo.Filter<ShipmentRecord> {
  const filter: mongo.Filter<ShipmentRecord> = {};
  if (query.driverId) filter.driverId = query.driverId;
  if (query.campaignId) filter.campaignId = query.campaignId;
  const statuses = query.status?.length ? query.status : null;
  if (statuses && query.active) filter.status = { $in: statuses.filter((st) => ACTIVE_STATUSES.includes(st)) };
  else if (statuses) filter.status = { $in: statuses };
  else if (query.active) filter.status = { $in: ACTIVE_STATUSES };
  else if (query.active === false) filter.status = { $in: ['delivered', 'cancelled'] };
  return filter;
}

/** Every shipment the list selects (without history), in the order they were planned, as a cursor (exports). */
export const streamShipments = (query: ShipmentsQuery): AsyncIterable<ShipmentRecord> =>
  shipments().find(shipmentsFilter(query), { projection: { history: 0, pending: 0 } });

/** A campaign's delivered shipments: their lines, delivery time and proof of delivery (the campaign summary), in delivery order. */
export const deliveredShipments = (campaignId: string) =>
  shipments()
    .find(
      { campaignId, status: 'delivered' },
      { projection: { lines: 1, deliveredAt: 1, receivedBy: 1, receiver: 1, photos: 1, receipt: 1 } },
    )
    .sort({ deliveredAt: 1 })
    .toArray() as Promise<
    Pick<ShipmentRecord, '_id' | 'lines' | 'deliveredAt' | 'receivedBy' | 'receiver' | 'photos' | 'receipt'>[]
  >;

export function createShipmentsService(events: EventBus, stock: StockService) {
  const ctx = createShipmentsContext(events, stock);
  const { canManage, canReadAny, isDriverOf, isPendingTaker, findReadable, mayRead, publish, modify, opHooks } = ctx;
  const { create, update } = createPlanCommands(ctx);
  const { report } = createStatusCommands(ctx);
  const handovers = createHandoverCommands(ctx);
  const { addPhoto, photo, confirmReceipt } = createProofCommands(ctx);

  const summaries = createSummaryRows();
  const texts = createShipmentTexts();

  async function listed(actor: Actor, query: ListShipmentsQuery): Promise<SummaryPage> {
    const own = !canReadAny(actor);
    if (own) {
      if (!roleHasRight(actor.role, 'shipments:drive')) throw ApiError.forbidden();
      if (query.driverId && query.driverId !== actor.id) return { rows: [], total: 0 };
    }
    return summaries.page(shipmentsFilter(own ? { ...query, driverId: actor.id } : query), query.offset, query.limit);
  }

  return {
    create,

    /** Shipments, newest first; a driver without shipments:read:any sees only their own. */
    async list(actor: Actor, query: ListShipmentsQuery): Promise<Page<ShipmentSummaryDto>> {
      const page = await listed(actor, query);
      return { items: parseRows(page), total: page.total, limit: query.limit, offset: query.offset };
    },

    /** The same page as the JSON text of `Page<ShipmentSummaryDto>` (the route's answer, rows kept as text). */
    async listJson(actor: Actor, query: ListShipmentsQuery): Promise<string> {
      return pageJson(await listed(actor, query), query.limit, query.offset);
    },

    /** One shipment with manifest and history; a driver reads only their own (403). */
    async get(actor: Actor, id: string): Promise<ShipmentDto> {
      return presentShipment(await findReadable(actor, id));
    },

    /** The same as JSON with its ETag (the route's answer, kept by version: summaries.ts). */
    async getText(actor: Actor, id: string): Promise<ShipmentText> {
      if (!Types.ObjectId.isValid(id)) throw ApiError.notFound('Shipment');
      return texts.text(new Types.ObjectId(id), (s) => mayRead(actor, s));
    },

    update,

    /** Privacy mode: while on, positions are kept only at checkpoints, arrival and delivery. */
    async setPrivacy(actor: Actor, id: string, input: ShipmentPrivacyRequest): Promise<ShipmentDto> {
      const s = await findReadable(actor, id);
      if (!canManage(actor) && !isDriverOf(actor, s)) throw ApiError.forbidden('This shipment is not assigned to you');
      const updated = await modify(id, () => ({ privacyMode: input.privacyMode }));
      publish(updated, null);
      return presentShipment(updated);
    },

    /** Ticks (or unticks) a document of the checklist: the assigned driver or a coordinator. */
    async tickDocument(
      actor: Actor,
      id: string,
      key: string,
      input: ShipmentDocumentTickRequest,
    ): Promise<ShipmentDto> {
      const s = await findReadable(actor, id);
      if (!canManage(actor) && !isDriverOf(actor, s)) throw ApiError.forbidden('This shipment is not assigned to you');
      if (!(s.documents ?? []).some((d) => d.key === key)) throw ApiError.notFound(`Document ${key} of this shipment`);
      const updated = await modify(id, (current) => ({
        documents: tick(current, key, input.checked, actor.id, new Date()),
      }));
      publish(updated, null);
      return presentShipment(updated);
    },

    report,
    addPhoto,
    photo,
    confirmReceipt,
    opHooks,
    createHandover: handovers.create,
    confirmHandover: handovers.confirm,
    cancelHandover: handovers.cancel,
    incomingHandovers: handovers.incoming,
    handoverTakers: handovers.takers,

    /** The chain of custody: whether it is intact and who signed what (who may read the shipment). */
    async custody(actor: Actor, id: string): Promise<CustodyDto> {
      return presentCustody(await findReadable(actor, id));
    },

    /** The custody as a file to check offline (`npm run verify-custody`). */
    async custodyFile(actor: Actor, id: string): Promise<CustodyExport> {
      return exportCustody(await findReadable(actor, id));
    },

    /** Whether the actor may watch `shipment:<id>`: it exists, and they read any shipment or drive it. */
    async mayWatch(actor: Actor, id: string): Promise<boolean> {
      if (!Types.ObjectId.isValid(id)) return false;
      const s = await shipments().findOne(
        { _id: new Types.ObjectId(id) },
        { projection: { driverId: 1, handoverPendingTo: 1 } },
      );
      return Boolean(s && (canReadAny(actor) || isDriverOf(actor, s) || isPendingTaker(actor, s)));
    },
  };
}

export type ShipmentsService = ReturnType<typeof createShipmentsService>;
