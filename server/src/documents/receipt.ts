import {
  localize,
  type BaseUnit,
  type CampaignDto,
  type DonationDto,
  type ItemDto,
  type Locale,
  type LocationDto,
} from '@karavan/shared';
import { RECEIPT_TEXT } from '../donations';
import { dateTime, fields, newDocument, number, table, toBuffer } from './pdf';

export interface ReceiptPdfContext {
  donation: DonationDto;
  items: Map<string, ItemDto>;
  location: LocationDto;
  campaign: CampaignDto;
  locale: Locale;
}

/** The donor receipt as PDF: the same content as the HTML receipt, in the donor's language. */
export function renderReceiptPdf({
  donation: d,
  items,
  location,
  campaign,
  locale,
}: ReceiptPdfContext): Promise<Buffer> {
  const t = RECEIPT_TEXT[locale];
  const doc = newDocument(`${t.title} ${d.id}`, locale);
  doc.font('bold').fontSize(16).text(`Karavan — ${t.title}`).font('regular').moveDown(0.6);
  if (d.voided) {
    doc
      .font('bold')
      .fillColor('#b00000')
      .fontSize(12)
      .text(`${t.voided}: ${dateTime(d.voided.at, locale, campaign.timeZone)}. ${t.reason}: ${d.voided.reason}`)
      .fillColor('#000')
      .font('regular')
      .moveDown(0.5);
  }
  const donor =
    d.donor.kind === 'anonymous'
      ? t.anonymous
      : `${d.donor.name ?? '—'}${d.donor.kind === 'organisation' ? ` (${t.organisation})` : ''}`;
  fields(doc, [
    [t.number, d.id],
    [t.received, dateTime(d.receivedAt, locale, campaign.timeZone)],
    [t.location, `${localize(location.name, locale)}${location.address ? `, ${location.address}` : ''}`],
    [t.campaign, localize(campaign.name, locale)],
    [t.donor, donor],
  ]);
  table(
    doc,
    [
      { header: t.item, width: 240 },
      { header: t.quantity, width: 130, align: 'right' },
      { header: t.expires, width: 141 },
    ],
    d.lines.map((line) => {
      const item = items.get(line.itemId);
      const name = item ? localize(item.name, locale) : line.itemId;
      const unit = item ? t.units[item.baseUnit as BaseUnit] : '';
      return [
        name,
        `${number(line.quantity, locale)} ${unit}`,
        line.expiresAt ? dateTime(line.expiresAt, locale, campaign.timeZone, false) : '—',
      ];
    }),
    10,
  );
  doc.moveDown(0.5).fontSize(11).text(t.thanks);
  return toBuffer(doc);
}
