import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import Joi from 'joi';
import { Bot, InlineKeyboard, type Context } from 'grammy';
import { LOCALES, type Locale } from '@karavan/shared';
import type { TelegramConfig } from '../../config';
import { ApiError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { defineRoute, type RouteSpec } from '../../lib/route';
import { activeItems } from '../../items';
import { userDoc } from '../../users';
import type { ChannelsService } from '../channels.service';
import { parseCommand } from '../grammar';
import { createChannelPoster, type ChannelPoster } from './channel-post';
import { linkedUser, makeLinkCode, redeemLinkCode } from './links';

/*
 * The Telegram side of Karavan (issue 21): a bot anyone can ask what is needed, in their language,
 * and one message per campaign in the drive's channel kept up to date (channel-post.ts). Built on
 * grammY; updates come by webhook (TELEGRAM_WEBHOOK_SECRET, checked against Telegram's
 * X-Telegram-Bot-Api-Secret-Token header) or, on a single instance without one, by long polling.
 */

export interface TelegramDeps {
  /** Messages from linked staff: read with the command language and done once, as by SMS. */
  channels: ChannelsService;
  /** The public active campaigns (what the channel and the bot talk about). */
  campaigns(): Promise<string[]>;
  /** A campaign's board as channel text in a language, or null when it is not public (any more). */
  text(campaignId: string, language: Locale): Promise<string | null>;
  logger: Logger;
}

interface BotWords {
  help: string;
  none: string;
  /** How staff link their account (after `help` for anyone not linked). */
  linkHelp: string;
  linked: (name: string) => string;
  badCode: string;
  tooManyTries: string;
  yes: string;
  no: string;
}

const WORDS: Record<Locale, BotWords> = {
  ru: {
    help: 'Напишите «что нужно?» — я отвечу, что сейчас нужно собрать и куда принести.',
    none: 'Сейчас нет открытых сборов.',
    linkHelp: 'Сотрудникам: в Karavan откройте меню → Telegram, получите код и отправьте его сюда: /link 12345678',
    linked: (name) => `Готово: Telegram привязан к аккаунту «${name}». Присылайте статусы и пожертвования сообщением.`,
    badCode: 'Код не подошёл или устарел. Получите новый в Karavan: меню → Telegram.',
    tooManyTries: 'Слишком много попыток. Попробуйте через 15 минут.',
    yes: '✅ Да',
    no: '✖ Нет',
  },
  en: {
    help: 'Write "what is needed?" and I will tell you what the drive needs now and where to bring it.',
    none: 'No drive is collecting right now.',
    linkHelp: 'Staff: in Karavan open the menu → Telegram, get a code and send it here: /link 12345678',
    linked: (name) => `Done: Telegram is linked to the account "${name}". Send statuses and donations by message.`,
    badCode: 'The code is wrong or has expired. Get a new one in Karavan: menu → Telegram.',
    tooManyTries: 'Too many tries. Try again in 15 minutes.',
    yes: '✅ Yes',
    no: '✖ No',
  },
  ky: {
    help: '«Эмне керек?» деп жазыңыз — азыр эмне чогултуу керек экенин жана кайда алып келүүнү айтам.',
    none: 'Азыр ачык чогултуу жок.',
    linkHelp: 'Кызматкерлерге: Karavan менюсунан → Telegram, кодду алып, бул жерге жөнөтүңүз: /link 12345678',
    linked: (name) =>
      `Даяр: Telegram «${name}» аккаунтуна байланды. Статустарды жана кайрымдуулукту билдирүү менен жөнөтүңүз.`,
    badCode: 'Код туура эмес же мөөнөтү өттү. Karavanдан жаңысын алыңыз: меню → Telegram.',
    tooManyTries: 'Аракет өтө көп. 15 мүнөттөн кийин кайталаңыз.',
    yes: '✅ Ооба',
    no: '✖ Жок',
  },
  kk: {
    help: '«Не керек?» деп жазыңыз — қазір не жинау керек екенін және қайда әкелу керегін айтамын.',
    none: 'Қазір ашық жинау жоқ.',
    linkHelp: 'Қызметкерлерге: Karavan мәзірінен → Telegram, кодты алып, осында жіберіңіз: /link 12345678',
    linked: (name) =>
      `Дайын: Telegram «${name}» аккаунтына байланды. Мәртебелер мен қайырымдылықты хабарламамен жіберіңіз.`,
    badCode: 'Код дұрыс емес немесе мерзімі өтті. Karavan-нан жаңасын алыңыз: мәзір → Telegram.',
    tooManyTries: 'Әрекет тым көп. 15 минуттан кейін қайталаңыз.',
    yes: '✅ Иә',
    no: '✖ Жоқ',
  },
};

/** Wrong link codes one Telegram account may try per quarter of an hour (on this instance). */
const LINK_TRIES = 5;
const LINK_TRIES_WINDOW_MS = 15 * 60_000;

/** The user's Telegram language when Karavan speaks it, else Russian. */
export function languageOf(code: string | undefined): Locale {
  const primary = code?.toLowerCase().split(/[-_]/)[0];
  return LOCALES.find((l) => l === primary) ?? 'ru';
}

export function createTelegram(config: TelegramConfig, deps: TelegramDeps) {
  const { logger } = deps;
  const bot = new Bot(config.token, { client: { apiRoot: config.apiRoot } });
  // (long polling's errors; the webhook's are caught in handle())
  bot.catch((err) => logger.warn({ err: err.error, update: err.ctx.update.update_id }, 'telegram update failed'));

  async function needs(ctx: Context): Promise<void> {
    const language = languageOf(ctx.from?.language_code);
    const texts = (await Promise.all((await deps.campaigns()).map((id) => deps.text(id, language)))).filter(
      (t): t is string => t !== null,
    );
    if (texts.length === 0) await ctx.reply(WORDS[language].none);
    // One message per campaign (a channel post's text fits Telegram's 4,096 characters).
    for (const text of texts) await ctx.reply(text, { link_preview_options: { is_disabled: true } });
  }

  const tries = new Map<string, { count: number; until: number }>();
  /** Counts a wrong code; false once the account has used up its tries. */
  function mayTry(telegramId: string, now = Date.now()): boolean {
    const entry = tries.get(telegramId);
    if (!entry || entry.until < now) {
      tries.set(telegramId, { count: 0, until: now + LINK_TRIES_WINDOW_MS });
      return true;
    }
    return entry.count < LINK_TRIES;
  }

  async function link(ctx: Context & { from: { id: number; language_code?: string } }, code: string): Promise<void> {
    const words = WORDS[languageOf(ctx.from.language_code)];
    const telegramId = String(ctx.from.id);
    if (!mayTry(telegramId)) return void (await ctx.reply(words.tooManyTries));
    const userId = await redeemLinkCode(code, telegramId);
    if (!userId) {
      tries.get(telegramId)!.count += 1;
      return void (await ctx.reply(words.badCode));
    }
    const user = await userDoc(userId);
    await ctx.reply(WORDS[user?.locale ?? 'ru'].linked(user?.name ?? ''));
  }

  /** A linked user's message (or button) through the channels' command language, done once under `key`. */
  async function act(ctx: Context, userId: string, text: string, key: string, at: Date): Promise<boolean> {
    const from = ctx.from!;
    const done = await deps.channels.receiveFrom(userId, `tg:${from.id}`, { text, at: at.toISOString(), key });
    if (!done) return false; // no longer an active user
    if (done.replayed || !done.reply) return true; // Telegram sent it again: answered the first time
    const words = WORDS[done.locale];
    await ctx.reply(
      done.reply,
      done.outcome === 'asked'
        ? { reply_markup: new InlineKeyboard().text(words.yes, 'yes').text(words.no, 'no') }
        : undefined,
    );
    return true;
  }

  // Private chats only: in a group or the channel the bot does not answer every message.
  const direct = bot.chatType('private');
  direct.command(['link', 'start'], async (ctx, next) => {
    const code = ctx.match.trim();
    if (/^\d{4}[\s-]?\d{4}$/.test(code)) return link(ctx, code);
    if (ctx.message?.text.startsWith('/link'))
      return void (await ctx.reply(WORDS[languageOf(ctx.from.language_code)].badCode));
    return next();
  });
  direct.command(['start', 'needs'], needs);
  direct.on('message:text', async (ctx) => {
    const text = ctx.message.text;
    const words = WORDS[languageOf(ctx.from.language_code)];
    const understood = parseCommand(text, await activeItems());
    if (understood.command.kind === 'question') return needs(ctx);
    const userId = await linkedUser(String(ctx.from.id));
    const key = `tg:${ctx.chat.id}:${ctx.message.message_id}`;
    if (userId && (await act(ctx, userId, text, key, new Date(ctx.message.date * 1000)))) return;
    await ctx.reply(`${words.help}\n\n${words.linkHelp}`);
  });
  direct.on('callback_query:data', async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => undefined);
    const answer = ctx.callbackQuery.data;
    if (answer !== 'yes' && answer !== 'no') return;
    // The buttons are used once: they go from the question.
    await ctx.editMessageReplyMarkup().catch(() => undefined);
    const userId = await linkedUser(String(ctx.from.id));
    if (!userId) return void (await ctx.reply(WORDS[languageOf(ctx.from.language_code)].linkHelp));
    // (in Russian: the reply then comes in the user's own language, see channels.service)
    await act(ctx, userId, answer === 'yes' ? 'да' : 'нет', `tg:cb:${ctx.callbackQuery.id}`, new Date());
  });

  const poster: ChannelPoster | undefined = config.channelId
    ? createChannelPoster({
        api: bot.api,
        chatId: config.channelId,
        language: config.channelLanguage,
        editIntervalMs: config.editIntervalSeconds * 1000,
        campaigns: deps.campaigns,
        text: deps.text,
        logger,
      })
    : undefined;
  let timer: NodeJS.Timeout | null = null;
  let polling = false;

  return {
    bot,
    poster,
    /** The bot's @username (asked of Telegram once), or null while Telegram cannot be reached. */
    async username(): Promise<string | null> {
      try {
        if (!bot.isInited()) await bot.init();
        return bot.botInfo.username;
      } catch {
        return null;
      }
    },
    /** One update from the webhook; a failure is logged (Telegram would only send the update again). */
    async handle(update: { update_id: number }): Promise<void> {
      try {
        if (!bot.isInited()) await bot.init();
        await bot.handleUpdate(update as Parameters<typeof bot.handleUpdate>[0]);
      } catch (err) {
        logger.warn({ err, update: update.update_id }, 'telegram update failed');
      }
    },
    /** Starts the channel post's rounds and, without a webhook secret, long polling. */
    start(): void {
      if (poster) {
        const round = () =>
          void poster.tick().catch((err: unknown) => logger.warn({ err }, 'channel post round failed'));
        // Often enough to edit as soon as the interval allows; at most every 30 s.
        timer = setInterval(round, Math.min(config.editIntervalSeconds, 30) * 1000);
        timer.unref();
        round();
      }
      if (!config.webhookSecret) {
        polling = true;
        void bot
          .start({ onStart: (me) => logger.info({ bot: me.username }, 'telegram bot polling for updates') })
          .catch((err: unknown) => logger.error({ err }, 'telegram long polling stopped'));
      }
    },
    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      if (polling) await bot.stop().catch(() => undefined);
    },
  };
}
export type Telegram = ReturnType<typeof createTelegram>;

/** A Telegram Update: Telegram's to define; the bot reads what it knows of it. */
const updateBody = Joi.object({ update_id: Joi.number().integer().min(0).required() })
  .unknown(true)
  .meta({ className: 'TelegramUpdate' });

/** Telegram's secret header, compared in constant time; 401 without it or with another. */
function secretCheck(secret: string | undefined): RequestHandler {
  const expected = Buffer.from(secret ?? '');
  return (req, _res, next) => {
    if (!secret) return next(ApiError.notFound('Telegram webhook (not configured)'));
    const given = Buffer.from(req.get('X-Telegram-Bot-Api-Secret-Token') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return next(ApiError.unauthenticated('The Telegram secret token is missing or wrong'));
    next();
  };
}

const linkCodeSchema = Joi.object({
  code: Joi.string()
    .pattern(/^\d{8}$/)
    .required(),
  expiresAt: Joi.date().iso().required(),
  bot: Joi.string().allow(null).required().description("The bot's @username, when Telegram is configured"),
  link: Joi.string().allow(null).required().description('https://t.me/<bot>?start=<code>: opens the bot with the code'),
}).meta({ className: 'TelegramLinkCode' });

export function telegramRoutes(telegram: Telegram | undefined, config: TelegramConfig | undefined): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/channels/telegram/link-code',
      tag: 'channels',
      summary: 'A one-time code that links your Telegram account to Karavan',
      description:
        "Sent to the bot (`/link <code>`, or the `link` that opens the bot with it) within 15 minutes, it links that Telegram account to the caller: the bot then takes their statuses or donations by message, each confirmed with a button, with the rights of their role. A new code replaces the caller's earlier one; a code works once. 404 when Telegram is not configured. Honours Idempotency-Key.",
      access: 'authenticated',
      idempotent: true,
      responses: {
        201: { description: 'The code', schema: linkCodeSchema },
        404: { description: 'Telegram is not configured' },
      },
      async handler({ actor }) {
        if (!telegram) throw ApiError.notFound('Telegram (not configured)');
        const { code, expiresAt } = await makeLinkCode(actor!.id);
        const bot = await telegram.username();
        return {
          status: 201,
          body: {
            code,
            expiresAt: expiresAt.toISOString(),
            bot,
            link: bot ? `https://t.me/${bot}?start=${code}` : null,
          },
        };
      },
    }),
    defineRoute<{ update_id: number }>({
      method: 'post',
      path: '/api/channels/telegram/webhook',
      tag: 'channels',
      summary: "Telegram's webhook (updates for the bot)",
      description:
        "Telegram posts each update here when TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET are set (404 otherwise); the `X-Telegram-Bot-Api-Secret-Token` header must carry TELEGRAM_WEBHOOK_SECRET (401 otherwise). The body is Telegram's `Update`. The bot answers by calling the Bot API; this route answers 200 once the update was handled, also when the bot's answer failed (Telegram would only send it again).",
      access: 'public',
      before: [secretCheck(telegram && config?.webhookSecret)],
      body: updateBody,
      timeoutMs: 30_000,
      responses: {
        200: { description: 'Handled', schema: Joi.object({ ok: Joi.boolean().required() }) },
        401: { description: 'No secret token, or another one' },
        404: { description: 'Telegram is not configured' },
      },
      async handler({ body }) {
        if (!telegram) throw ApiError.notFound('Telegram webhook (not configured)');
        await telegram.handle(body);
        return { status: 200, body: { ok: true } };
      },
    }),
  ];
}
