import type { CampaignDto, CampaignProgressDto, ItemDto } from '@karavan/shared';
import { dateTime, fields, heading, newDocument, number, table, toBuffer } from './pdf';

export interface ItemDates {
  firstDonation: Date | null;
  lastDonation: Date | null;
  firstDelivery: Date | null;
  lastDelivery: Date | null;
  shipments: number;
}

export interface SummaryContext {
  campaign: CampaignDto;
  progress: CampaignProgressDto;
  items: Map<string, ItemDto>;
  dates: Map<string, ItemDates>;
  deliveredShipments: number;
  lang: 'ru' | 'en';
}

const T = {
  ru: {
    title: 'Итоги кампании для жертвователей',
    campaign: 'Кампания',
    period: 'Сроки',
    asOf: 'По состоянию на',
    item: 'Товар',
    target: 'Цель',
    collected: 'Собрано',
    delivered: 'Доставлено',
    writtenOff: 'Списано',
    onTheWay: 'В пути / на складе',
    dates: 'Даты',
    collectedDates: 'сбор',
    deliveredDates: 'доставка',
    trucks: 'Доставлено рейсов',
    note: 'Списано — испорчено, повреждено или утрачено в пути; каждая единица учтена в журнале движения товаров.',
    thanks: 'Спасибо всем, кто помог!',
    units: { loaf: 'бух.', litre: 'л', kg: 'кг', piece: 'шт.' } as Record<string, string>,
  },
  en: {
    title: 'Campaign summary for donors',
    campaign: 'Campaign',
    period: 'Dates',
    asOf: 'As of',
    item: 'Item',
    target: 'Target',
    collected: 'Collected',
    delivered: 'Delivered',
    writtenOff: 'Written off',
    onTheWay: 'On the road / in stock',
    dates: 'Dates',
    collectedDates: 'collected',
    deliveredDates: 'delivered',
    trucks: 'Deliveries',
    note: 'Written off: spoiled, damaged or lost on the way; every unit is accounted for in the stock ledger.',
    thanks: 'Thank you to everyone who helped!',
    units: { loaf: 'loaves', litre: 'L', kg: 'kg', piece: 'pcs' } as Record<string, string>,
  },
};

/** What a campaign collected, delivered and wrote off per item, with the dates, for donors. */
export function renderCampaignSummary(ctx: SummaryContext): Promise<Buffer> {
  const t = T[ctx.lang];
  const { campaign, progress, lang } = ctx;
  const doc = newDocument(`${t.title}: ${campaign.name}`, lang);
  doc.font('bold').fontSize(16).text(`Karavan — ${t.title}`).font('regular').moveDown(0.6);
  fields(doc, [
    [t.campaign, campaign.name],
    [t.period, `${dateTime(campaign.startsAt, lang, false)} — ${dateTime(campaign.endsAt, lang, false)}`],
    [t.asOf, dateTime(progress.asOf, lang)],
    [t.trucks, String(ctx.deliveredShipments)],
  ]);
  if (campaign.description) doc.fontSize(10).text(campaign.description).moveDown(0.6);
  heading(doc, t.collected + ' / ' + t.delivered);
  const day = (d: Date) =>
    new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'ru-RU', {
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      timeZone: 'UTC',
    }).format(d);
  const range = (a: Date | null, b: Date | null) =>
    a ? (b && day(b) !== day(a) ? `${day(a)}–${day(b)}` : day(a)) : '—';
  table(
    doc,
    [
      { header: t.item, width: 80 },
      { header: t.target, width: 62, align: 'right' },
      { header: t.collected, width: 66, align: 'right' },
      { header: t.delivered, width: 66, align: 'right' },
      { header: t.writtenOff, width: 56, align: 'right' },
      { header: t.onTheWay, width: 62, align: 'right' },
      { header: t.dates, width: 119 },
    ],
    progress.items.map((p) => {
      const item = ctx.items.get(p.itemId);
      const unit = item ? (t.units[item.baseUnit] ?? item.baseUnit) : '';
      const d = ctx.dates.get(p.itemId);
      const q = (n: number) => `${number(n, lang)} ${unit}`;
      return [
        item ? (item.name[lang] ?? item.name.ru) : p.itemId,
        p.target ? q(p.target) : '—',
        q(p.donated),
        q(p.delivered),
        q(p.writtenOff),
        q(p.inTransit + p.onHand),
        `${t.collectedDates}: ${range(d?.firstDonation ?? null, d?.lastDonation ?? null)}\n${t.deliveredDates}: ${range(d?.firstDelivery ?? null, d?.lastDelivery ?? null)}`,
      ];
    }),
    8.5,
  );
  doc.fontSize(8.5).text(t.note).moveDown(1);
  doc.fontSize(11).text(t.thanks);
  return toBuffer(doc);
}
