import type { Request } from 'express';
import { localize, signedPayload, type LabelFormat, type Locale, type LocalizedText } from '@karavan/shared';
import { getCampaign } from '../campaigns';
import { donationDatesByItem, type DonationsService } from '../donations';
import { findItems } from '../items';
import type { LabelsService } from '../labels';
import { baseUrl } from '../lib/base-url';
import type { Actor } from '../lib/route';
import { findLocations, getLocation } from '../locations';
import { deliveredShipments, type ShipmentsService } from '../shipments';
import type { StockService } from '../stock';
import { contactOf } from '../users';
import { renderReceiptPdf } from './receipt';
import { renderCampaignSummary, type ItemDates } from './summary';
import { labelsDocument, type LabelLang } from './labels-pdf';
import { renderWaybill } from './waybill';

export interface DocumentsDeps {
  shipments: ShipmentsService;
  donations: DonationsService;
  stock: StockService;
  labels: LabelsService;
  /** PUBLIC_URL: the address QR codes point to (default: the request's own host). */
  publicUrl: string | undefined;
}

export function createDocumentsService(deps: DocumentsDeps) {
  return {
    /**
     * The waybill PDF; readable by whoever may read the shipment (a driver: their own). Its QR
     * code carries the manifest signed with the deployment's key, checkable offline.
     */
    async waybill(actor: Actor, id: string, req: Request): Promise<Buffer> {
      const shipment = await deps.shipments.get(actor, id);
      const [campaign, locations, items, driver, signer] = await Promise.all([
        getCampaign(shipment.campaignId),
        findLocations([shipment.originId, shipment.destinationId, ...shipment.route]),
        findItems(shipment.lines.map((l) => l.itemId)),
        shipment.driverId ? contactOf(shipment.driverId) : null,
        deps.labels.signer(),
      ]);
      const url = `${baseUrl(deps.publicUrl, req)}/driver/${shipment.id}`;
      const name = (text: LocalizedText | undefined, fallback: string) => (text ? localize(text, 'ru') : fallback);
      const manifest = {
        k: 'waybill' as const,
        s: shipment.id,
        o: name(locations.get(shipment.originId)?.name, shipment.originId),
        d: name(locations.get(shipment.destinationId)?.name, shipment.destinationId),
        st: shipment.status,
        l: shipment.lines.map((l): [string, number, string] => [
          name(items.get(l.itemId)?.name ?? l.item?.name, l.itemId),
          l.quantity,
          items.get(l.itemId)?.baseUnit ?? l.item?.baseUnit ?? '',
        ]),
        t: new Date().toISOString(),
      };
      return renderWaybill({
        qr: signedPayload(url, manifest, signer.sign),
        shipment,
        campaign,
        locations,
        items,
        driverName: driver ? `${driver.name}${driver.phone ? `, ${driver.phone}` : ''}` : null,
        url,
      });
    },

    /**
     * The shipment's current labels as a PDF to stream (A4 sheets or 58 mm thermal labels), in
     * Russian and `lang` (default English); whoever may read the shipment.
     */
    async labelsPdf(actor: Actor, id: string, format: LabelFormat, lang: LabelLang = 'en') {
      const { shipment, labels } = await deps.labels.forPrint(actor, id);
      const [items, places] = await Promise.all([
        findItems(labels.map((l) => l.itemId)),
        findLocations([shipment.destinationId]),
      ]);
      const itemNames = new Map<string, LocalizedText>();
      for (const line of shipment.lines) {
        const known = items.get(line.itemId)?.name ?? line.item?.name;
        if (known) itemNames.set(line.itemId, known);
      }
      const destination = places.get(shipment.destinationId)?.name ??
        shipment.destination?.name ?? { ru: shipment.destinationId };
      return labelsDocument({ labels, itemNames, destination, shipmentId: shipment.id, lang }, format);
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
      const donated = await donationDatesByItem(campaign.id);
      for (const g of donated) Object.assign(entry(g._id), { firstDonation: g.first, lastDonation: g.last });
      const delivered = await deliveredShipments(campaign.id);
      for (const s of delivered) {
        const at = s.deliveredAt;
        if (!at) continue;
        for (const line of s.lines) {
          const d = entry(line.itemId);
          d.shipments += 1;
          if (!d.firstDelivery || at < d.firstDelivery) d.firstDelivery = at;
          if (!d.lastDelivery || at > d.lastDelivery) d.lastDelivery = at;
        }
      }
      const items = await findItems(progress.items.map((i) => i.itemId));
      const deliveries = delivered.map((s) => ({
        at: s.deliveredAt,
        receivedBy: s.receiver?.name ?? s.receivedBy ?? null,
        signature: s.receiver?.signature ?? null,
        photos: (s.photos ?? []).length,
        confirmed: Boolean(s.receipt),
      }));
      return renderCampaignSummary({
        campaign,
        progress,
        items,
        dates,
        deliveredShipments: delivered.length,
        deliveries,
        lang,
      });
    },
  };
}

export type DocumentsService = ReturnType<typeof createDocumentsService>;
