import { Types } from 'mongoose';
import {
  type CreateShipmentRequest,
  type ErrorDetail,
  type LocationDto,
  type ShipmentDto,
  type UpdateShipmentRequest,
} from '@karavan/shared';
import { getCampaign } from '../campaigns';
import { madeBefore } from '../db/operations';
import { retrying, RETRY } from '../db/retry';
import { findItems } from '../items';
import { ApiError } from '../lib/errors';
import type { Actor } from '../lib/route';
import { findLocations } from '../locations';
import { StockConflict, type MovementInput } from '../stock';
import type { ShipmentsContext } from './context';
import {
  addLots,
  assertOneRouteTime,
  capacityWarnings,
  defaultDocuments,
  estimateRouteHours,
  expiryWarnings,
  hoursUntilArrival,
  loadKg,
  reservationDelta,
  shrinkLots,
  toDocuments,
  unprocessable,
} from './domain';
import { shipments, type LotLine, type ShipmentLine, type ShipmentRecord } from './shipments.model';
import { estimatedArrival, presentShipment } from './shipments.presenter';

/*
 * Planning: a shipment created (`planned`, nothing reserved), and its plan changed before
 * departure, a loading shipment's reservation moved with its lines as one kernel operation.
 */
export function createPlanCommands(ctx: ShipmentsContext) {
  const { stock, find, publish, casUpdate, withIntent, resolveDriver, resolveRoute, resolveLines, namesOf } = ctx;

  /**
   * New lines of a loading shipment with their lots: an unchanged line keeps its lots; a line that
   * grows keeps them and takes the rest first-expired-first-out; a line that shrinks gives back
   * from its latest-expiring lots first; a new line is picked FEFO. The movements reserve or
   * release the difference per lot; not enough stock is a 409 with what is missing per item.
   */
  async function reloadLines(s: ShipmentRecord, wanted: ShipmentLine[]) {
    const missing: ErrorDetail[] = [];
    const lines: ShipmentLine[] = [];
    for (const line of wanted) {
      const before = s.lines.find((l) => l.itemId === line.itemId);
      const kept = (before?.lots ?? []).map((lot) => ({ ...lot }));
      const had = kept.reduce((n, lot) => n + lot.quantity, 0);
      let lots: LotLine[] = kept;
      if (line.quantity > had) {
        const pick = await stock.pickLotsFefo(s.originId, s.campaignId, line.itemId, line.quantity - had);
        if (pick.missing > 0) {
          missing.push({
            path: `lines.${line.itemId}`,
            message: `item ${line.itemId}: needs ${line.quantity - had} more, available ${line.quantity - had - pick.missing}, missing ${pick.missing}`,
            type: 'insufficient',
          });
          continue;
        }
        lots = addLots(
          lots,
          pick.lines.map((p) => ({
            lotId: p.lotId,
            quantity: p.quantity,
            expiresAt: p.expiresAt ? new Date(p.expiresAt) : null,
          })),
        );
      } else if (line.quantity < had) lots = shrinkLots(lots, had - line.quantity);
      lines.push({ ...line, lots });
    }
    if (missing.length > 0) throw new ApiError(409, 'CONFLICT', 'Not enough stock at the origin', missing);

    const shipmentId = s._id.toHexString();
    const { reserve, release } = reservationDelta(s.lines, lines);
    const movements: MovementInput[] = [
      ...(release.length
        ? await stock.lotMovements('released', -1, { shipmentId, locationId: s.originId, lines: release }, s.originId)
        : []),
      ...(reserve.length
        ? await stock.lotMovements('reserved', 1, { shipmentId, locationId: s.originId, lines: reserve }, s.originId)
        : []),
    ];
    return { lines, movements };
  }

  return {
    /** Plans a shipment: status `planned`, nothing reserved yet. */
    async create(actor: Actor, input: CreateShipmentRequest, options: { id?: string } = {}): Promise<ShipmentDto> {
      const made = await madeBefore(options.id, (id) => shipments().findOne({ _id: new Types.ObjectId(id) }));
      if (made) return presentShipment(made);
      assertOneRouteTime(input);
      const campaign = await getCampaign(input.campaignId).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) {
          throw unprocessable('No such campaign', [
            { path: 'body.campaignId', message: 'no such campaign', type: 'reference' },
          ]);
        }
        throw err;
      });
      if (campaign.status === 'closed') {
        throw unprocessable('The campaign is closed', [
          { path: 'body.campaignId', message: 'the campaign is closed', type: 'state' },
        ]);
      }
      const places = await findLocations([input.originId, input.destinationId]);
      const origin = places.get(input.originId);
      const destination = places.get(input.destinationId);
      const details: ErrorDetail[] = [];
      if (!origin) details.push({ path: 'body.originId', message: 'no such location', type: 'reference' });
      else if (origin.kind === 'checkpoint')
        details.push({ path: 'body.originId', message: 'a checkpoint holds no stock', type: 'reference' });
      if (!destination) details.push({ path: 'body.destinationId', message: 'no such location', type: 'reference' });
      else if (destination.kind === 'checkpoint')
        details.push({ path: 'body.destinationId', message: 'a checkpoint is not a destination', type: 'reference' });
      if (input.originId === input.destinationId)
        details.push({ path: 'body.destinationId', message: 'must differ from the origin', type: 'reference' });
      if (details.length > 0) throw unprocessable('Origin and destination must be places that hold stock', details);
      const route = await resolveRoute(input.route ?? []);
      const driverId = await resolveDriver(input.driverId, 'body.driverId');
      const { lines, items } = await resolveLines(input.lines);
      const vehicle = input.vehicle
        ? { plate: input.vehicle.plate, kind: input.vehicle.kind, capacityKg: input.vehicle.capacityKg ?? null }
        : null;
      const now = new Date();
      const record: ShipmentRecord = {
        _id: new Types.ObjectId(options.id),
        campaignId: input.campaignId,
        originId: input.originId,
        destinationId: input.destinationId,
        destinationKind: destination!.kind,
        driverId,
        vehicle,
        plannedDepartureAt: input.plannedDepartureAt ? new Date(input.plannedDepartureAt) : null,
        estimatedRouteHours: input.plannedArrivalAt
          ? hoursUntilArrival(
              input.plannedDepartureAt ? new Date(input.plannedDepartureAt) : null,
              input.plannedArrivalAt,
            )
          : (input.estimatedRouteHours ?? estimateRouteHours([origin!, ...route, destination!])),
        route: route.map((r) => r.id),
        names: namesOf([origin!, destination!, ...route], items),
        status: 'planned',
        privacyMode: false,
        lines,
        documents: toDocuments(input.documents ?? defaultDocuments([...items.values()])),
        warnings: capacityWarnings(lines, items, vehicle),
        loadKg: loadKg(lines, items),
        history: [],
        lastHeardAt: null,
        lastPosition: null,
        lastStatusAt: null,
        departedAt: null,
        arrivedAt: null,
        deliveredAt: null,
        cancelledAt: null,
        receivedBy: null,
        notes: input.notes ? input.notes : null,
        pending: null,
        version: 0,
        createdBy: actor.id,
        createdAt: now,
        updatedAt: now,
      };
      await shipments().insertOne(record);
      publish(record, null);
      return presentShipment(record);
    },

    /**
     * Changes the plan before departure (planned or loading; 409 after): destination, route,
     * driver, vehicle, times, documents, notes and lines. New lines of a loading shipment move its
     * reservation (see `reloadLines`) through the intent and the stock op, like loading itself.
     */
    async update(actor: Actor, id: string, patch: UpdateShipmentRequest): Promise<ShipmentDto> {
      assertOneRouteTime(patch);
      const items = patch.lines ? await resolveLines(patch.lines) : null;
      const driverId = patch.driverId !== undefined ? await resolveDriver(patch.driverId, 'body.driverId') : undefined;
      const route = patch.route ? await resolveRoute(patch.route) : null;
      let destination: LocationDto | null = null;
      if (patch.destinationId) {
        destination = (await findLocations([patch.destinationId])).get(patch.destinationId) ?? null;
        if (!destination || destination.kind === 'checkpoint') {
          throw unprocessable('The destination must be a place that holds stock', [
            {
              path: 'body.destinationId',
              message: destination ? 'a checkpoint is not a destination' : 'no such location',
              type: 'reference',
            },
          ]);
        }
      }
      const written = await retrying(
        async () => {
          const s = await find(id);
          if (s.pending) return RETRY;
          if (s.status !== 'planned' && s.status !== 'loading') {
            throw new ApiError(409, 'CONFLICT', `A shipment that is ${s.status} can no longer be changed`);
          }
          if (destination && destination.id === s.originId) {
            throw unprocessable('The destination must differ from the origin', [
              { path: 'body.destinationId', message: 'must differ from the origin', type: 'reference' },
            ]);
          }
          const set: Record<string, unknown> = {};
          if (driverId !== undefined) set.driverId = driverId;
          if (patch.notes !== undefined) set.notes = patch.notes ? patch.notes : null;
          if (patch.vehicle !== undefined) {
            set.vehicle = patch.vehicle
              ? { plate: patch.vehicle.plate, kind: patch.vehicle.kind, capacityKg: patch.vehicle.capacityKg ?? null }
              : null;
          }
          if (patch.plannedDepartureAt !== undefined)
            set.plannedDepartureAt = patch.plannedDepartureAt ? new Date(patch.plannedDepartureAt) : null;
          if (patch.documents) set.documents = toDocuments(patch.documents, s.documents);
          if (destination) {
            set.destinationId = destination.id;
            set.destinationKind = destination.kind;
          }
          const routeIds = route ? route.map((r) => r.id) : s.route;
          if (route) set.route = routeIds;
          const destinationId = destination?.id ?? s.destinationId;
          const placesChanged = Boolean(route || destination);
          const places = placesChanged || items ? await findLocations([s.originId, destinationId, ...routeIds]) : null;
          const stops = placesChanged
            ? [s.originId, ...routeIds, destinationId].map((p) => places!.get(p)).filter((p): p is LocationDto => !!p)
            : null;
          if (places) {
            const named = items?.items ?? (await findItems(s.lines.map((l) => l.itemId)));
            set.names = namesOf([...places.values()], named);
          }
          if (patch.plannedArrivalAt) {
            const departure =
              set.plannedDepartureAt !== undefined ? (set.plannedDepartureAt as Date | null) : s.plannedDepartureAt;
            set.estimatedRouteHours = hoursUntilArrival(departure, patch.plannedArrivalAt);
          } else if (patch.estimatedRouteHours !== undefined) set.estimatedRouteHours = patch.estimatedRouteHours;
          else if (stops) set.estimatedRouteHours = estimateRouteHours(stops) ?? s.estimatedRouteHours;

          let movements: MovementInput[] = [];
          let lines = s.lines;
          if (items && s.status === 'loading') {
            ({ lines, movements } = await reloadLines(s, items.lines));
            set.lines = lines;
          } else if (items) {
            lines = items.lines;
            set.lines = lines;
          }
          const vehicle = set.vehicle !== undefined ? (set.vehicle as ShipmentRecord['vehicle']) : s.vehicle;
          const weights = await findItems(lines.map((l) => l.itemId));
          set.warnings = [
            ...expiryWarnings(lines, estimatedArrival({ ...s, ...set } as ShipmentRecord, new Date())),
            ...capacityWarnings(lines, weights, vehicle),
          ];
          set.loadKg = loadKg(lines, weights);

          if (movements.length === 0) return (await casUpdate(s, set)) ?? RETRY;
          const claimed = await withIntent(
            s,
            `plan-${new Types.ObjectId().toHexString()}`,
            s.status,
            null,
            { set: { ...set, updatedAt: new Date() }, kind: 'shipment_replan', movements },
            actor.id,
          );
          return claimed ? find(id) : RETRY;
        },
        {
          message: 'The shipment kept changing; retry',
          // Somebody reserved the same lots between the pick and the reservation: pick again.
          retryOn: (err) => err instanceof StockConflict,
        },
      );
      publish(written, null);
      return presentShipment(written);
    },
  };
}
