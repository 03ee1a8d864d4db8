import {
  localize,
  wallClock,
  type DonationDto,
  type DonationsOverTimeDto,
  type LocalizedText,
  type PublicCampaignDto,
} from '@karavan/shared';
import type { EventBus } from '../lib/events';
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

export function createDashboardService(events: EventBus, stock: StockService, logger?: Logger) {
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

    /** A public campaign's needs and where to bring donations; 404 unless it is marked public. */
    async publicCampaign(id: string): Promise<PublicCampaignDto> {
      const campaign = await getCampaign(id).catch(() => null);
      if (!campaign || !campaign.public || campaign.status === 'draft') throw ApiError.notFound('Campaign');
      const progress = await stock.progress(campaign);
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
              target: row.target,
              collected: row.donated,
              usable: row.usable,
              inTransit: row.inTransit,
              delivered: row.delivered,
              pledged: 0,
              needed: row.needed,
              enough: false,
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
