import type { BaseUnit, Locale, ShortfallReason } from '@karavan/shared';

/*
 * The words of the command language, per language. Each entry is a phrase of one or more words
 * (folded as words.ts folds what is typed: no ё, ү, қ ...); a word ending in `*` matches any word
 * it begins, for the Kyrgyz and Kazakh endings ("шекара*": шекарада, шекарадамын).
 */

export type DriverStatus = 'departed' | 'at_checkpoint' | 'arrived' | 'delivered';

export type Phrases = Partial<Record<Locale, string[]>>;

/** What a driver reports. A phrase is matched as consecutive words anywhere in the message. */
export const STATUS_WORDS: Record<DriverStatus, Phrases> = {
  at_checkpoint: {
    ru: ['кпп', 'на кпп', 'границ*', 'таможн*', 'пост'],
    en: ['border', 'checkpoint', 'customs', 'at the border'],
    ky: ['чек ара*', 'чекара*', 'бажы*'],
    kk: ['шекара*', 'кеден*', 'бекет*'],
  },
  departed: {
    ru: ['выехал*', 'выезжаю', 'в пути', 'отправил*', 'поехал*', 'уехал*', 'тронул*'],
    en: ['departed', 'left', 'leaving', 'on the way', 'on my way', 'on our way', 'set off', 'driving'],
    ky: ['жолго чыкт*', 'чыктым', 'чыктык', 'жөнөдүм', 'жөнөдүк', 'жолдомун', 'жолдобуз'],
    kk: ['жолға шықт*', 'шықтым', 'шықтық', 'жолдамын', 'жолдамыз', 'аттандым', 'аттандық'],
  },
  arrived: {
    ru: ['прибыл*', 'приехал*', 'доехал*', 'на месте', 'добрал*'],
    en: ['arrived', 'arrive', 'here', 'at destination', 'reached'],
    ky: ['келдим', 'келдик', 'жеттим', 'жеттик', 'жетип келд*'],
    kk: ['келдім', 'келдік', 'жеттім', 'жеттік', 'жетіп келд*'],
  },
  delivered: {
    ru: ['сдал*', 'доставил*', 'доставлен*', 'выгрузил*', 'передал*', 'разгрузил*'],
    en: ['delivered', 'deliver', 'handed over', 'unloaded'],
    ky: ['тапшырд*', 'өткөрдүм', 'өткөрдүк', 'жеткирд*', 'түшүрдүм'],
    kk: ['тапсырд*', 'жеткізд*', 'өткізд*', 'түсірд*'],
  },
};

/** Why goods did not arrive, in a delivery ("20 испорчено"). */
export const SHORTFALL_WORDS: Record<ShortfallReason, Phrases> = {
  spoiled: {
    ru: ['испорч*', 'порча', 'прокис*', 'просроч*', 'тухл*'],
    en: ['spoiled', 'spoilt', 'rotten', 'sour', 'expired'],
    ky: ['бузулг*', 'бузулду', 'бузук', 'кычкыл*'],
    kk: ['бұзылғ*', 'бұзылды', 'бұзық', 'ашып кетт*'],
  },
  damaged: {
    ru: ['поврежд*', 'брак', 'бой', 'разбит*', 'помят*', 'порван*'],
    en: ['damaged', 'broken', 'crushed', 'torn'],
    ky: ['сынг*', 'сынды', 'жарак*'],
    kk: ['бүлінг*', 'бүлінді', 'сынғ*', 'сынды', 'зақым*'],
  },
  lost: {
    ru: ['потерян*', 'пропал*', 'потеря', 'недостач*', 'не хватает'],
    en: ['lost', 'missing', 'short'],
    ky: ['жоголд*', 'жоголг*', 'жетпейт'],
    kk: ['жоғалд*', 'жоғалғ*', 'жетпейді'],
  },
  stolen: {
    ru: ['украл*', 'украден*', 'кража'],
    en: ['stolen', 'stole', 'theft'],
    ky: ['уурдал*', 'уурдашт*'],
    kk: ['ұрла*'],
  },
};

/** "What is needed?" (any of these words, and no number). */
export const QUESTION_WORDS: Phrases = {
  ru: ['нужн*', 'надо', 'требует*', 'не хватает'],
  en: ['need', 'needed', 'needs', 'required'],
  ky: ['керек*', 'муктаж*'],
  kk: ['керек*', 'қажет*'],
};

/** Words a question may also hold ("что нужно?", "what is needed"). */
export const QUESTION_FILLER = [
  'что',
  'чего',
  'сейчас',
  'еще',
  'ещё',
  'what',
  'is',
  'are',
  'do',
  'you',
  'now',
  'эмне',
  'азыр',
  'не',
  'қазір',
  'қандай',
];

/** A reply that confirms what was understood, or refuses it (the whole message). */
export const CONFIRM_WORDS: Phrases = {
  ru: ['да', 'ага', 'ок', 'ok', 'подтверждаю', 'верно', 'точно', 'все верно', 'да верно'],
  en: ['yes', 'y', 'ok', 'okay', 'confirm', 'correct', 'yes please'],
  ky: ['ооба', 'макул', 'туура', 'ооба туура'],
  kk: ['иә', 'ия', 'иа', 'жарайды', 'дұрыс', 'иә дұрыс'],
};
export const CANCEL_WORDS: Phrases = {
  ru: ['нет', 'отмена', 'неверно', 'не так', 'отменить'],
  en: ['no', 'n', 'cancel', 'wrong'],
  ky: ['жок', 'жокко чыгар', 'туура эмес'],
  kk: ['жоқ', 'болдырма', 'дұрыс емес'],
};

/** Words around a command that change nothing ("я на КПП", "at the border now"). */
export const FILLER = new Set([
  'я',
  'мы',
  'на',
  'в',
  'уже',
  'сейчас',
  'у',
  'к',
  'по',
  'с',
  'и',
  'шт',
  'штук',
  'i',
  'we',
  'am',
  'are',
  'at',
  'the',
  'now',
  'just',
  'have',
  'and',
  'of',
  'мен',
  'биз',
  'азыр',
  'біз',
  'қазір',
]);

/**
 * Pack units by the words people use for them: a word here matches a pack of the item whose unit
 * is the key (or spelled like the word itself). Russian, Kyrgyz and Kazakh words; the English
 * unit names of the catalogue match as typed.
 */
export const PACK_WORDS: Record<string, string[]> = {
  crate: ['ящ', 'ящик', 'ящика', 'ящиков', 'ящики', 'crate', 'crates', 'жашик*', 'жәшік*', 'кутуча'],
  box: ['кор', 'короб*', 'коробк*', 'box', 'boxes', 'куту*', 'қорап*'],
  tray: ['лоток', 'лотка', 'лотков', 'лотки', 'tray', 'trays', 'поднос*', 'науа*'],
  pack: ['уп', 'упак*', 'пачк*', 'пакет*', 'pack', 'packs', 'пачка', 'орам*'],
  bag: ['мешок', 'мешка', 'мешков', 'мешки', 'bag', 'bags', 'кап', 'қап'],
  pallet: ['паллет*', 'поддон*', 'pallet', 'pallets'],
  bottle: ['бут', 'бутыл*', 'bottle', 'bottles', 'бөтөлкө*', 'бөтелке*'],
  case: ['упаковк*', 'case', 'cases'],
};

/** Base units by the words people use for them (the quantity is then in base units). */
export const BASE_WORDS: Record<BaseUnit, string[]> = {
  loaf: ['бух', 'буханк*', 'буханок', 'булк*', 'loaf', 'loaves', 'бөлке*'],
  litre: ['л', 'литр*', 'litre', 'litres', 'liter', 'liters', 'l'],
  kg: ['кг', 'килограмм*', 'кило', 'kg', 'kilo', 'kilos', 'kilogram*'],
  piece: ['шт', 'штук*', 'штуки', 'pcs', 'pc', 'piece', 'pieces', 'даана', 'дана'],
};
