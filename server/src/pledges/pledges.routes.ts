import type { RequestHandler } from 'express';
import {
  createPledgeBody,
  fulfilPledgeBody,
  idParams,
  listPledgesQuery,
  pageSchema,
  pledgeCreatedSchema,
  pledgeSchema,
  pledgeTotalsSchema,
  type CreatePledgeRequest,
  type FulfilPledgeRequest,
  type ListPledgesQuery,
} from '@karavan/shared';
import { randomBytes } from 'node:crypto';
import { idempotentId } from '../lib/idempotency';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { PledgesService } from './pledges.service';

type Id = { id: string };

export function pledgesRoutes(service: PledgesService, limiter: RequestHandler): RouteSpec[] {
  return [
    defineRoute<CreatePledgeRequest, undefined, Id>({
      method: 'post',
      path: '/api/public/campaigns/:id/pledges',
      tag: 'public',
      summary: 'Pledge to bring goods to a collection point on a day (no sign-in)',
      description:
        "`quantity` in the item's base unit or in `unit` (one of its pack units). Counted as pledged, never as collected, until a coordinator fulfils it with a donation; it lapses at the end of the day after `day` (campaign clock). `day`: today to 30 days ahead. `name` and `phone` are optional; a phone needs `consentToContact: true`; both are seen only by the coordinators of that point and purged when the campaign closes. At most the need left (target - delivered - in transit - usable - open pledges) unless the campaign allows more; none for an item marked enough. Limited per address and per campaign (429). `website` must stay empty. Honours Idempotency-Key.",
      access: 'public',
      idempotent: true,
      before: [limiter],
      rateLimited: true,
      params: idParams,
      body: createPledgeBody,
      responses: {
        201: { description: 'The pledge was taken', schema: pledgeCreatedSchema },
        404: { description: 'No such public campaign' },
        409: { description: 'The campaign is closed' },
        422: {
          description: 'The item, unit, place, day, phone or quantity cannot be taken; `details` names the field',
        },
      },
      async handler({ params, body, res }) {
        // A bot filled the hidden field: it is answered like a person, and nothing is kept.
        if (body.website) return { status: 201, body: { id: randomBytes(12).toString('hex') } };
        return { status: 201, body: await service.create(body, params.id, idempotentId(res)) };
      },
    }),
    defineRoute<undefined, ListPledgesQuery>({
      method: 'get',
      path: '/api/pledges',
      tag: 'pledges',
      summary: "A campaign's pledges (coordinators, organisers)",
      description:
        "Filters: `locationId`, `day` (`YYYY-MM-DD`, campaign clock), `status` (`open`, `fulfilled`, `lapsed`). Sorted by day, then as pledged. The donor's `contact` is given only in a point's list (`locationId`) and only when the donor left one.",
      access: 'donations:read',
      query: listPledgesQuery,
      responses: { 200: { description: 'A page of pledges', schema: pageSchema(pledgeSchema, 'PledgePage') } },
      async handler({ actor, query }) {
        return { status: 200, body: await service.list(actor!, query) };
      },
    }),
    defineRoute<FulfilPledgeRequest, undefined, Id>({
      method: 'post',
      path: '/api/pledges/:id/fulfil',
      tag: 'pledges',
      summary: 'Fulfil a pledge with a donation',
      description:
        "The donation's quantity of the pledged item, up to what the pledge still promises, counts as fulfilled; the rest stays pledged. The donation must be of the pledge's campaign and point, not voided, and hold the item; one donation fulfils one pledge. Sending the same donation again changes nothing. Honours Idempotency-Key.",
      access: 'donations:write',
      idempotent: true,
      params: idParams,
      body: fulfilPledgeBody,
      responses: {
        200: { description: 'The pledge', schema: pledgeSchema },
        404: { description: 'No such pledge' },
        409: { description: 'The pledge is already fulfilled, or the donation fulfilled another pledge' },
        422: { description: 'The donation cannot fulfil this pledge; `details` says why' },
      },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.fulfil(actor!, params.id, body.donationId) };
      },
    }),
    defineRoute<undefined, undefined, Id>({
      method: 'get',
      path: '/api/campaigns/:id/pledges/totals',
      tag: 'pledges',
      summary: 'Pledged against fulfilled per item and point',
      description:
        '`pledged`: promised by every pledge; `fulfilled`: brought by the donations that fulfilled them; `open`: still promised by pledges that have not lapsed; `lapsed`: promised and never brought.',
      access: 'campaigns:read',
      params: idParams,
      responses: {
        200: { description: 'Per item and point', schema: pledgeTotalsSchema },
        404: { description: 'No such campaign' },
      },
      async handler({ actor, params }) {
        return { status: 200, body: await service.totals(actor!, params.id) };
      },
    }),
  ];
}
