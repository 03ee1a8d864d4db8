import request from 'supertest';
import { Api } from 'grammy';
import { ChannelPost, createChannelPoster } from '../../server/src/channels/telegram';
import { createLogger } from '../../server/src/lib/logger';
import { startTestApp, type TestApp } from '../support/app';
import { startFakeTelegram, type FakeTelegram } from '../support/fake-telegram';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, sendUpdate, type Scene } from '../support/shipments';
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
    const outcomes = (await Promise.all([make().tick(), make().tick()])).map((o) => o[w.campaign.id]);
    // One posts; the other finds the post being made (busy) or made already (unchanged): never a second post.
    expect(outcomes.filter((o) => o === 'posted')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'posted')).toEqual([expect.stringMatching(/^(busy|unchanged)$/)]);
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

  test('When an update carries a "__proto__" key, then the key is dropped and the update read (our own API refuses it)', async () => {
    const raw = JSON.stringify(update(12, 505, 'Что нужно?')).replace('{', '{"__proto__":{"polluted":true},');
    await request(app.url)
      .post('/api/channels/telegram/webhook')
      .set('X-Telegram-Bot-Api-Secret-Token', SECRET)
      .set('Content-Type', 'application/json')
      .send(raw)
      .expect(200);
    expect(text(telegram.of('sendMessage', 505)[0]!.payload)).toContain('📢 Хлеб детям');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
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

describe('Staff on Telegram', () => {
  let scene: Scene;
  let coordinator: Awaited<ReturnType<typeof signedIn>>;
  let shipmentId: string;
  let updateId = 1000;
  const from = (telegramId: number, language = 'ru') => ({
    id: telegramId,
    is_bot: false,
    first_name: 'Нурлан',
    language_code: language,
  });
  const say = (telegramId: number, body: string, messageId = ++updateId) => ({
    update_id: messageId,
    message: {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: telegramId, type: 'private', first_name: 'Нурлан' },
      from: from(telegramId),
      text: body,
      // (as Telegram marks a command)
      ...(body.startsWith('/')
        ? { entities: [{ type: 'bot_command', offset: 0, length: body.split(' ')[0]!.length }] }
        : {}),
    },
  });
  const tap = (telegramId: number, data: string, queryId = `cb${++updateId}`) => ({
    update_id: ++updateId,
    callback_query: {
      id: queryId,
      from: from(telegramId),
      chat_instance: '1',
      data,
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        chat: { id: telegramId, type: 'private', first_name: 'Нурлан' },
        text: '?',
      },
    },
  });
  const post = (update: object) =>
    request(app.url)
      .post('/api/channels/telegram/webhook')
      .set('X-Telegram-Bot-Api-Secret-Token', SECRET)
      .send(update)
      .expect(200);
  const lastTo = (chatId: number) => telegram.of('sendMessage', chatId).at(-1)!;
  const statusOf = async () =>
    (await request(app.url).get(`/api/shipments/${shipmentId}`).set(coordinator.auth).expect(200)).body as {
      status: string;
      history: { status: string; actorId: string; note: string | null }[];
    };

  beforeAll(async () => {
    scene = await buildScene(app.url);
    coordinator = await signedIn(app.url, { role: 'coordinator' });
    const shipment = await createShipment(app.url, coordinator.auth, scene);
    shipmentId = shipment.id;
    await sendUpdate(app.url, coordinator.auth, shipmentId, 'loading').expect(200);
    await sendUpdate(app.url, coordinator.auth, shipmentId, 'departed').expect(200);
  });

  test('When a driver links Telegram with a code from the app, then their status by message waits for the button and moves their shipment once', async () => {
    const driverTg = 7001;
    // Before linking: a status is not taken, the bot says how to link.
    await post(say(driverTg, 'КПП'));
    expect(text(lastTo(driverTg).payload)).toContain('/link 12345678');
    expect((await statusOf()).status).toBe('departed');

    const made = await request(app.url).post('/api/channels/telegram/link-code').set(scene.driver.auth).expect(201);
    expect(made.body).toMatchObject({
      code: expect.stringMatching(/^\d{8}$/),
      bot: 'karavan_test_bot',
      link: `https://t.me/karavan_test_bot?start=${made.body.code}`,
    });
    await post(say(driverTg, `/link ${made.body.code}`));
    expect(text(lastTo(driverTg).payload)).toMatch(/^Готово: Telegram привязан/);
    // A code works once.
    await post(say(7002, `/link ${made.body.code}`));
    expect(text(lastTo(7002).payload)).toMatch(/^Код не подошёл/);

    const border = say(driverTg, 'КПП');
    await post(border);
    const question = lastTo(driverTg);
    expect(text(question.payload)).toMatch(/^Понял так: .*Верно\?/);
    expect(question.payload.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: '✅ Да', callback_data: 'yes' },
          { text: '✖ Нет', callback_data: 'no' },
        ],
      ],
    });
    expect((await statusOf()).status).toBe('departed'); // not before the button
    // Telegram delivers the message again: asked once.
    const asked = telegram.of('sendMessage', driverTg).length;
    await post(border);
    expect(telegram.of('sendMessage', driverTg)).toHaveLength(asked);

    const yes = tap(driverTg, 'yes');
    await post(yes);
    await post(yes); // and the button's update twice
    const after = await statusOf();
    expect(after.status).toBe('at_checkpoint');
    expect(after.history.filter((h) => h.status === 'at_checkpoint')).toEqual([
      expect.objectContaining({ actorId: scene.driver.user.id, note: 'Telegram: КПП' }),
    ]);
    // A second tap on an old question confirms nothing.
    await post(tap(driverTg, 'yes'));
    expect(text(lastTo(driverTg).payload)).toBe('Нечего подтверждать.');
    expect((await statusOf()).history.filter((h) => h.status === 'at_checkpoint')).toHaveLength(1);
  });

  test('When someone else taps "no" or another account sends the status, then nothing moves', async () => {
    const otherTg = 7003;
    const made = await request(app.url)
      .post('/api/channels/telegram/link-code')
      .set(scene.otherDriver.auth)
      .expect(201);
    await post(say(otherTg, `/link ${made.body.code}`));
    const before = (await statusOf()).history.length;
    await post(say(otherTg, 'выехал'));
    await post(tap(otherTg, 'yes'));
    // The other driver has no shipment on the road: nothing of this one moves.
    expect((await statusOf()).history).toHaveLength(before);
    await post(say(7001, 'выехал'));
    await post(tap(7001, 'no'));
    expect((await statusOf()).history).toHaveLength(before);
  });

  test('When link codes are guessed, then the account is stopped after five wrong ones', async () => {
    const guesser = 7004;
    for (let i = 0; i < 5; i++) await post(say(guesser, `/link ${String(10_000_000 + i)}`));
    expect(telegram.of('sendMessage', guesser).every((c) => text(c.payload).startsWith('Код не подошёл'))).toBe(true);
    await post(say(guesser, '/link 12345678'));
    expect(text(lastTo(guesser).payload)).toMatch(/^Слишком много попыток/);
  });

  test('When a link code is asked without signing in, then it is 401', async () => {
    await request(app.url).post('/api/channels/telegram/link-code').expect(401);
  });
});
