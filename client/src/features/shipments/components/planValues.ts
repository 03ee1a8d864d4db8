import {
  STANDARD_DOCUMENTS,
  type CreateShipmentRequest,
  type ShipmentDto,
  type UpdateShipmentRequest,
} from '@karavan/shared';
import { uuid } from '../../../lib/uuid';

/*
 * The planning form's values and the requests made from them (pure, so they are tested alone):
 * a new shipment sends everything; a change sends only what differs from the plan it started
 * from, so the server keeps the rest and re-estimates what depends on it.
 */

export interface Line {
  key: string;
  itemId: string | null;
  quantity: number | string;
  unit: string;
}

export interface Values {
  campaignId: string | null;
  originId: string | null;
  destinationId: string | null;
  route: string[];
  driverId: string | null;
  plate: string;
  kind: string;
  capacityKg: number | string;
  departure: string;
  arrival: string;
  routeHours: number | string;
  notes: string;
  lines: Line[];
  /** null: the default checklist from the items (planning only). */
  documents: string[] | null;
}

export const newLine = (): Line => ({ key: uuid(), itemId: null, quantity: '', unit: '' });
export const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);
/** An ISO time as the value of a datetime-local input, in the browser's time zone. */
export const toLocalInput = (iso: string | null) => {
  if (!iso) return '';
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
};

export function valuesOf(shipment: ShipmentDto | undefined): Values {
  if (!shipment) {
    return {
      campaignId: null,
      originId: null,
      destinationId: null,
      route: [],
      driverId: null,
      plate: '',
      kind: '',
      capacityKg: '',
      departure: '',
      arrival: '',
      routeHours: '',
      notes: '',
      lines: [newLine()],
      documents: null,
    };
  }
  return {
    campaignId: shipment.campaignId,
    originId: shipment.originId,
    destinationId: shipment.destinationId,
    route: shipment.route,
    driverId: shipment.driverId,
    plate: shipment.vehicle?.plate ?? '',
    kind: shipment.vehicle?.kind ?? '',
    capacityKg: shipment.vehicle?.capacityKg ?? '',
    departure: toLocalInput(shipment.plannedDepartureAt),
    arrival: '',
    routeHours: shipment.estimatedRouteHours ?? '',
    notes: shipment.notes ?? '',
    lines: shipment.lines.map((line) => ({ key: line.itemId, itemId: line.itemId, quantity: line.quantity, unit: '' })),
    documents: shipment.documents.map((document) => document.key),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

type BaseUnitOf = (itemId: string) => string | undefined;

export const vehicleOf = (v: Values) =>
  v.plate.trim()
    ? { plate: v.plate.trim(), kind: v.kind.trim(), capacityKg: v.capacityKg === '' ? null : Number(v.capacityKg) }
    : null;

/** The filled lines; a line in the item's base unit is sent without `unit`. */
export const linesOf = (v: Values, baseUnitOf: BaseUnitOf) =>
  v.lines
    .filter((line) => line.itemId)
    .map((line) => {
      const unit = line.unit && line.unit !== baseUnitOf(line.itemId!) ? line.unit : undefined;
      return { itemId: line.itemId!, quantity: Number(line.quantity), ...(unit ? { unit } : {}) };
    });

export function createBody(values: Values, baseUnitOf: BaseUnitOf): CreateShipmentRequest {
  const body: CreateShipmentRequest = {
    campaignId: values.campaignId!,
    originId: values.originId!,
    destinationId: values.destinationId!,
    route: values.route,
    driverId: values.driverId ?? null,
    vehicle: vehicleOf(values),
    plannedDepartureAt: toIso(values.departure) ?? null,
    lines: linesOf(values, baseUnitOf),
  };
  if (values.arrival) body.plannedArrivalAt = toIso(values.arrival);
  if (values.routeHours !== '') body.estimatedRouteHours = Number(values.routeHours);
  if (values.documents) body.documents = values.documents.map((documentKey) => ({ key: documentKey }));
  if (values.notes.trim()) body.notes = values.notes.trim();
  return body;
}

/**
 * Only what changed since `initial`. Hours on the road cleared: the route is sent as it is, without
 * hours, so the server estimates them again from the coordinates.
 */
export function changeBody(
  values: Values,
  initial: Values,
  shipment: Pick<ShipmentDto, 'documents'>,
  baseUnitOf: BaseUnitOf,
): UpdateShipmentRequest {
  const body: UpdateShipmentRequest = {};
  if (values.destinationId !== initial.destinationId) body.destinationId = values.destinationId!;
  if (!same(values.route, initial.route)) body.route = values.route;
  if (values.driverId !== initial.driverId) body.driverId = values.driverId ?? null;
  if (!same(vehicleOf(values), vehicleOf(initial))) body.vehicle = vehicleOf(values);
  if (values.departure !== initial.departure) body.plannedDepartureAt = toIso(values.departure) ?? null;
  if (values.arrival) body.plannedArrivalAt = toIso(values.arrival);
  else if (values.routeHours === '' && initial.routeHours !== '') body.route = values.route;
  else if (values.routeHours !== initial.routeHours) body.estimatedRouteHours = Number(values.routeHours);
  if (values.notes.trim() !== initial.notes.trim()) body.notes = values.notes.trim() || null;
  const lines = linesOf(values, baseUnitOf);
  if (!same(lines, linesOf(initial, baseUnitOf))) body.lines = lines;
  if (values.documents && !same(values.documents, initial.documents)) {
    body.documents = values.documents.map((key) => {
      const own = STANDARD_DOCUMENTS[key] ? undefined : shipment.documents.find((d) => d.key === key);
      return own ? { key, label: own.label } : { key };
    });
  }
  return body;
}
