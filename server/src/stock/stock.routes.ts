import {
  adjustmentBody,
  campaignProgressSchema,
  expiredWriteOffBody,
  expiredWriteOffSchema,
  type ExpiredWriteOffRequest,
  idParams,
  listMovementsQuery,
  listStockQuery,
  movementSchema,
  pageSchema,
  reconcileQuery,
  reconcileReportSchema,
  stockChangeSchema,
  stockRowSchema,
  writeOffBody,
  type AdjustmentRequest,
  type ListMovementsQuery,
  type ListStockQuery,
  type ReconcileRequest,
  type WriteOffRequest,
} from '@karavan/shared';
import { getCampaign } from '../campaigns';
import { currentSeq } from '../realtime/event-log';
import { idempotentId } from '../lib/idempotency';
import { defineRoute, type RouteSpec } from '../lib/route';
import { reconcileStock } from './reconcile';
import type { StockService } from './stock.service';

const change = { description: 'The movement written and the balance after it', schema: stockChangeSchema };

export function stockRoutes(stock: StockService): RouteSpec[] {
  return [
    defineRoute<undefined, ListStockQuery>({
      method: 'get',
      path: '/api/stock',
      tag: 'stock',
      summary: 'Stock on hand and reserved per location, item and lot',
      description:
        'Soonest expiry first. `expiringWithinHours` keeps lots expiring within that many hours (expired ones included, flagged `expired`). `expired=true` keeps only lots past their expiry (what waits to be written off), `expired=false` only usable ones. Rows with nothing on hand are left out unless `includeEmpty=true`.',
      access: 'stock:read',
      query: listStockQuery,
      responses: { 200: { description: 'A page of stock rows', schema: pageSchema(stockRowSchema, 'StockRowPage') } },
      async handler({ actor, query }) {
        return { status: 200, body: await stock.listStock(actor!, query) };
      },
    }),
    defineRoute<WriteOffRequest>({
      method: 'post',
      path: '/api/stock/write-offs',
      tag: 'stock',
      summary: 'Write off goods at a location',
      description:
        'Reason `spoiled`, `damaged`, `lost`, `stolen`, `expired` or `other` (with a note). Never takes reserved goods: 409 CONFLICT says how much is missing.',
      access: 'stock:write',
      idempotent: true,
      body: writeOffBody,
      responses: {
        201: change,
        404: { description: 'No such lot, location, or nothing of the lot there' },
        409: { description: 'Not that much available (details)' },
        422: {
          description:
            "`unit` is not one of the item's, `reason: other` without a note, or the Idempotency-Key was used with another request",
        },
      },
      async handler({ actor, body, res }) {
        return { status: 201, body: await stock.writeOff(actor!, body, idempotentId(res)) };
      },
    }),
    defineRoute<ExpiredWriteOffRequest>({
      method: 'post',
      path: '/api/stock/write-offs/expired',
      tag: 'stock',
      summary: 'Write off everything past its expiry at one place',
      description:
        "One `written_off` movement (reason `expired`) per expired lot there, in one operation through the ledger. What shipments being loaded reserve stays (`stillReserved`). With an Idempotency-Key, a retry answers the first attempt's movements; without expired goods the answer lists none.",
      access: 'stock:write',
      idempotent: true,
      body: expiredWriteOffBody,
      responses: {
        201: { description: 'The movements written and the lots after them', schema: expiredWriteOffSchema },
        404: { description: 'No such location' },
        409: { description: 'The stock kept changing, or an earlier attempt is still being finished' },
        422: { description: 'The Idempotency-Key was used with another request' },
      },
      async handler({ actor, body, res }) {
        return { status: 201, body: await stock.writeOffExpired(actor!, body, idempotentId(res)) };
      },
    }),
    defineRoute<AdjustmentRequest>({
      method: 'post',
      path: '/api/stock/adjustments',
      tag: 'stock',
      summary: 'Set a lot at a location to what a count found',
      description:
        'Writes one `adjusted` movement of the difference (none when the count matches). Less than the books counts as written off, more as received. Never below what is reserved (409).',
      access: 'stock:write',
      idempotent: true,
      body: adjustmentBody,
      responses: {
        201: change,
        404: { description: 'No such lot, location, or nothing of the lot there' },
        409: { description: 'The count is below what is reserved' },
        422: { description: "`unit` is not one of the item's, or the Idempotency-Key was used with another request" },
      },
      async handler({ actor, body, res }) {
        return { status: 201, body: await stock.adjust(actor!, body, idempotentId(res)) };
      },
    }),
    defineRoute<undefined, ListMovementsQuery>({
      method: 'get',
      path: '/api/movements',
      tag: 'stock',
      summary: 'The stock ledger, newest first',
      description:
        'Entries are never changed or deleted. `total` is a lower bound (exact on the last page): counting a ledger that grows without limit would be slow.',
      access: 'stock:read',
      query: listMovementsQuery,
      responses: { 200: { description: 'A page of movements', schema: pageSchema(movementSchema, 'MovementPage') } },
      async handler({ actor, query }) {
        return { status: 200, body: await stock.listMovements(actor!, query) };
      },
    }),
    defineRoute<undefined, undefined, { id: string }>({
      method: 'get',
      path: '/api/campaigns/:id/progress',
      tag: 'campaigns',
      summary: "A campaign's progress per item",
      description:
        'From running totals, never the ledger. For every item: donated = onHand + inTransit + delivered + writtenOff (reserved goods are still on hand); onHand = usable + expired; needed = max(0, target - delivered - inTransit - usable), so goods that expire bring the need back. `seq`: live events with a higher seq are newer.',
      access: 'campaigns:read',
      params: idParams,
      responses: {
        200: { description: 'The progress', schema: campaignProgressSchema },
        404: { description: 'No such campaign' },
      },
      async handler({ params }) {
        // The seq is taken before the totals are read (see progress), alongside the campaign.
        const [campaign, seq] = await Promise.all([getCampaign(params.id), currentSeq()]);
        return { status: 200, body: await stock.progress(campaign, seq) };
      },
    }),
    defineRoute<undefined, ReconcileRequest>({
      method: 'post',
      path: '/api/admin/reconcile',
      tag: 'stock',
      summary: 'Recompute every balance and campaign total from the ledger',
      description:
        'Reports every difference between the running totals and the ledger; with `?fix=true` sets each differing number to the ledger value. Documents an unfinished operation is changing are skipped (`inFlight`).',
      access: 'stock:reconcile',
      query: reconcileQuery,
      responses: { 200: { description: 'The report', schema: reconcileReportSchema } },
      async handler({ query }) {
        return { status: 200, body: await reconcileStock({ fix: query.fix }) };
      },
    }),
  ];
}
