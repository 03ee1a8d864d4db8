import {
  campaignDefaultsSchema,
  campaignDtoSchema,
  idParams,
  listCampaignsQuery,
  pageSchema,
  createCampaignBody,
  updateCampaignBody,
  type ListCampaignsQuery,
  type CreateCampaignRequest,
  type UpdateCampaignRequest,
  campaignItemParams,
  setEnoughBody,
  type SetEnoughRequest,
} from '@karavan/shared';
import { idempotentId } from '../lib/idempotency';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { CampaignsService } from './campaigns.service';
import { defaultTimeZone } from './time-zone';

const one = { description: 'The campaign', schema: campaignDtoSchema };
const notFound = { description: 'No such campaign' };
type Id = { id: string };

export function campaignsRoutes(service: CampaignsService): RouteSpec[] {
  return [
    defineRoute<undefined, ListCampaignsQuery>({
      method: 'get',
      path: '/api/campaigns',
      tag: 'campaigns',
      summary: 'List campaigns',
      description: 'Filters: `status`, `q` (name or description).',
      access: 'campaigns:read',
      query: listCampaignsQuery,
      responses: {
        200: {
          description: 'A page of campaigns sorted by name',
          schema: pageSchema(campaignDtoSchema, 'CampaignPage'),
        },
      },
      async handler({ actor, query }) {
        return { status: 200, body: await service.list(actor!, query) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/campaigns/defaults',
      tag: 'campaigns',
      summary: 'What a new campaign starts with',
      description:
        '`timeZone`: the IANA zone a campaign gets when it names none (KARAVAN_TIME_ZONE, default Asia/Bishkek).',
      access: 'campaigns:read',
      responses: { 200: { description: 'The defaults', schema: campaignDefaultsSchema } },
      handler() {
        return { status: 200, body: { timeZone: defaultTimeZone() } };
      },
    }),
    defineRoute<CreateCampaignRequest>({
      method: 'post',
      path: '/api/campaigns',
      tag: 'campaigns',
      summary: 'Create a campaign',
      description:
        '`name` and `description`: a plain string (the same in every language) or `{ ru, en?, ky?, kk? }`; answered as the object. `timeZone`: an IANA zone (default KARAVAN_TIME_ZONE) on whose clock receipts, waybills, the summary, hour buckets and export `_local` columns read times. `locationIds`: the collection points taking part (none: every active one).',
      access: 'campaigns:manage',
      idempotent: true,
      body: createCampaignBody,
      responses: {
        201: one,
        422: {
          description: 'A target names no item or a unit the item does not have, or a place is no collection point',
        },
      },
      async handler({ actor, body, res }) {
        return { status: 201, body: await service.create(actor!, body, idempotentId(res)) };
      },
    }),
    defineRoute<undefined, undefined, Id>({
      method: 'get',
      path: '/api/campaigns/:id',
      tag: 'campaigns',
      summary: 'Get a campaign',
      access: 'campaigns:read',
      params: idParams,
      responses: { 200: one, 404: notFound },
      async handler({ actor, params }) {
        return { status: 200, body: await service.get(actor!, params.id) };
      },
    }),
    defineRoute<UpdateCampaignRequest, undefined, Id>({
      method: 'patch',
      path: '/api/campaigns/:id',
      tag: 'campaigns',
      summary: 'Update a campaign',
      description:
        "`targets` and `locationIds` replace the whole list (quantities in base units or one of the item's pack units); names as in POST. Status moves draft -> active -> closed (a closed campaign may reopen); campaigns are never deleted.",
      access: 'campaigns:manage',
      params: idParams,
      body: updateCampaignBody,
      responses: {
        200: one,
        404: notFound,
        409: { description: 'The status cannot move this way; `details` lists the allowed next states' },
        422: {
          description: 'A target names no item or a unit the item does not have, or a place is no collection point',
        },
      },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.update(actor!, params.id, body) };
      },
    }),
    defineRoute<SetEnoughRequest, undefined, { id: string; itemId: string }>({
      method: 'patch',
      path: '/api/campaigns/:id/needs/:itemId',
      tag: 'campaigns',
      summary: 'Say there is enough of an item ("stop bringing it")',
      description:
        'The public board and the channel cards show an item marked `enough: true` first, as "enough, stop bringing it", and refuse new pledges for it; `false` takes it back. Answers the campaign (its `enoughItemIds`).',
      access: 'campaigns:manage',
      params: campaignItemParams,
      body: setEnoughBody,
      responses: { 200: one, 404: { description: 'No such campaign, or the item is not one of its targets' } },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.setEnough(actor!, params.id, params.itemId, body.enough) };
      },
    }),
  ];
}
