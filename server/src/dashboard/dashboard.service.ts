import {
  localize,
  wallClock,
  type DonationDto,
  type DonationsOverTimeDto,
  type Locale,
  type LocalizedText,
  type PublicCampaignDto,
} from '@karavan/shared';
import { createHash } from 'node:crypto';
import type { EventBus } from '../lib/events';
import { openPledgedByItem } from '../pledges';
import { renderCard, type CardKind } from './cards';
import { summaryText } from './channel-text';
import type { Logger } from '../lib/logger';
import { ApiError } from '../lib/errors';
import { getCampaign } from '../campaigns';
import { findItems } from '../items';
import { activeCollectionPoints } from '../locations';
import type { StockService } from '../stock';
import { counterId, DonationCounter, HOUR_MS, hourStart } from './dashboard.model';

/** Counts a donation into its campaign's hour (sign -1 takes a voided one back out). */
export async function countDonation(donation: DonationDto, sign: 1 | -1): Promise<void> {
  const hour = hourStart(new Date(donation.receivedAt));
  const quantity = donation.lines.reduce((sum, line) => sum + line.quantity, 0);
  await DonationCounter.updateOne(
    { _id: counterId(donation.campaignId, hour) },
    {
      $inc: { donations: sign, quantity: sign * quantity },
      $setOnInsert: { campaignId: donation.campaignId, hour },
    },
    { upsert: true },
  );
}

/** A public board computed once and served to everybody until it is stale. */
export interface PublicBoard {
  dto: PublicCampaignDto;
  /** The JSON text sent, and its strong validator. */
  json: string;
  etag: string;
}

export function createDashboardService(
  events: EventBus,
  stock: StockService,
  logger?: Logger,
  options: { cacheSeconds?: number } = {},
) {
  // The public boards, one per campaign: a surge of visitors from one channel post is served
  // from here. A board is computed at most once per `cacheSeconds` (concurrent misses share one
  // computation), and dropped at once when its numbers change on this instance (other instances
  // follow within `cacheSeconds`).
  const cacheMs = (options.cacheSeconds ?? 15) * 1000;
  const boards = new Map<string, { until: number; board: Promise<PublicBoard> }>();
  // The last board of each campaign: a recomputed board with the same numbers is that one (same
  // ETag, same asOf: "updated N minutes ago" says when the numbers last changed), so a visitor's
  // revalidation is a 304 and a card is redrawn only when the numbers change.
  const latest = new Map<string, PublicBoard>();
  const cards = new Map<string, { key: string; png: Promise<Buffer> }>();
  const forget = (campaignId?: string) => (campaignId ? boards.delete(campaignId) : boards.clear());
  events.subscribe('stock.moved', ({ movements }) => new Set(movements.map((m) => m.campaignId)).forEach(forget));
  events.subscribe('donations.recorded', ({ donation }) => forget(donation.campaignId));
  events.subscribe('donations.voided', ({ donation }) => forget(donation.campaignId));
  events.subscribe('shipments.updated', ({ shipment }) => forget(shipment.campaignId));
  events.subscribe('campaigns.updated', ({ campaign }) => forget(campaign.id));
  events.subscribe('pledges.changed', ({ campaignId }) => forget(campaignId));
  // Locations change rarely and are shared by campaigns: their edits reach the boards with the TTL.

  const count = (donation: DonationDto, sign: 1 | -1) =>
    countDonation(donation, sign).catch((err: unknown) =>
      logger?.error({ err, donationId: donation.id }, 'donation counter not updated'),
    );
  events.subscribe('donations.recorded', ({ donation }) => void count(donation, 1));
  events.subscribe('donations.voided', ({ donation }) => void count(donation, -1));

  return {
    /**
     * Donations per hour over the last `hours` hours (oldest first, empty hours as zeros), each
     * hour also named on the campaign's clock (`local`, its time zone): the hours of a whole-hour
     * zone such as Asia/Bishkek are the same hours as UTC's.
     */
    async donationsOverTime(campaignId: string, hours: number, now = new Date()): Promise<DonationsOverTimeDto> {
      const { timeZone } = await getCampaign(campaignId);
      const last = hourStart(now).getTime();
      const hoursList = Array.from({ length: hours }, (_, i) => new Date(last - (hours - 1 - i) * HOUR_MS));
      const ids = hoursList.map((hour) => counterId(campaignId, hour));
      // The campaign's hours in the window, through the declared index {campaignId, hour}.
      const docs = await DonationCounter.find({
        campaignId,
        hour: { $gte: hoursList[0]!, $lte: hoursList[hoursList.length - 1]! },
      }).lean();
      const byId = new Map(docs.map((doc) => [doc._id, doc]));
      return {
        campaignId,
        timeZone,
        hours,
        buckets: hoursList.map((hour, i) => {
          const doc = byId.get(ids[i]!);
          const clock = wallClock(hour, timeZone);
          return {
            at: hour.toISOString(),
            local: `${clock.date} ${clock.time}`,
            donations: doc?.donations ?? 0,
            quantity: doc?.quantity ?? 0,
          };
        }),
      };
    },

    /** The public board of a campaign, from the cache (see above); 404 unless it is marked public. */
    publicBoard(id: string): Promise<PublicBoard> {
      const now = Date.now();
      const hit = boards.get(id);
      if (hit && now < hit.until) return hit.board;
      const entry = { until: now + cacheMs, board: null as unknown as Promise<PublicBoard> };
      const board = Promise.all([this.publicCampaign(id), stock.nextExpiry(id)]).then(([dto, expiry]) => {
        // A lot expiring sooner brings its need back then: the board is not kept past it.
        if (expiry) entry.until = Math.min(entry.until, expiry.getTime());
        const etag = `"${createHash('sha1')
          .update(JSON.stringify({ ...dto, asOf: null }))
          .digest('base64url')}"`;
        const last = latest.get(id);
        if (last?.etag === etag) return last;
        const made = { dto, json: JSON.stringify(dto), etag };
        latest.set(id, made);
        return made;
      });
      entry.board = board;
      boards.set(id, entry);
      // A failure (404, the database away) is not kept.
      board.catch(() => {
        if (boards.get(id)?.board === board) boards.delete(id);
      });
      return board;
    },

    /**
     * A channel card of the board (PNG), drawn again only when the numbers change (or, for the
     * points' "open now", every quarter of an hour).
     */
    async card(id: string, lang: Locale, kind: CardKind, link: string | null): Promise<{ png: Buffer; etag: string }> {
      const board = await this.publicBoard(id);
      const quarter = Math.floor(Date.now() / 900_000);
      const key = `${board.etag}:${quarter}`;
      const etag = `"${createHash('sha1')
        .update(`${key}:${lang}:${kind}:${link ?? ''}`)
        .digest('base64url')}"`;
      const name = `${id}:${lang}:${kind}`;
      let hit = cards.get(name);
      if (!hit || hit.key !== key) {
        hit = { key, png: Promise.resolve().then(() => renderCard(board.dto, lang, kind, link)) };
        cards.set(name, hit);
        const made = hit;
        made.png.catch(() => {
          if (cards.get(name) === made) cards.delete(name);
        });
      }
      return { png: await hit.png, etag };
    },

    /** The board as plain text for a channel post (cheap: made on each request from the cached board). */
    async summary(id: string, lang: Locale, link: string | null): Promise<{ text: string; etag: string }> {
      const board = await this.publicBoard(id);
      const text = summaryText(board.dto, lang, link);
      return { text, etag: `"${createHash('sha1').update(text).digest('base64url')}"` };
    },

    /** A public campaign's needs and where to bring donations; 404 unless it is marked public. */
    async publicCampaign(id: string): Promise<PublicCampaignDto> {
      const campaign = await getCampaign(id).catch(() => null);
      if (!campaign || !campaign.public || campaign.status === 'draft') throw ApiError.notFound('Campaign');
      const [progress, pledged] = await Promise.all([stock.progress(campaign), openPledgedByItem(campaign.id)]);
      const enough = new Set(campaign.enoughItemIds);
      const targeted = progress.items.filter((item) => item.target > 0);
      const items = await findItems(targeted.map((item) => item.itemId));
      // The campaign's own collection points, or every active one when it names none.
      const points = await activeCollectionPoints(campaign.locationIds);
      return {
        id: campaign.id,
        name: campaign.name,
        description: campaign.description,
        timeZone: campaign.timeZone,
        startsAt: campaign.startsAt,
        endsAt: campaign.endsAt,
        status: campaign.status,
        asOf: progress.asOf,
        needs: targeted.flatMap((row) => {
          const item = items.get(row.itemId);
          if (!item) return [];
          return [
            {
              itemId: row.itemId,
              name: item.name,
              baseUnit: item.baseUnit,
              packs: item.packs.map((p) => ({ unit: p.unit, size: p.size })),
              target: row.target,
              collected: row.donated,
              usable: row.usable,
              inTransit: row.inTransit,
              delivered: row.delivered,
              pledged: pledged.get(row.itemId) ?? 0,
              needed: row.needed,
              enough: enough.has(row.itemId),
            },
          ];
        }),
        collectionPoints: points
          .map((point) => ({
            id: point.id,
            name: point.name,
            address: point.address,
            position: point.position,
            openingHours: point.openingHours,
            weeklyHours: point.weeklyHours,
          }))
          .sort((a, b) => a.name.ru.localeCompare(b.name.ru)),
      };
    },

    /** The campaign's name and description for a shared link's preview (null: not public). */
    async preview(id: string, lang = 'ru'): Promise<{ name: string; description: string | null } | null> {
      if (!/^[0-9a-f]{24}$/.test(id)) return null;
      const doc = await getCampaign(id).catch(() => null);
      if (!doc || !doc.public || doc.status === 'draft') return null;
      const description = localize(doc.description as LocalizedText | string | null, lang);
      return { name: localize(doc.name as LocalizedText | string, lang), description: description || null };
    },
  };
}
export type DashboardService = ReturnType<typeof createDashboardService>;
