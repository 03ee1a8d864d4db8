import {
  donationsOverTimeQuery,
  donationsOverTimeSchema,
  idParams,
  publicCampaignSchema,
  type DonationsOverTimeQuery,
} from '@karavan/shared';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { DashboardService } from './dashboard.service';

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
        'Per item: target, collected, usable (on hand and not expired), inTransit, delivered, pledged, and what is still needed (target - delivered - inTransit - usable: goods that expire bring the need back), and the collection points with opening hours. No personal data. Cacheable for a minute. 404 when the campaign is not marked public.',
      access: 'public',
      params: idParams,
      responses: {
        200: { description: 'The public needs', schema: publicCampaignSchema },
        404: { description: 'No such public campaign' },
      },
      async handler({ params }) {
        return {
          status: 200,
          body: await dashboard.publicCampaign(params.id),
          headers: { 'Cache-Control': 'public, max-age=60' },
        };
      },
    }),
  ];
}
