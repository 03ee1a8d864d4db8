import {
  formatDayHours,
  hoursToday,
  localize,
  wallClock,
  type Locale,
  type PublicCampaignDto,
  type PublicCollectionPointDto,
  type PublicNeedDto,
} from '@karavan/shared';

/*
 * What a drive's channel posts (issue 20): the same facts as the public board, as plain text for
 * a Telegram channel or an Instagram caption, and as lines for the cards (cards.ts).
 */

interface Words {
  needed: string;
  enough: string;
  enoughTitle: string;
  done: string;
  mostNeeded: string;
  where: string;
  collected: string;
  pledged: string;
  openNow: (closes: string) => string;
  opensAt: (opens: string) => string;
  closedToday: string;
  closedNow: string;
  today: (hours: string) => string;
  asOf: (when: string) => string;
  link: string;
  /** The board's link to a point's map, and its note while the app loads (needs-page.ts). */
  map: string;
  loading: string;
  units: Record<string, string>;
}

export const CHANNEL_WORDS: Record<Locale, Words> = {
  ru: {
    needed: 'Ещё нужно',
    enough: 'ХВАТАЕТ, не несите',
    enoughTitle: 'Хватает — больше не несите',
    done: 'собрано полностью',
    mostNeeded: 'Больше всего нужно',
    where: 'Куда принести',
    collected: 'собрано',
    pledged: 'обещано',
    openNow: (closes) => `открыто до ${closes}`,
    opensAt: (opens) => `откроется в ${opens}`,
    closedToday: 'сегодня закрыто',
    closedNow: 'сейчас закрыто',
    today: (hours) => `сегодня ${hours}`,
    asOf: (when) => `Данные на ${when}`,
    link: 'Подробнее и обещать принести',
    map: 'На карте',
    loading: 'Страница загружается: скоро здесь можно будет пообещать принести.',
    units: { loaf: 'бух.', litre: 'л', kg: 'кг', piece: 'шт.' },
  },
  en: {
    needed: 'Still needed',
    enough: 'ENOUGH, stop bringing',
    enoughTitle: 'Enough — please stop bringing',
    done: 'fully collected',
    mostNeeded: 'Most needed',
    where: 'Where to bring it',
    collected: 'collected',
    pledged: 'pledged',
    openNow: (closes) => `open until ${closes}`,
    opensAt: (opens) => `opens at ${opens}`,
    closedToday: 'closed today',
    closedNow: 'closed now',
    today: (hours) => `today ${hours}`,
    asOf: (when) => `As of ${when}`,
    link: 'Details and pledges',
    map: 'On the map',
    loading: 'The page is loading: in a moment you can pledge here.',
    units: { loaf: 'loaves', litre: 'L', kg: 'kg', piece: 'pcs' },
  },
  ky: {
    needed: 'Дагы керек',
    enough: 'ЖЕТИШТҮҮ, алып келбеңиз',
    enoughTitle: 'Жетиштүү — мындан ары алып келбеңиз',
    done: 'толук чогулду',
    mostNeeded: 'Эң көп керек',
    where: 'Кайда алып келүү керек',
    collected: 'чогулду',
    pledged: 'убада',
    openNow: (closes) => `${closes} чейин ачык`,
    opensAt: (opens) => `${opens} ачылат`,
    closedToday: 'бүгүн жабык',
    closedNow: 'азыр жабык',
    today: (hours) => `бүгүн ${hours}`,
    asOf: (when) => `${when} боюнча маалымат`,
    link: 'Толугураак жана убада берүү',
    map: 'Картада',
    loading: 'Барак жүктөлүүдө: бир аздан кийин бул жерде убада бере аласыз.',
    units: { loaf: 'нан', litre: 'л', kg: 'кг', piece: 'даана' },
  },
  kk: {
    needed: 'Әлі қажет',
    enough: 'ЖЕТКІЛІКТІ, әкелмеңіз',
    enoughTitle: 'Жеткілікті — енді әкелмеңіз',
    done: 'толық жиналды',
    mostNeeded: 'Ең көп қажет',
    where: 'Қайда әкелу керек',
    collected: 'жиналды',
    pledged: 'уәде',
    openNow: (closes) => `${closes} дейін ашық`,
    opensAt: (opens) => `${opens} ашылады`,
    closedToday: 'бүгін жабық',
    closedNow: 'қазір жабық',
    today: (hours) => `бүгін ${hours}`,
    asOf: (when) => `${when} бойынша деректер`,
    link: 'Толығырақ және уәде беру',
    map: 'Картада',
    loading: 'Бет жүктелуде: сәлден кейін осы жерде уәде бере аласыз.',
    units: { loaf: 'бөлке', litre: 'л', kg: 'кг', piece: 'дана' },
  },
};

const numbers = (lang: Locale) => new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'ru-RU');

/** The facts of a board in one language, shared by the text and the cards. */
export interface ChannelFacts {
  title: string;
  enough: string[];
  needs: {
    name: string;
    enough: boolean;
    /** Covered share of the target, 0..1. */
    share: number;
    /** The share in whole percent, never 100 while something is still needed. */
    percent: number;
    /** "Ещё нужно: 380 бух." or the enough / done words. */
    headline: string;
    /** "собрано 120 · обещано 40". */
    figures: string;
    needed: number;
  }[];
  mostNeeded: string | null;
  points: { name: string; address: string | null; hours: string | null; map: string | null }[];
  asOf: string;
  words: Words;
}

const itemName = (need: PublicNeedDto, lang: Locale) => need.name[lang] || need.name.ru;
const share = (need: PublicNeedDto) =>
  need.target > 0 ? Math.min(1, Math.max(0, (need.target - need.needed) / need.target)) : 1;

function pointHours(point: PublicCollectionPointDto, zone: string, words: Words, now: Date): string | null {
  const today = hoursToday(point.weeklyHours, zone, now);
  if (!today) return point.openingHours || null;
  if (today.intervals.length === 0) return words.closedToday;
  const state = today.openNow
    ? words.openNow(today.closesAt!)
    : today.opensAt
      ? words.opensAt(today.opensAt)
      : words.closedNow;
  return `${words.today(formatDayHours(today.intervals))}, ${state}`;
}

/** The board's facts in `lang`: "enough" first, then the biggest need. */
export function channelFacts(board: PublicCampaignDto, lang: Locale, now = new Date()): ChannelFacts {
  const words = CHANNEL_WORDS[lang];
  const n = numbers(lang);
  const qty = (value: number, unit: string) => `${n.format(value)} ${words.units[unit] ?? unit}`;
  const sorted = [...board.needs].sort(
    (x, y) => Number(y.enough) - Number(x.enough) || Number(y.needed > 0) - Number(x.needed > 0) || y.needed - x.needed,
  );
  const open = sorted.filter((need) => !need.enough && need.needed > 0);
  // Most needed: the largest share of its target still missing.
  const most = [...open].sort((x, y) => y.needed / y.target - x.needed / x.target)[0];
  const clock = wallClock(new Date(board.asOf), board.timeZone);
  const [y, m, d] = clock.date.split('-');
  return {
    title: localize(board.name, lang),
    enough: sorted.filter((need) => need.enough).map((need) => itemName(need, lang)),
    needs: sorted.map((need) => ({
      name: itemName(need, lang),
      enough: need.enough,
      share: share(need),
      percent: need.needed > 0 ? Math.min(99, Math.floor(share(need) * 100)) : 100,
      headline: need.enough
        ? words.enough
        : need.needed > 0
          ? `${words.needed}: ${qty(need.needed, need.baseUnit)}`
          : words.done,
      figures: `${words.collected} ${qty(need.collected, need.baseUnit)} · ${words.pledged} ${qty(need.pledged, need.baseUnit)}`,
      needed: need.needed,
    })),
    mostNeeded: most ? itemName(most, lang) : null,
    points: board.collectionPoints.map((point) => ({
      name: localize(point.name, lang),
      address: point.address || null,
      hours: pointHours(point, board.timeZone, words, now),
      map: point.position
        ? `https://www.openstreetmap.org/?mlat=${point.position.lat}&mlon=${point.position.lng}#map=17/${point.position.lat}/${point.position.lng}`
        : null,
    })),
    asOf: `${d}.${m}.${y} ${clock.time}`,
    words,
  };
}

/**
 * The board as plain text for a Telegram channel or an Instagram caption: emoji mark the kinds
 * of line (stop, need, place, time), so a reader finds them at a glance.
 */
export function summaryText(board: PublicCampaignDto, lang: Locale, link: string | null, now = new Date()): string {
  const facts = channelFacts(board, lang, now);
  const { words } = facts;
  const lines: string[] = [`📢 ${facts.title}`, ''];
  if (facts.enough.length > 0) lines.push(`⛔ ${words.enoughTitle}: ${facts.enough.join(', ')}`, '');
  if (facts.mostNeeded) lines.push(`🔥 ${words.mostNeeded}: ${facts.mostNeeded}`, '');
  for (const need of facts.needs) {
    const mark = need.enough ? '⛔' : need.needed > 0 ? '🟠' : '✅';
    lines.push(`${mark} ${need.name} — ${need.headline}`, `   ${bar(need.percent)} ${need.percent}% · ${need.figures}`);
  }
  if (facts.points.length > 0) {
    lines.push('', `📍 ${words.where}:`);
    for (const point of facts.points) {
      lines.push(`• ${point.name}${point.address ? `, ${point.address}` : ''}`);
      if (point.hours) lines.push(`  🕘 ${point.hours}`);
      if (point.map) lines.push(`  🗺 ${point.map}`);
    }
  }
  lines.push('', `🕒 ${words.asOf(facts.asOf)}`);
  if (link) lines.push(`👉 ${words.link}: ${link}`);
  return `${lines.join('\n')}\n`;
}

/** A bar of ten blocks, as text (full only at 100%). */
function bar(percent: number): string {
  const full = Math.floor(percent / 10);
  return `${'▓'.repeat(full)}${'░'.repeat(10 - full)}`;
}
