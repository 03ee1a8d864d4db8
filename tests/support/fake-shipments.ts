import type { BrowserContext, Route } from 'playwright-core';

/*
 * A stand-in for the shipments routes the driver's screens call, until server/src/shipments is
 * written: one shipment from Bishkek to Almaty through Kordai, the state machine of DOMAIN.md,
 * `{ applied, shipment }` answers, an update id counted once. Replace it with shipments made
 * through the API when the component lands.
 */

export const SHIPMENT = 'a1b2c3d4e5f6a1b2c3d4e5f6';
const ORIGIN = 'aaaaaaaaaaaaaaaaaaaaaaa1';
const DESTINATION = 'aaaaaaaaaaaaaaaaaaaaaaa2';
export const KORDAI = 'aaaaaaaaaaaaaaaaaaaaaaa3';
export const BREAD = 'bbbbbbbbbbbbbbbbbbbbbbb1';
export const MILK = 'bbbbbbbbbbbbbbbbbbbbbbb2';

interface Received {
  key: string | undefined;
  body: {
    id: string;
    status: string;
    at: string;
    checkpointId?: string;
    position?: unknown;
    note?: string;
    lines?: unknown;
    receivedBy?: string;
  };
}

const NEXT: Record<string, string[]> = {
  loading: ['departed', 'cancelled'],
  departed: ['at_checkpoint', 'arrived'],
  at_checkpoint: ['departed'],
  arrived: ['delivered'],
};

/** One shipment as the server would keep it, answering the routes the driver's screens call. */
export async function fakeShipments(context: BrowserContext) {
  const received: Received[] = [];
  const history: (Received['body'] & { receivedAt: string; applied: boolean })[] = [];
  const documents: Record<string, boolean> = {};
  let privacyMode = false;
  const other: { method: string; path: string; body: unknown }[] = [];
  const shipment = () => ({
    id: SHIPMENT,
    campaignId: 'cccccccccccccccccccccccc',
    originId: ORIGIN,
    destinationId: DESTINATION,
    origin: { id: ORIGIN, name: 'Бишкек, склад' },
    destination: { id: DESTINATION, name: 'Алматы, пункт раздачи' },
    places: [{ id: KORDAI, name: 'Кордай' }],
    route: [KORDAI],
    driverId: 'driver',
    vehicle: { plate: '01 KG 123 ABC', kind: 'Камаз' },
    plannedDepartureAt: '2026-11-26T06:00:00.000Z',
    lines: [
      { itemId: BREAD, quantity: 600, item: { name: { ru: 'Хлеб', en: 'Bread' }, baseUnit: 'loaf' } },
      { itemId: MILK, quantity: 240, item: { name: { ru: 'Молоко', en: 'Milk' }, baseUnit: 'litre' } },
    ],
    documents: [{ key: 'waybill', label: 'Товарно-транспортная накладная', checked: documents.waybill ?? false }],
    privacyMode,
    checkpoints: history
      .filter((update) => update.status === 'at_checkpoint')
      .map((update) => ({
        locationId: update.checkpointId ?? KORDAI,
        arrivedAt: update.at,
        departedAt: null,
        waitMinutes: null,
      })),
    status: [...history].reverse().find((update) => update.applied)?.status ?? 'loading',
    history,
    lastHeardAt: history.at(-1)?.receivedAt ?? null,
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.000Z',
  });
  const json = (route: Route, status: number, body: unknown) =>
    route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });

  await context.route(/\/api\/shipments(\/.*)?(\?.*)?$/, async (route) => {
    const request = route.request();
    const path = new URL(request.url()).pathname;
    if (request.method() === 'GET' && path === '/api/shipments') {
      return json(route, 200, { items: [shipment()], total: 1, limit: 100, offset: 0 });
    }
    if (request.method() === 'GET' && path === `/api/shipments/${SHIPMENT}`) return json(route, 200, shipment());
    if (request.method() === 'POST' && path === `/api/shipments/${SHIPMENT}/updates`) {
      const body = request.postDataJSON() as Received['body'];
      received.push({ key: request.headers()['idempotency-key'], body });
      const first = history.find((update) => update.id === body.id);
      if (first) return json(route, 200, { applied: first.applied, shipment: shipment() });
      const allowed = NEXT[shipment().status] ?? [];
      if (!allowed.includes(body.status)) {
        return json(route, 409, { code: 'CONFLICT', message: 'transition', details: [], requestId: 'x' });
      }
      history.push({ ...body, receivedAt: new Date().toISOString(), applied: true });
      return json(route, 201, { applied: true, shipment: shipment() });
    }
    if (request.method() === 'PATCH' && path === `/api/shipments/${SHIPMENT}/privacy`) {
      const body = request.postDataJSON() as { privacyMode: boolean };
      other.push({ method: 'PATCH', path, body });
      privacyMode = body.privacyMode;
      return json(route, 200, shipment());
    }
    const document = path.match(new RegExp(`^/api/shipments/${SHIPMENT}/documents/([a-z_]+)$`));
    if (request.method() === 'POST' && document?.[1]) {
      const body = request.postDataJSON() as { checked: boolean };
      other.push({ method: 'POST', path, body });
      documents[document[1]] = body.checked;
      return json(route, 200, shipment());
    }
    return json(route, 404, { code: 'NOT_FOUND', message: 'not found', requestId: 'x' });
  });
  return { received, history, other };
}
