import Joi from 'joi';
import { IDEMPOTENT_RESOURCE_ID } from '../lib/idempotency';
import {
  createDonationBody,
  donationDtoSchema,
  idParams,
  LOCALES,
  listDonationsQuery,
  pageSchema,
  voidDonationBody,
  type CreateDonationRequest,
  type ListDonationsQuery,
  type Locale,
  type VoidDonationRequest,
} from '@karavan/shared';
import { getCampaign } from '../campaigns';
import { findItems } from '../items';
import { getLocation } from '../locations';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { DonationsService } from './donations.service';
import { renderReceipt } from './receipt';

const donation = { description: 'The donation, lines in base units with their lots', schema: donationDtoSchema };
type Id = { id: string };
const receiptQuery = Joi.object<{ lang?: Locale }, true>({ lang: Joi.string().valid(...LOCALES) });

export function donationsRoutes(donations: DonationsService): RouteSpec[] {
  return [
    defineRoute<CreateDonationRequest>({
      method: 'post',
      path: '/api/donations',
      tag: 'donations',
      summary: 'Record a donation',
      description:
        "Quantities in base units or a pack `unit` of the item. A line without `expiresAt` expires the item's shelf life after `receivedAt` (default now). A phone is kept only with `consentToContact: true`.",
      access: 'donations:write',
      idempotent: true,
      body: createDonationBody,
      responses: {
        201: donation,
        404: { description: 'No such campaign or location' },
        409: {
          description:
            'The campaign is closed or the location inactive, or this request (same Idempotency-Key) is still being recorded',
        },
        422: {
          description:
            "A rule the schema cannot state: a line names no item, an inactive item, a unit not of the item, goods already expired or a perishable without expiry; receivedAt in the future; an anonymous donor's name or phone; a phone without consent; or the Idempotency-Key was used with another request",
        },
      },
      async handler({ actor, body, res }) {
        return {
          status: 201,
          body: await donations.record(actor!, body, { id: res.locals[IDEMPOTENT_RESOURCE_ID] as string | undefined }),
        };
      },
    }),
    defineRoute<undefined, ListDonationsQuery>({
      method: 'get',
      path: '/api/donations',
      tag: 'donations',
      summary: 'List donations, most recently received first',
      description: '`from`/`to` bound `receivedAt`. `total` is a lower bound (exact on the last page).',
      access: 'donations:read',
      query: listDonationsQuery,
      responses: { 200: { description: 'A page of donations', schema: pageSchema(donationDtoSchema, 'DonationPage') } },
      async handler({ actor, query }) {
        return { status: 200, body: await donations.list(actor!, query) };
      },
    }),
    defineRoute<undefined, undefined, Id>({
      method: 'get',
      path: '/api/donations/:id',
      tag: 'donations',
      summary: 'Get a donation',
      access: 'donations:read',
      params: idParams,
      responses: { 200: donation, 404: { description: 'No such donation' } },
      async handler({ actor, params }) {
        return { status: 200, body: await donations.get(actor!, params.id) };
      },
    }),
    defineRoute<VoidDonationRequest, undefined, Id>({
      method: 'post',
      path: '/api/donations/:id/void',
      tag: 'donations',
      summary: 'Void a donation, reversing its stock',
      description:
        'Writes `voided` movements taking its goods back out of stock, only while all of them are still available where they were received (409 CONFLICT names each line that is not).',
      access: 'donations:write',
      idempotent: true,
      params: idParams,
      body: voidDonationBody,
      responses: {
        200: donation,
        404: { description: 'No such donation' },
        409: { description: 'Already voided, or its goods are no longer all here' },
      },
      async handler({ actor, params, body }) {
        return { status: 200, body: await donations.void(actor!, params.id, body.reason) };
      },
    }),
    defineRoute<undefined, { lang?: Locale }, Id>({
      method: 'get',
      path: '/api/donations/:id/receipt',
      tag: 'donations',
      summary: "A printable donor receipt (HTML, in the donor's language)",
      description: "`lang` overrides the donor's language (ru or en).",
      access: 'donations:read',
      params: idParams,
      query: receiptQuery,
      responses: {
        200: { description: 'The receipt page', contentType: 'text/html' },
        404: { description: 'No such donation' },
      },
      async handler({ params, query }) {
        const doc = await donations.findDonation(params.id);
        const [items, location, campaign] = await Promise.all([
          findItems(doc.lines.map((l) => l.itemId)),
          getLocation(doc.locationId),
          getCampaign(doc.campaignId),
        ]);
        const locale: Locale = query.lang ?? ((doc.donor.locale as Locale | null) || 'ru');
        return {
          status: 200,
          raw: {
            contentType: 'text/html; charset=utf-8',
            content: renderReceipt({ donation: doc, items, location, campaign, locale }),
          },
        };
      },
    }),
  ];
}
