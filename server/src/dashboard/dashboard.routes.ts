import {
  donationsOverTimeQuery,
  donationsOverTimeSchema,
  idParams,
  publicCampaignSchema,
  type DonationsOverTimeQuery,
} from '@karavan/shared';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { DashboardService } from './dashboard.service';

/** Browsers and shared caches (a CDN in front) may keep a board 30 s, then revalidate with the ETag. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=30, stale-while-revalidate=30';

export function dashboardRoutes(dashboard: DashboardService): RouteSpec[] {
  return [
    defineRoute<undefined, DonationsOverTimeQuery, { id: string }>({
      method: 'get',
      path: '/api/campaigns/:id/donations-over-time',
      tag: 'dashboard',
      summary: 'Donations per hour of a campaign (the dashboard chart)',
      description:
        'From hourly counters kept as donations are recorded and voided (never a scan of the donations). Oldest hour first; hours without donations are zeros.',
      access: 'dashboard:watch',
      params: idParams,
      query: donationsOverTimeQuery,
      responses: {
        200: { description: 'Donations per hour', schema: donationsOverTimeSchema },
        404: { description: 'No such campaign' },
      },
      async handler({ params, query }) {
        return { status: 200, body: await dashboard.donationsOverTime(params.id, query.hours) };
      },
    }),
    defineRoute<undefined, undefined, { id: string }>({
      method: 'get',
      path: '/api/public/campaigns/:id',
      tag: 'public',
      summary: "A public campaign's needs and collection points (no sign-in)",
      description:
        'Per item: target, collected, usable (on hand and not expired), inTransit, delivered, pledged (what pledges that have not lapsed still promise; never counted as collected), what is still needed (target - delivered - inTransit - usable: goods that expire bring the need back) and `enough` (the organisers\' "stop bringing it"), and the collection points with opening hours. No personal data. Computed at most once per PUBLIC_CACHE_SECONDS for every visitor and dropped when its numbers change; answered with `Cache-Control: public, max-age=30` and an `ETag` (`If-None-Match` gets 304). 404 when the campaign is not marked public.',
      access: 'public',
      params: idParams,
      responses: {
        200: { description: 'The public needs', schema: publicCampaignSchema },
        304: { description: 'Not changed since the `ETag` given in `If-None-Match`' },
        404: { description: 'No such public campaign' },
      },
      async handler({ params }) {
        const board = await dashboard.publicBoard(params.id);
        return {
          status: 200,
          // Express answers 304 itself when If-None-Match holds this ETag.
          raw: { contentType: 'application/json; charset=utf-8', content: board.json },
          headers: { 'Cache-Control': PUBLIC_CACHE_CONTROL, ETag: board.etag, Vary: 'Accept-Encoding' },
        };
      },
    }),
  ];
}
