import {
  localize,
  type BaseUnit,
  type CampaignDto,
  type ItemDto,
  type Locale,
  type LocationDto,
} from '@karavan/shared';
import { presentDonation } from './donations.presenter';
import type { DonationDoc } from './donations.model';

const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export const RECEIPT_TEXT = {
  ru: {
    title: 'Квитанция о пожертвовании',
    thanks: 'Спасибо за вашу помощь!',
    number: 'Номер',
    received: 'Получено',
    location: 'Пункт приёма',
    campaign: 'Кампания',
    donor: 'Даритель',
    anonymous: 'Анонимно',
    organisation: 'Организация',
    item: 'Товар',
    quantity: 'Количество',
    expires: 'Годен до',
    voided: 'АННУЛИРОВАНО',
    reason: 'Причина',
    print: 'Печать',
    units: { loaf: 'бух.', litre: 'л', kg: 'кг', piece: 'шт.' },
  },
  en: {
    title: 'Donation receipt',
    thanks: 'Thank you for your help!',
    number: 'Number',
    received: 'Received',
    location: 'Collection point',
    campaign: 'Campaign',
    donor: 'Donor',
    anonymous: 'Anonymous',
    organisation: 'Organisation',
    item: 'Item',
    quantity: 'Quantity',
    expires: 'Use by',
    voided: 'VOIDED',
    reason: 'Reason',
    print: 'Print',
    units: { loaf: 'loaves', litre: 'L', kg: 'kg', piece: 'pcs' },
  },
  ky: {
    title: 'Кайрымдуулук тапшыруу дүмүрчөгү',
    thanks: 'Жардамыңыз үчүн рахмат!',
    number: 'Номер',
    received: 'Кабыл алынды',
    location: 'Кабыл алуу пункту',
    campaign: 'Кампания',
    donor: 'Берүүчү',
    anonymous: 'Аты аталбаган',
    organisation: 'Уюм',
    item: 'Товар',
    quantity: 'Саны',
    expires: 'Жарактуу мөөнөтү',
    voided: 'ЖОККО ЧЫГАРЫЛДЫ',
    reason: 'Себеби',
    print: 'Басып чыгаруу',
    units: { loaf: 'нан', litre: 'л', kg: 'кг', piece: 'даана' },
  },
  kk: {
    title: 'Қайырымдылық түбіртегі',
    thanks: 'Көмегіңіз үшін рахмет!',
    number: 'Нөмір',
    received: 'Қабылданды',
    location: 'Қабылдау пункті',
    campaign: 'Науқан',
    donor: 'Беруші',
    anonymous: 'Аты-жөні көрсетілмеген',
    organisation: 'Ұйым',
    item: 'Тауар',
    quantity: 'Саны',
    expires: 'Жарамдылық мерзімі',
    voided: 'ЖОЙЫЛДЫ',
    reason: 'Себебі',
    print: 'Басып шығару',
    units: { loaf: 'нан', litre: 'л', kg: 'кг', piece: 'дана' },
  },
} satisfies Record<Locale, unknown>;

const INTL_LOCALE: Record<Locale, string> = { ru: 'ru-RU', en: 'en-GB', ky: 'ky-KG', kk: 'kk-KZ' };

export interface ReceiptContext {
  donation: DonationDoc;
  items: Map<string, ItemDto>;
  location: LocationDto;
  campaign: CampaignDto;
  locale: Locale;
}

/** A printable HTML receipt in the donor's language; every value is escaped. */
export function renderReceipt({ donation, items, location, campaign, locale }: ReceiptContext): string {
  const t = RECEIPT_TEXT[locale];
  const d = presentDonation(donation);
  const time = (iso: string, withTime = true) =>
    new Intl.DateTimeFormat(INTL_LOCALE[locale], {
      dateStyle: 'long',
      ...(withTime ? { timeStyle: 'short' } : {}),
      ...(withTime ? { hourCycle: 'h23' as const } : {}),
      // The campaign's clock: a donation at 04:25 UTC reads 10:25 for a Bishkek campaign.
      timeZone: campaign.timeZone,
    }).format(new Date(iso)) + (withTime ? ` (${campaign.timeZone})` : '');
  const donor =
    d.donor.kind === 'anonymous'
      ? t.anonymous
      : `${escapeHtml(d.donor.name ?? '—')}${d.donor.kind === 'organisation' ? ` (${t.organisation})` : ''}`;
  const rows = d.lines
    .map((line) => {
      const item = items.get(line.itemId);
      const name = item ? localize(item.name, locale) : line.itemId;
      const unit = item ? t.units[item.baseUnit as BaseUnit] : '';
      return `<tr><td>${escapeHtml(name)}</td><td class="n">${escapeHtml(line.quantity)} ${escapeHtml(unit)}</td><td>${
        line.expiresAt ? escapeHtml(time(line.expiresAt, false)) : '—'
      }</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.title)} ${escapeHtml(d.id)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
h1 { font-size: 1.4rem; } table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
th, td { text-align: left; padding: .4rem; border-bottom: 1px solid #ccc; } td.n { text-align: right; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; } dt { font-weight: 600; }
.voided { border: 3px solid #b00; color: #b00; padding: .5rem; font-weight: 700; }
@media print { .noprint { display: none; } }
</style>
</head>
<body>
<h1>Karavan — ${escapeHtml(t.title)}</h1>
${d.voided ? `<p class="voided">${t.voided}: ${escapeHtml(time(d.voided.at))}. ${t.reason}: ${escapeHtml(d.voided.reason)}</p>` : ''}
<dl>
<dt>${t.number}</dt><dd>${escapeHtml(d.id)}</dd>
<dt>${t.received}</dt><dd>${escapeHtml(time(d.receivedAt))}</dd>
<dt>${t.location}</dt><dd>${escapeHtml(localize(location.name, locale))}${location.address ? `, ${escapeHtml(location.address)}` : ''}</dd>
<dt>${t.campaign}</dt><dd>${escapeHtml(localize(campaign.name, locale))}</dd>
<dt>${t.donor}</dt><dd>${donor}</dd>
</dl>
<table>
<thead><tr><th>${t.item}</th><th>${t.quantity}</th><th>${t.expires}</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p>${t.thanks}</p>
</body>
</html>
`;
}
