import request from 'supertest';
import { Api } from 'grammy';
import { ChannelPost, createChannelPoster } from '../../server/src/channels/telegram';
import { createLogger } from '../../server/src/lib/logger';
import { startTestApp, type TestApp } from '../support/app';
import { startFakeTelegram, type FakeTelegram } from '../support/fake-telegram';
import { stockWorld, type StockWorld } from '../support/stock';

/*
 * The Telegram bot and the drive's channel post (issue 21), against a fake Bot API started here
 * (TELEGRAM_API_ROOT points at it): grammY talks HTTP to it as it would to Telegram.
 */

const TOKEN = `123456:${'A'.repeat(35)}`;
const SECRET = 'webhook-secret-0123456789';
const CHANNEL = '@karavan_drive';
let telegram: FakeTelegram;
let app: TestApp;
let w: StockWorld;

beforeAll(async () => {
  telegram = await startFakeTelegram(TOKEN);
  app = await startTestApp({
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: telegram.url,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_CHANNEL_ID: CHANNEL,
    TELEGRAM_EDIT_INTERVAL_SECONDS: '1',
    PUBLIC_CACHE_SECONDS: '0',
    PUBLIC_URL: 'https://karavan.example.org',
  });
  w = await stockWorld(app.url);
  await request(app.url)
    .patch(`/api/campaigns/${w.campaign.id}`)
    .set(w.organiser.auth)
    .send({
      public: true,
      name: { ru: 'Хлеб детям', en: 'Bread for children', ky: 'Балдарга нан', kk: 'Балаларға нан' },
    })
    .expect(200);
});
afterAll(async () => {
  await app?.close();
  await telegram?.close();
});

/** Waits until `check` holds (the channel post's rounds run every second here). */
async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(telegram.calls)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const text = (payload: Record<string, unknown>) => String(payload.text).replace(/[\u00a0\u202f]/g, ' ');

describe('The channel post', () => {
  test('When donations arrive, then the one message in the channel is edited with the new numbers, never posted again', async () => {
    await until(() => telegram.of('sendMessage', CHANNEL).length === 1, 'the first post');
    const first = telegram.of('sendMessage', CHANNEL)[0]!;
    expect(text(first.payload)).toContain('📢 Хлеб детям');
    expect(text(first.payload)).toContain('Ещё нужно: 15 000 бух.');
    expect(text(first.payload)).toContain(`https://karavan.example.org/needs/${w.campaign.id}`);
    const messageId = first.messageId;
    await w.donate([{ itemId: w.bread.id, quantity: 3_000 }]);
    await until(
      () => telegram.of('editMessageText', CHANNEL).some((c) => text(c.payload).includes('Ещё нужно: 12 000 бух.')),
      'the edit after the donation',
    );
    const edits = telegram.of('editMessageText', CHANNEL);
    expect(edits.every((c) => c.payload.message_id === messageId)).toBe(true);
    // Rounds go on every second: nothing changed since, so nothing more is sent.
    const sent = telegram.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(telegram.calls.slice(sent).filter((c) => c.payload.chat_id === CHANNEL)).toEqual([]);
    expect(telegram.of('sendMessage', CHANNEL)).toHaveLength(1);
    const stored = await ChannelPost.findById(`${CHANNEL}:${w.campaign.id}`).lean();
    expect(stored).toMatchObject({ messageId, campaignId: w.campaign.id });
  });

  test('When the numbers change faster than the interval, then the message is edited at most once per interval; a deleted message is posted again', async () => {
    // A poster of its own on a second channel, its clock in the test's hands.
    const chatId = '@karavan_other';
    let board = 'Хлеб: ещё нужно 100\n🕒 Данные на 10:00';
    const poster = createChannelPoster({
      api: new Api(TOKEN, { apiRoot: telegram.url }),
      chatId,
      language: 'ru',
      editIntervalMs: 180_000,
      campaigns: async () => [w.campaign.id],
      text: async () => board,
      logger: createLogger('silent'),
    });
    const t0 = Date.now();
    const at = (seconds: number) => new Date(t0 + seconds * 1000);
    expect(await poster.tick(at(0))).toEqual({ [w.campaign.id]: 'posted' });
    board = 'Хлеб: ещё нужно 90\n🕒 Данные на 10:01';
    expect(await poster.tick(at(10))).toEqual({ [w.campaign.id]: 'unchanged' });
    expect(await poster.tick(at(181))).toEqual({ [w.campaign.id]: 'edited' });
    expect(text(telegram.of('editMessageText', chatId).at(-1)!.payload)).toContain('ещё нужно 90');
    // Only the time moved: no reason to edit.
    board = 'Хлеб: ещё нужно 90\n🕒 Данные на 10:30';
    expect(await poster.tick(at(500))).toEqual({ [w.campaign.id]: 'unchanged' });
    expect(telegram.of('editMessageText', chatId)).toHaveLength(1);
    // An admin deleted the message in the channel: the next change posts it again.
    const messageId = telegram.of('editMessageText', chatId)[0]!.payload.message_id as number;
    telegram.deleted.add(messageId);
    board = 'Хлеб: ещё нужно 80\n🕒 Данные на 11:00';
    await poster.tick(at(700));
    expect(await poster.tick(at(701))).toEqual({ [w.campaign.id]: 'posted' });
    expect(telegram.of('sendMessage', chatId)).toHaveLength(2);
  });

  test('When two instances run a round at the same moment, then the campaign is posted once', async () => {
    const chatId = '@karavan_twice';
    const make = () =>
      createChannelPoster({
        api: new Api(TOKEN, { apiRoot: telegram.url }),
        chatId,
        language: 'ru',
        editIntervalMs: 1_000,
        campaigns: async () => [w.campaign.id],
        text: async () => 'Хлеб: ещё нужно 100',
        logger: createLogger('silent'),
      });
    const outcomes = await Promise.all([make().tick(), make().tick()]);
    expect(outcomes.map((o) => o[w.campaign.id]).sort()).toEqual(['busy', 'posted']);
    expect(telegram.of('sendMessage', chatId)).toHaveLength(1);
  });
});

describe('POST /api/channels/telegram/webhook', () => {
  const update = (id: number, chatId: number, body: string, language = 'ru') => ({
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: 'private', first_name: 'Айгуль' },
      from: { id: chatId, is_bot: false, first_name: 'Айгуль', language_code: language },
      text: body,
    },
  });

  test('When Telegram posts without the secret token or with another, then it is 401 and nothing is answered', async () => {
    const before = telegram.calls.length;
    const none = await request(app.url)
      .post('/api/channels/telegram/webhook')
      .send(update(1, 501, 'Что нужно?'));
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'UNAUTHENTICATED', requestId: expect.any(String) });
    await request(app.url)
      .post('/api/channels/telegram/webhook')
      .set('X-Telegram-Bot-Api-Secret-Token', `${SECRET}x`)
      .send(update(2, 501, 'Что нужно?'))
      .expect(401);
    expect(telegram.calls.slice(before).filter((c) => c.payload.chat_id === 501)).toEqual([]);
  });

  test('When anyone asks what is needed, then the bot answers with the board in their language; anything else gets how to ask', async () => {
    await request(app.url)
      .post('/api/channels/telegram/webhook')
      .set('X-Telegram-Bot-Api-Secret-Token', SECRET)
      .send(update(10, 502, 'Не керек?', 'kk'))
      .expect(200, { ok: true });
    const [answer] = telegram.of('sendMessage', 502);
    expect(text(answer!.payload)).toContain('📢 Балаларға нан');
    expect(text(answer!.payload)).toContain('Әлі қажет');

    await request(app.url)
      .post('/api/channels/telegram/webhook')
      .set('X-Telegram-Bot-Api-Secret-Token', SECRET)
      .send(update(11, 503, 'привет'))
      .expect(200);
    expect(text(telegram.of('sendMessage', 503)[0]!.payload)).toMatch(/^Напишите «что нужно\?»/);
  });

  test('When the body is not an update, then it is 400 naming the field', async () => {
    const res = await request(app.url)
      .post('/api/channels/telegram/webhook')
      .set('X-Telegram-Bot-Api-Secret-Token', SECRET)
      .send({ message: { text: 'x' } });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ path: 'body.update_id' })]);
  });

  test('When Telegram is not configured, then the webhook is 404', async () => {
    const plain = await startTestApp();
    try {
      const res = await request(plain.url)
        .post('/api/channels/telegram/webhook')
        .set('X-Telegram-Bot-Api-Secret-Token', SECRET)
        .send(update(20, 504, 'Что нужно?'));
      expect(res.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
