import type { Request } from 'express';
import type { Locale } from '@karavan/shared';
import { getCampaign } from '../campaigns';
import { Donation, type DonationsService } from '../donations';
import { findItems } from '../items';
import type { Actor } from '../lib/route';
import { findLocations, getLocation } from '../locations';
import { Shipment, type ShipmentsService } from '../shipments';
import type { StockService } from '../stock';
import { User } from '../users';
import { renderReceiptPdf } from './receipt';
import { renderCampaignSummary, type ItemDates } from './summary';
import { renderWaybill } from './waybill';

export interface DocumentsDeps {
  shipments: ShipmentsService;
  donations: DonationsService;
  stock: StockService;
  /** PUBLIC_URL: the address QR codes point to (default: the request's own host). */
  publicUrl: string | undefined;
}

/** The base address of the web app as the caller reached it (behind a proxy: TRUST_PROXY). */
export function baseUrl(publicUrl: string | undefined, req: Request): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

export function createDocumentsService(deps: DocumentsDeps) {
  return {
    /** The waybill PDF; readable by whoever may read the shipment (a driver: their own). */
    async waybill(actor: Actor, id: string, req: Request): Promise<Buffer> {
      const shipment = await deps.shipments.get(actor, id);
      const [campaign, locations, items, driver] = await Promise.all([
        getCampaign(shipment.campaignId),
        findLocations([shipment.originId, shipment.destinationId, ...shipment.route]),
        findItems(shipment.lines.map((l) => l.itemId)),
        shipment.driverId ? User.findById(shipment.driverId, { name: 1, phone: 1 }).lean() : null,
      ]);
      return renderWaybill({
        shipment,
        campaign,
        locations,
        items,
        driverName: driver ? `${driver.name}${driver.phone ? `, ${driver.phone}` : ''}` : null,
        url: `${baseUrl(deps.publicUrl, req)}/driver/${shipment.id}`,
      });
    },

    /** The donor receipt PDF, in the donor's language unless `lang` says otherwise. */
    async receipt(actor: Actor, id: string, lang: Locale | undefined): Promise<Buffer> {
      const donation = await deps.donations.get(actor, id);
      const [items, location, campaign] = await Promise.all([
        findItems(donation.lines.map((l) => l.itemId)),
        getLocation(donation.locationId),
        getCampaign(donation.campaignId),
      ]);
      const locale: Locale = lang ?? ((donation.donor.locale as Locale | undefined) || 'ru');
      return renderReceiptPdf({ donation, items, location, campaign, locale });
    },

    /**
     * The campaign summary for donors: per item the target, collected, delivered, written off and
     * still on the way, from the running totals; the dates of the first and last donation
     * (one aggregation) and delivery (the campaign's delivered shipments).
     */
    async campaignSummary(_actor: Actor, id: string, lang: Locale): Promise<Buffer> {
      const campaign = await getCampaign(id);
      const progress = await deps.stock.progress(campaign);
      const dates = new Map<string, ItemDates>();
      const entry = (itemId: string) => {
        let d = dates.get(itemId);
        if (!d)
          dates.set(
            itemId,
            (d = { firstDonation: null, lastDonation: null, firstDelivery: null, lastDelivery: null, shipments: 0 }),
          );
        return d;
      };
      const donated = await Donation.aggregate<{ _id: string; first: Date; last: Date }>([
        { $match: { campaignId: campaign.id, voided: null } },
        { $unwind: '$lines' },
        { $group: { _id: '$lines.itemId', first: { $min: '$receivedAt' }, last: { $max: '$receivedAt' } } },
      ]);
      for (const g of donated) Object.assign(entry(g._id), { firstDonation: g.first, lastDonation: g.last });
      const delivered = await Shipment.find(
        { campaignId: campaign.id, status: 'delivered' },
        { lines: 1, deliveredAt: 1 },
      ).lean();
      for (const s of delivered) {
        const at = s.deliveredAt as Date | null;
        if (!at) continue;
        for (const line of s.lines as { itemId: string }[]) {
          const d = entry(line.itemId);
          d.shipments += 1;
          if (!d.firstDelivery || at < d.firstDelivery) d.firstDelivery = at;
          if (!d.lastDelivery || at > d.lastDelivery) d.lastDelivery = at;
        }
      }
      const items = await findItems(progress.items.map((i) => i.itemId));
      return renderCampaignSummary({ campaign, progress, items, dates, deliveredShipments: delivered.length, lang });
    },
  };
}

export type DocumentsService = ReturnType<typeof createDocumentsService>;
