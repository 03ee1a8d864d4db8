import { parseCommand, type CatalogueItem, type Understanding } from '../../server/src/channels';
import { editDistance, matchWord } from '../../server/src/channels/words';

// The command language of the channels, as volunteers write it: a table of phrasings in the four
// languages, each read into what it says, whether that is certain, and the language it was in.

const catalogue: CatalogueItem[] = [
  {
    id: 'bread',
    name: { ru: 'Хлеб', en: 'Bread', ky: 'Нан', kk: 'Нан' },
    baseUnit: 'loaf',
    packs: [{ unit: 'tray', size: 20 }],
  },
  {
    id: 'milk',
    name: { ru: 'Молоко', en: 'Milk', ky: 'Сүт', kk: 'Сүт' },
    baseUnit: 'litre',
    packs: [
      { unit: 'pack', size: 1 },
      { unit: 'crate', size: 12 },
    ],
  },
  {
    id: 'kefir',
    name: { ru: 'Кефир', en: 'Kefir', ky: 'Кефир', kk: 'Айран' },
    baseUnit: 'litre',
    packs: [{ unit: 'crate', size: 12 }],
  },
  {
    id: 'flour',
    name: { ru: 'Мука', en: 'Flour', ky: 'Ун', kk: 'Ұн' },
    baseUnit: 'kg',
    packs: [{ unit: 'bag', size: 50 }],
  },
  {
    id: 'water',
    name: { ru: 'Вода питьевая', en: 'Drinking water', ky: 'Ичүүчү суу', kk: 'Ауыз су' },
    baseUnit: 'litre',
    packs: [{ unit: 'box', size: 6 }],
  },
  {
    id: 'baby',
    name: { ru: 'Детское питание', en: 'Baby food', ky: 'Балдар тамагы', kk: 'Балалар тағамы' },
    baseUnit: 'piece',
    packs: [{ unit: 'box', size: 24 }],
  },
];

/** What was understood, in one line: "donation bread 500", "status delivered | bread 480 | spoiled 20". */
function said(u: Understanding): string {
  const c = u.command;
  const lines = (ls: { itemId: string; quantity: number }[]) => ls.map((l) => `${l.itemId} ${l.quantity}`).join(', ');
  if (c.kind === 'donation') return `donation ${lines(c.lines)}`;
  if (c.kind !== 'status') return c.kind;
  const shortfalls = c.shortfalls.map((s) => `${s.reason} ${s.quantity}${s.itemId ? ` ${s.itemId}` : ''}`).join(', ');
  return [`status ${c.status}`, lines(c.lines), shortfalls].filter(Boolean).join(' | ');
}

type Row = [text: string, meaning: string, certain: boolean, language: string | null];

// Written as they come, certain: each also read in capitals, with ё, padded and with punctuation.
const CERTAIN: Row[] = [
  // Donations: Russian
  ['+500 хлеб', 'donation bread 500', true, 'ru'],
  ['+500 хлеба', 'donation bread 500', true, 'ru'],
  ['+ 500 хлеб', 'donation bread 500', true, 'ru'],
  ['хлеб +500', 'donation bread 500', true, 'ru'],
  ['+20 ящ молоко', 'donation milk 240', true, 'ru'],
  ['+20 ящ. молока', 'donation milk 240', true, 'ru'],
  ['+20 ящиков молока', 'donation milk 240', true, 'ru'],
  ['+2 ящика молока', 'donation milk 24', true, 'ru'],
  ['+1 ящик кефира', 'donation kefir 12', true, null], // Кефир in Russian and Kyrgyz alike
  ['+3 лотка хлеба', 'donation bread 60', true, 'ru'],
  ['+40 л молока', 'donation milk 40', true, 'ru'],
  ['+40 литров молока', 'donation milk 40', true, 'ru'],
  ['+300 буханок хлеба', 'donation bread 300', true, 'ru'],
  ['+2 мешка муки', 'donation flour 100', true, 'ru'],
  ['+25 кг муки', 'donation flour 25', true, 'ru'],
  ['+10 коробок воды питьевой', 'donation water 60', true, 'ru'],
  ['+12 вода питьевая', 'donation water 12', true, 'ru'],
  ['+5 детское питание', 'donation baby 5', true, 'ru'],
  ['+500 хлеб, +20 ящ молока', 'donation bread 500, milk 240', true, 'ru'],
  ['+500 хлеб +20 ящ молока +5 кефир', 'donation bread 500, milk 240, kefir 5', true, 'ru'],
  ['+100 кефир; +50 хлеб', 'donation kefir 100, bread 50', true, 'ru'],
  // Donations: English
  ['+500 bread', 'donation bread 500', true, 'en'],
  ['+20 crates milk', 'donation milk 240', true, 'en'],
  ['+20 crate milk', 'donation milk 240', true, 'en'],
  ['+2 trays bread', 'donation bread 40', true, 'en'],
  ['+3 bags flour', 'donation flour 150', true, 'en'],
  ['+10 litres kefir', 'donation kefir 10', true, 'en'],
  ['+6 drinking water', 'donation water 6', true, 'en'],
  ['+4 boxes baby food', 'donation baby 96', true, 'en'],
  ['+500 bread, +12 milk', 'donation bread 500, milk 12', true, 'en'],
  ['+30 loaves bread', 'donation bread 30', true, 'en'],
  // Donations: Kyrgyz
  ['+500 нан', 'donation bread 500', true, null],
  ['+20 жашик сүт', 'donation milk 240', true, 'ky'],
  ['+20 сүт', 'donation milk 20', true, 'ky'],
  ['+2 кап ун', 'donation flour 100', true, null],
  ['+12 ичүүчү суу', 'donation water 12', true, 'ky'],
  ['+3 балдар тамагы', 'donation baby 3', true, 'ky'],
  ['+500 нан, +20 жашик сүт', 'donation bread 500, milk 240', true, 'ky'],
  ['+10 кефир', 'donation kefir 10', true, null],
  // Donations: Kazakh
  ['+500 нан бөлке', 'donation bread 500', true, 'ky'], // ө: Kyrgyz or Kazakh, read as Kyrgyz
  ['+20 жәшік сүт', 'donation milk 240', true, 'kk'],
  ['+15 айран', 'donation kefir 15', true, 'kk'],
  ['+2 қап ұн', 'donation flour 100', true, 'kk'],
  ['+6 ауыз су', 'donation water 6', true, 'kk'],
  ['+3 балалар тағамы', 'donation baby 3', true, 'kk'],
  ['+2 жәшік айран', 'donation kefir 24', true, 'kk'],
  // Statuses: Russian
  ['КПП', 'status at_checkpoint', true, 'ru'],
  ['на кпп', 'status at_checkpoint', true, 'ru'],
  ['я на КПП', 'status at_checkpoint', true, 'ru'],
  ['на границе', 'status at_checkpoint', true, 'ru'],
  ['стоим на границе', 'status at_checkpoint', true, 'ru'],
  ['на таможне', 'status at_checkpoint', true, 'ru'],
  ['выехал', 'status departed', true, 'ru'],
  ['выехали', 'status departed', true, 'ru'],
  ['выезжаю', 'status departed', true, 'ru'],
  ['в пути', 'status departed', true, 'ru'],
  ['уже в пути', 'status departed', true, 'ru'],
  ['поехали', 'status departed', true, 'ru'],
  ['отправился', 'status departed', true, 'ru'],
  ['прибыл', 'status arrived', true, 'ru'],
  ['прибыли', 'status arrived', true, 'ru'],
  ['приехал', 'status arrived', true, 'ru'],
  ['доехал', 'status arrived', true, 'ru'],
  ['на месте', 'status arrived', true, 'ru'],
  ['сдал', 'status delivered', true, 'ru'],
  ['сдал всё', 'status delivered', false, 'ru'],
  ['доставил', 'status delivered', true, 'ru'],
  ['выгрузил', 'status delivered', true, 'ru'],
  ['сдал 480 хлеб, 20 испорчено', 'status delivered | bread 480 | spoiled 20', true, 'ru'],
  ['сдал 480 хлеба 20 испорчено', 'status delivered | bread 480 | spoiled 20', true, 'ru'],
  ['сдал 480 хлеб, 20 хлеб испорчено', 'status delivered | bread 480 | spoiled 20 bread', true, 'ru'],
  ['сдал 480 хлеб, 20 повреждено', 'status delivered | bread 480 | damaged 20', true, 'ru'],
  ['сдал 480 хлеб, 20 брак', 'status delivered | bread 480 | damaged 20', true, 'ru'],
  ['сдал 480 хлеб, 20 потеряно', 'status delivered | bread 480 | lost 20', true, 'ru'],
  ['сдал 480 хлеб, 20 украдено', 'status delivered | bread 480 | stolen 20', true, 'ru'],
  ['сдал 480 хлеб, 230 молока', 'status delivered | bread 480, milk 230', true, 'ru'],
  ['доставил 500 хлеб', 'status delivered | bread 500', true, 'ru'],
  ['сдал 480 хлеб 20 испорчено 240 молоко', 'status delivered | bread 480, milk 240 | spoiled 20', true, 'ru'],
  // Statuses: English
  ['border', 'status at_checkpoint', true, 'en'],
  ['at the border', 'status at_checkpoint', true, 'en'],
  ['at checkpoint', 'status at_checkpoint', true, 'en'],
  ['customs', 'status at_checkpoint', true, 'en'],
  ['departed', 'status departed', true, 'en'],
  ['left', 'status departed', true, 'en'],
  ['on the way', 'status departed', true, 'en'],
  ['on my way', 'status departed', true, 'en'],
  ['arrived', 'status arrived', true, 'en'],
  ['we arrived', 'status arrived', true, 'en'],
  ['delivered', 'status delivered', true, 'en'],
  ['delivered 480 bread, 20 spoiled', 'status delivered | bread 480 | spoiled 20', true, 'en'],
  ['delivered 480 bread 20 damaged', 'status delivered | bread 480 | damaged 20', true, 'en'],
  ['delivered 480 bread, 20 lost', 'status delivered | bread 480 | lost 20', true, 'en'],
  ['unloaded 240 milk', 'status delivered | milk 240', true, 'en'],
  ['handed over 100 kefir', 'status delivered | kefir 100', true, 'en'],
  // Statuses: Kyrgyz
  ['чек ара', 'status at_checkpoint', true, 'ky'],
  ['чек арадамын', 'status at_checkpoint', true, 'ky'],
  ['чекарада', 'status at_checkpoint', true, 'ky'],
  ['бажыда', 'status at_checkpoint', true, 'ky'],
  ['жолго чыктым', 'status departed', true, 'ky'],
  ['чыктым', 'status departed', true, 'ky'],
  ['жолдомун', 'status departed', true, 'ky'],
  ['жөнөдүк', 'status departed', true, 'ky'],
  ['келдим', 'status arrived', true, null], // also Kazakh келдім typed without і
  ['жеттик', 'status arrived', true, null],
  ['жөнөдүм', 'status departed', true, 'ky'],
  ['тапшырдым', 'status delivered', true, 'ky'],
  ['тапшырдым 480 нан, 20 бузулган', 'status delivered | bread 480 | spoiled 20', true, 'ky'],
  ['тапшырдым 480 нан 20 сынган', 'status delivered | bread 480 | damaged 20', true, 'ky'],
  ['тапшырдым 240 сүт', 'status delivered | milk 240', true, 'ky'],
  // Statuses: Kazakh
  ['шекара', 'status at_checkpoint', true, 'kk'],
  ['шекарадамын', 'status at_checkpoint', true, 'kk'],
  ['кеденде', 'status at_checkpoint', true, 'kk'],
  ['жолға шықтым', 'status departed', true, 'kk'],
  ['шықтық', 'status departed', true, 'kk'],
  ['жолдамын', 'status departed', true, 'kk'],
  ['келдім', 'status arrived', true, 'kk'],
  ['жеттім', 'status arrived', true, 'kk'],
  ['тапсырдым', 'status delivered', true, 'kk'],
  ['тапсырдым 480 нан, 20 бұзылған', 'status delivered | bread 480 | spoiled 20', true, 'kk'],
  ['тапсырдым 480 нан 20 бүлінген', 'status delivered | bread 480 | damaged 20', true, 'kk'],
  ['жеткіздім 240 сүт', 'status delivered | milk 240', true, 'kk'],
  // Questions
  ['нужно?', 'question', true, 'ru'],
  ['что нужно', 'question', true, 'ru'],
  ['что нужно?', 'question', true, 'ru'],
  ['что сейчас нужно', 'question', true, 'ru'],
  ['что надо', 'question', true, 'ru'],
  ['what is needed', 'question', true, 'en'],
  ['what is needed?', 'question', true, 'en'],
  ['needed?', 'question', true, 'en'],
  ['what do you need', 'question', true, 'en'],
  ['эмне керек', 'question', true, null],
  ['эмне керек?', 'question', true, null],
  ['керекпи', 'question', true, null],
  ['не керек', 'question', true, null],
  ['не қажет', 'question', true, 'kk'],
  ['қазір не қажет?', 'question', true, 'kk'],
  // Answers
  ['да', 'confirm', true, 'ru'],
  ['Да!', 'confirm', true, 'ru'],
  ['подтверждаю', 'confirm', true, 'ru'],
  ['верно', 'confirm', true, 'ru'],
  ['ok', 'confirm', true, 'en'],
  ['ок', 'confirm', true, 'ru'],
  ['yes', 'confirm', true, 'en'],
  ['ооба', 'confirm', true, 'ky'],
  ['макул', 'confirm', true, 'ky'],
  ['иә', 'confirm', true, 'kk'],
  ['жарайды', 'confirm', true, 'kk'],
  ['нет', 'cancel', true, 'ru'],
  ['отмена', 'cancel', true, 'ru'],
  ['no', 'cancel', true, 'en'],
  ['cancel', 'cancel', true, 'en'],
  ['жок', 'cancel', true, null],
  ['жоқ', 'cancel', true, 'kk'],
];

// Understood, with a doubt: typos, words left over, a donation without its "+".
const DOUBTFUL: Row[] = [
  ['+500 хлеп', 'donation bread 500', false, 'ru'],
  ['+500 хелб', 'donation bread 500', false, 'ru'],
  ['+20 ящ малоко', 'donation milk 240', false, 'ru'],
  ['+20 ящиков малока', 'donation milk 240', false, 'ru'],
  ['+20 ящ молоко от Ивана', 'donation milk 240', false, 'ru'],
  ['+5 кифир', 'donation kefir 5', false, null],
  ['+5 кефирр', 'donation kefir 5', false, null],
  ['500 хлеб', 'donation bread 500', false, 'ru'],
  ['20 ящ молоко', 'donation milk 240', false, 'ru'],
  ['+12 вода', 'donation water 12', false, 'ru'],
  ['+500 bred', 'donation bread 500', false, 'en'],
  ['+20 crates mlik', 'donation milk 240', false, 'en'],
  ['500 bread', 'donation bread 500', false, 'en'],
  ['+20 сут', 'donation milk 20', true, null],
  ['+15 айрн', 'donation kefir 15', false, 'kk'],
  ['+2 ящика бread', 'donation bread 2', false, 'en'], // bread comes in trays, not crates
  ['+10 лотков молока', 'donation milk 10', false, 'ru'],
  ['выехл', 'status departed', false, 'ru'],
  ['прибул', 'status arrived', false, 'ru'],
  ['прибыла', 'status arrived', true, 'ru'],
  ['на гранце', 'status at_checkpoint', false, 'ru'],
  ['arived', 'status arrived', false, 'en'],
  ['departd', 'status departed', false, 'en'],
  ['delivred 480 bread', 'status delivered | bread 480', false, 'en'],
  ['сдал 480 хлеп, 20 испорчено', 'status delivered | bread 480 | spoiled 20', false, 'ru'],
  ['сдал 480 хлеб, 20 испрочено', 'status delivered | bread 480 | spoiled 20', false, 'ru'],
  ['сдал 480 хлеб и ещё кое-что', 'status delivered | bread 480', false, 'ru'],
  ['шекарадамын', 'status at_checkpoint', true, 'kk'],
  ['шекрада', 'status at_checkpoint', false, 'kk'],
  ['келдм', 'status arrived', false, null],
];

// Not understood at all.
const UNCLEAR: string[] = [
  '',
  'привет',
  'hello',
  '???',
  '+500',
  '+500 бананов',
  'сәлем',
  'салам',
  '12345',
  'позвони мне',
];

/** The variants a phone makes of a phrase: capitals, ё for е, spaces, punctuation. */
function variants(text: string): string[] {
  return [
    text,
    text.toUpperCase(),
    text.replace(/е/g, 'ё'),
    `  ${text.replace(/ /g, '  ')} `,
    `${text}!`,
    `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}.`,
  ];
}

describe('The command language of the channels', () => {
  const certain = CERTAIN.flatMap(([text, meaning, sure, language]) =>
    [...new Set(variants(text))].map((v): Row => [v, meaning, sure, language]),
  );

  test('When the table is counted, then it holds hundreds of phrasings in all four languages', () => {
    expect(certain.length + DOUBTFUL.length + UNCLEAR.length).toBeGreaterThan(700);
    const languages = new Set([...CERTAIN, ...DOUBTFUL].map(([, , , language]) => language));
    expect([...languages]).toEqual(expect.arrayContaining(['ru', 'en', 'ky', 'kk']));
  });

  test.each(certain)(
    'When "%s" is sent, then it reads as %s (certain: %s, language: %s)',
    (text, meaning, sure, language) => {
      const u = parseCommand(text, catalogue);
      expect([said(u), u.certain, u.language]).toEqual([meaning, sure, language]);
    },
  );

  test.each(DOUBTFUL)(
    'When "%s" is sent, then it reads as %s (certain: %s, language: %s)',
    (text, meaning, sure, language) => {
      const u = parseCommand(text, catalogue);
      expect([said(u), u.certain, u.language]).toEqual([meaning, sure, language]);
    },
  );

  test.each(UNCLEAR)('When "%s" is sent, then nothing is understood and nothing is certain', (text) => {
    const u = parseCommand(text, catalogue);
    expect([u.command.kind, u.certain]).toEqual(['unknown', false]);
  });

  test('When a typo was guessed, then the understanding names the word and what it was taken for', () => {
    const u = parseCommand('+500 хлеп', catalogue);
    expect(u.guesses).toEqual([{ typed: 'хлеп', as: 'Хлеб' }]);
    expect(parseCommand('+20 ящ молоко от Ивана', catalogue).unknown).toEqual(['от', 'ивана']);
  });

  test('When words are compared, then short ones take no typo, middle ones one and long ones two', () => {
    expect(editDistance('хлеб', 'хелб')).toBe(1); // a transposition is one edit
    expect(matchWord('кпп', 'кпн')).toBeNull();
    expect(matchWord('хлеп', 'хлеб')).toBe('typo');
    expect(matchWord('хлбе', 'хлеб')).toBe('typo');
    expect(matchWord('хлпп', 'хлеб')).toBeNull();
    expect(matchWord('малако', 'молоко')).toBeNull();
    expect(matchWord('молака', 'молоко')).toBe('typo');
    expect(matchWord('выгрузел', 'выгрузил')).toBe('typo');
    expect(matchWord('вигрзуеил', 'выгрузил')).toBeNull();
    expect(matchWord('салам', 'сдал*')).toBeNull(); // no typo in a short beginning
    expect(matchWord('молока', 'молоко')).toBe('exact');
  });
});
