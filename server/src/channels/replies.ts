import type { BaseUnit, Locale, ShipmentStatus, ShortfallReason } from '@karavan/shared';

/*
 * The short replies of the channels, in the four languages: what was understood, what was done,
 * and why not. Kept short: an SMS is 70 Cyrillic characters a part.
 */

export interface Words {
  units: Record<BaseUnit, string>;
  statuses: Record<ShipmentStatus, string>;
  reasons: Record<ShortfallReason, string>;
  understood: (what: string) => string;
  recorded: (what: string, place: string) => string;
  statusDone: (status: string, route: string) => string;
  refused: (status: string) => string;
  /** Refused by a rule of the app (its message, in English). */
  failed: (why: string) => string;
  noShipment: string;
  noPoint: string;
  noCampaign: string;
  notYours: string;
  unclear: string;
  cancelled: string;
  nothingToConfirm: string;
  needed: (list: string) => string;
  enough: (list: string) => string;
  nothingNeeded: string;
  delivered: string;
}

const EXAMPLES = '+500 хлеб; +20 ящ молоко; КПП; выехал; прибыл; сдал 480 хлеб, 20 испорчено; нужно?';

export const REPLIES: Record<Locale, Words> = {
  ru: {
    units: { loaf: 'бух', litre: 'л', kg: 'кг', piece: 'шт' },
    statuses: {
      planned: 'запланирован',
      loading: 'загрузка',
      departed: 'выехал',
      at_checkpoint: 'на КПП',
      arrived: 'прибыл',
      delivered: 'сдан',
      cancelled: 'отменён',
    },
    reasons: { spoiled: 'испорчено', damaged: 'повреждено', lost: 'потеряно', stolen: 'украдено' },
    understood: (what) => `Понял так: ${what}. Верно? Ответьте ДА или НЕТ.`,
    recorded: (what, place) => `Записано: ${what} — ${place}. Спасибо!`,
    statusDone: (status, route) => `Принято: ${status} (${route}).`,
    refused: (status) => `Не принято: рейс сейчас «${status}».`,
    failed: (why) => `Не принято: ${why}`,
    noShipment: 'У вас нет текущего рейса для этого статуса.',
    noPoint: 'Не знаю ваш пункт сбора: попросите указать ваш телефон в контактах пункта.',
    noCampaign: 'Для вашего пункта нет активной кампании.',
    notYours: 'Эта команда не для вашей роли.',
    unclear: `Не понял. Примеры: ${EXAMPLES}`,
    cancelled: 'Отменено.',
    nothingToConfirm: 'Нечего подтверждать.',
    needed: (list) => `Нужно: ${list}.`,
    enough: (list) => `Хватает: ${list}.`,
    nothingNeeded: 'Сейчас ничего не нужно. Спасибо!',
    delivered: 'сдал',
  },
  en: {
    units: { loaf: 'loaves', litre: 'l', kg: 'kg', piece: 'pcs' },
    statuses: {
      planned: 'planned',
      loading: 'loading',
      departed: 'departed',
      at_checkpoint: 'at the checkpoint',
      arrived: 'arrived',
      delivered: 'delivered',
      cancelled: 'cancelled',
    },
    reasons: { spoiled: 'spoiled', damaged: 'damaged', lost: 'lost', stolen: 'stolen' },
    understood: (what) => `I understood: ${what}. Right? Reply YES or NO.`,
    recorded: (what, place) => `Recorded: ${what} at ${place}. Thank you!`,
    statusDone: (status, route) => `Done: ${status} (${route}).`,
    refused: (status) => `Not accepted: the shipment is "${status}" now.`,
    failed: (why) => `Not accepted: ${why}`,
    noShipment: 'You have no current shipment for this status.',
    noPoint: 'I do not know your collection point: ask for your phone to be its contact.',
    noCampaign: 'No active campaign takes donations at your point.',
    notYours: 'This command is not for your role.',
    unclear:
      'Not understood. Examples: +500 bread; +20 crate milk; border; departed; arrived; delivered 480 bread, 20 spoiled; needed?',
    cancelled: 'Cancelled.',
    nothingToConfirm: 'Nothing to confirm.',
    needed: (list) => `Needed: ${list}.`,
    enough: (list) => `Enough: ${list}.`,
    nothingNeeded: 'Nothing is needed now. Thank you!',
    delivered: 'delivered',
  },
  ky: {
    units: { loaf: 'бөлкө', litre: 'л', kg: 'кг', piece: 'даана' },
    statuses: {
      planned: 'пландалган',
      loading: 'жүктөлүүдө',
      departed: 'жолго чыкты',
      at_checkpoint: 'чек арада',
      arrived: 'келди',
      delivered: 'тапшырылды',
      cancelled: 'жокко чыгарылды',
    },
    reasons: { spoiled: 'бузулган', damaged: 'сынган', lost: 'жоголгон', stolen: 'уурдалган' },
    understood: (what) => `Мен мындай түшүндүм: ${what}. Туурабы? ООБА же ЖОК деп жооп бериңиз.`,
    recorded: (what, place) => `Жазылды: ${what} — ${place}. Рахмат!`,
    statusDone: (status, route) => `Кабыл алынды: ${status} (${route}).`,
    refused: (status) => `Кабыл алынган жок: жүк азыр «${status}».`,
    failed: (why) => `Кабыл алынган жок: ${why}`,
    noShipment: 'Бул статус үчүн сизде учурдагы жүк жок.',
    noPoint: 'Сиздин чогултуу пунктуңуз белгисиз: телефонуңузду пункттун байланышына кошуңуз.',
    noCampaign: 'Сиздин пунктта активдүү кампания жок.',
    notYours: 'Бул буйрук сиздин ролуңуз үчүн эмес.',
    unclear: `Түшүнгөн жокмун. Мисалдар: +500 нан; +20 жашик сүт; чек ара; жолго чыктым; келдим; тапшырдым 480 нан, 20 бузулган; эмне керек?`,
    cancelled: 'Жокко чыгарылды.',
    nothingToConfirm: 'Ырастай турган эч нерсе жок.',
    needed: (list) => `Керек: ${list}.`,
    enough: (list) => `Жетиштүү: ${list}.`,
    nothingNeeded: 'Азыр эч нерсе керек эмес. Рахмат!',
    delivered: 'тапшырдым',
  },
  kk: {
    units: { loaf: 'бөлке', litre: 'л', kg: 'кг', piece: 'дана' },
    statuses: {
      planned: 'жоспарланған',
      loading: 'тиелуде',
      departed: 'жолға шықты',
      at_checkpoint: 'шекарада',
      arrived: 'келді',
      delivered: 'тапсырылды',
      cancelled: 'болдырылмады',
    },
    reasons: { spoiled: 'бұзылған', damaged: 'бүлінген', lost: 'жоғалған', stolen: 'ұрланған' },
    understood: (what) => `Мен былай түсіндім: ${what}. Дұрыс па? ИӘ немесе ЖОҚ деп жауап беріңіз.`,
    recorded: (what, place) => `Жазылды: ${what} — ${place}. Рахмет!`,
    statusDone: (status, route) => `Қабылданды: ${status} (${route}).`,
    refused: (status) => `Қабылданбады: жүк қазір «${status}».`,
    failed: (why) => `Қабылданбады: ${why}`,
    noShipment: 'Бұл мәртебе үшін сізде ағымдағы жүк жоқ.',
    noPoint: 'Жинау пунктіңіз белгісіз: телефоныңызды пункттің байланысына қосыңыз.',
    noCampaign: 'Сіздің пунктте белсенді науқан жоқ.',
    notYours: 'Бұл пәрмен сіздің рөліңізге арналмаған.',
    unclear: `Түсінбедім. Мысалдар: +500 нан; +20 жәшік сүт; шекара; жолға шықтым; келдім; тапсырдым 480 нан, 20 бұзылған; не керек?`,
    cancelled: 'Болдырылмады.',
    nothingToConfirm: 'Растайтын ештеңе жоқ.',
    needed: (list) => `Керек: ${list}.`,
    enough: (list) => `Жеткілікті: ${list}.`,
    nothingNeeded: 'Қазір ештеңе керек емес. Рахмет!',
    delivered: 'тапсырдым',
  },
};
