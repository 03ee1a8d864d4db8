import { localize, type Locale, type CampaignDto, type CampaignProgressDto, type ItemDto } from '@karavan/shared';
import { dateTime, drawSignature, fields, heading, newDocument, number, table, toBuffer } from './pdf';

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
  /** The proof of each delivery, in delivery order: who received it, their drawn signature, photos, their own confirmation. */
  deliveries?: {
    at: Date | null;
    receivedBy: string | null;
    signature: string | null;
    photos: number;
    confirmed: boolean;
  }[];
  lang: Locale;
}

const T = {
  ru: {
    proof: 'Подтверждение доставки',
    receivedBy: 'Получил',
    signature: 'Подпись',
    photos: 'Фото',
    confirmed: 'подтверждено получателем',
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
    proof: 'Proof of delivery',
    receivedBy: 'Received by',
    signature: 'Signature',
    photos: 'Photos',
    confirmed: 'confirmed by the receiver',
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
  ky: {
    proof: 'Жеткирүүнүн далили',
    receivedBy: 'Кабыл алган',
    signature: 'Кол тамга',
    photos: 'Сүрөт',
    confirmed: 'алуучу ырастаган',
    title: 'Кайрымдуулар үчүн кампаниянын жыйынтыгы',
    campaign: 'Кампания',
    period: 'Мөөнөттөр',
    asOf: 'Абалы боюнча',
    item: 'Товар',
    target: 'Максат',
    collected: 'Чогултулду',
    delivered: 'Жеткирилди',
    writtenOff: 'Эсептен чыгарылды',
    onTheWay: 'Жолдо / кампада',
    dates: 'Даталар',
    collectedDates: 'чогултуу',
    deliveredDates: 'жеткирүү',
    trucks: 'Жеткирилген рейстер',
    note: 'Эсептен чыгарылды — жолдо бузулган, зыянга учураган же жоголгон; ар бир бирдик товар кыймылынын журналында эсепке алынган.',
    thanks: 'Жардам берген баарыңызга рахмат!',
    units: { loaf: 'нан', litre: 'л', kg: 'кг', piece: 'даана' } as Record<string, string>,
  },
  kk: {
    proof: 'Жеткізу дәлелі',
    receivedBy: 'Қабылдаған',
    signature: 'Қолтаңба',
    photos: 'Фото',
    confirmed: 'алушы растаған',
    title: 'Қайырымдылар үшін науқанның қорытындысы',
    campaign: 'Науқан',
    period: 'Мерзімдер',
    asOf: 'Жағдай бойынша',
    item: 'Тауар',
    target: 'Мақсат',
    collected: 'Жиналды',
    delivered: 'Жеткізілді',
    writtenOff: 'Есептен шығарылды',
    onTheWay: 'Жолда / қоймада',
    dates: 'Күндер',
    collectedDates: 'жинау',
    deliveredDates: 'жеткізу',
    trucks: 'Жеткізілген рейстер',
    note: 'Есептен шығарылды — жолда бүлінген, зақымдалған немесе жоғалған; әр бірлік тауар қозғалысы журналында есепке алынған.',
    thanks: 'Көмектескендердің барлығына рақмет!',
    units: { loaf: 'бөлке', litre: 'л', kg: 'кг', piece: 'дана' } as Record<string, string>,
  },
};

const INTL_LOCALE: Record<Locale, string> = { ru: 'ru-RU', en: 'en-GB', ky: 'ky-KG', kk: 'kk-KZ' };

/** What a campaign collected, delivered and wrote off per item, with the dates, for donors. */
export function renderCampaignSummary(ctx: SummaryContext): Promise<Buffer> {
  const t = T[ctx.lang];
  const { campaign, progress, lang } = ctx;
  const zone = campaign.timeZone;
  const name = localize(campaign.name, lang);
  const doc = newDocument(`${t.title}: ${name}`, lang);
  doc.font('bold').fontSize(16).text(`Karavan — ${t.title}`).font('regular').moveDown(0.6);
  fields(doc, [
    [t.campaign, name],
    [t.period, `${dateTime(campaign.startsAt, lang, zone, false)} — ${dateTime(campaign.endsAt, lang, zone, false)}`],
    [t.asOf, dateTime(progress.asOf, lang, zone)],
    [t.trucks, String(ctx.deliveredShipments)],
  ]);
  if (campaign.description) doc.fontSize(10).text(localize(campaign.description, lang)).moveDown(0.6);
  heading(doc, t.collected + ' / ' + t.delivered);
  const day = (d: Date) =>
    new Intl.DateTimeFormat(INTL_LOCALE[lang], {
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      // The days of the campaign's clock.
      timeZone: zone,
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
        item ? localize(item.name, lang) : p.itemId,
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
  const deliveries = ctx.deliveries ?? [];
  if (deliveries.length > 0) {
    heading(doc, t.proof);
    const left = doc.page.margins.left;
    for (const d of deliveries) {
      if (doc.y > doc.page.height - doc.page.margins.bottom - 40) doc.addPage();
      const y = doc.y;
      doc
        .fontSize(8.5)
        .fillColor('#000')
        .text(
          `${dateTime(d.at, lang, zone)} · ${t.receivedBy}: ${d.receivedBy ?? '—'}${d.confirmed ? ` (${t.confirmed})` : ''} · ${t.photos}: ${d.photos}`,
          left,
          y,
          { width: 360 },
        );
      const after = doc.y;
      if (d.signature) {
        doc.fontSize(7).text(`${t.signature}:`, left + 370, y, { width: 50, lineBreak: false });
        drawSignature(doc, d.signature, left + 420, y - 2, 75, 30);
      }
      doc.x = left;
      doc.y = Math.max(after, d.signature ? y + 32 : after) + 2;
    }
    doc.moveDown(1);
  }
  doc.fontSize(11).fillColor('#000').text(t.thanks, doc.page.margins.left);
  return toBuffer(doc);
}
