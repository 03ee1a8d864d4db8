import {
  donationsOverTimeQuery,
  donationsOverTimeSchema,
  idParams,
  publicCampaignSchema,
  type DonationsOverTimeQuery,
  channelQuery,
  type ChannelQuery,
} from '@karavan/shared';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { DashboardService } from './dashboard.service';

/** Browsers and shared caches (a CDN in front) may keep a board 30 s, then revalidate with the ETag. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=30, stale-while-revalidate=30';

/** Cards and texts change with the numbers: a shared cache may keep them a minute, then revalidate. */
const CHANNEL_CACHE_CONTROL = 'public, max-age=60';
const noPublic = { description: 'No such public campaign' };

export function dashboardRoutes(dashboard: DashboardService, publicUrl?: string): RouteSpec[] {
  const link = (id: string) => (publicUrl ? `${publicUrl.replace(/\/+$/, '')}/needs/${id}` : null);
  const card = (kind: 'square' | 'og', path: string, summary: string, size: string) =>
    defineRoute<undefined, ChannelQuery, { id: string }>({
      method: 'get',
      path,
      tag: 'public',
      summary,
      description: `${size} PNG drawn on the server (DejaVu Sans: Cyrillic with the Kyrgyz and Kazakh letters): "enough, stop bringing" first, what is most needed, progress per item, where to bring it (the square card) and the date and time on the campaign's clock, in \`lang\` (ru, en, ky, kk; default ru). Redrawn only when the numbers change; ETag and \`Cache-Control: ${CHANNEL_CACHE_CONTROL}\`. The board's link is printed when PUBLIC_URL is set.`,
      access: 'public',
      params: idParams,
      query: channelQuery,
      responses: {
        200: { description: 'The card', contentType: 'image/png' },
        304: { description: 'Not changed since the `ETag` given in `If-None-Match`' },
        404: noPublic,
      },
      async handler({ params, query }) {
        const { png, etag } = await dashboard.card(params.id, query.lang, kind, link(params.id));
        return {
          status: 200,
          raw: { contentType: 'image/png', content: png },
          headers: { 'Cache-Control': CHANNEL_CACHE_CONTROL, ETag: etag },
        };
      },
    });
  return [
    card(
      'square',
      '/api/public/campaigns/:id/card.png',
      "A public campaign's card for a Telegram channel or Instagram (no sign-in)",
      '1080×1080',
    ),
    card('og', '/api/public/campaigns/:id/og.png', "A public campaign's Open Graph image (no sign-in)", '1200×630'),
    defineRoute<undefined, ChannelQuery, { id: string }>({
      method: 'get',
      path: '/api/public/campaigns/:id/summary.txt',
      tag: 'public',
      summary: "A public campaign's needs as text to paste into a channel (no sign-in)",
      description:
        "The card as plain UTF-8 text for a Telegram channel or an Instagram caption, with emoji marking the lines (stop, most needed, each item with a text bar, places with hours and a map link, the time) and the board's link when PUBLIC_URL is set. `lang`: ru, en, ky, kk (default ru).",
      access: 'public',
      params: idParams,
      query: channelQuery,
      responses: {
        200: { description: 'The text', contentType: 'text/plain' },
        304: { description: 'Not changed since the `ETag` given in `If-None-Match`' },
        404: noPublic,
      },
      async handler({ params, query }) {
        const { text, etag } = await dashboard.summary(params.id, query.lang, link(params.id));
        return {
          status: 200,
          raw: { contentType: 'text/plain; charset=utf-8', content: text },
          headers: { 'Cache-Control': CHANNEL_CACHE_CONTROL, ETag: etag },
        };
      },
    }),
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
