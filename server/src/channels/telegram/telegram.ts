import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import Joi from 'joi';
import { Bot, type Context } from 'grammy';
import { LOCALES, type Locale } from '@karavan/shared';
import type { TelegramConfig } from '../../config';
import { ApiError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { defineRoute, type RouteSpec } from '../../lib/route';
import { createChannelPoster, type ChannelPoster } from './channel-post';

/*
 * The Telegram side of Karavan (issue 21): a bot anyone can ask what is needed, in their language,
 * and one message per campaign in the drive's channel kept up to date (channel-post.ts). Built on
 * grammY; updates come by webhook (TELEGRAM_WEBHOOK_SECRET, checked against Telegram's
 * X-Telegram-Bot-Api-Secret-Token header) or, on a single instance without one, by long polling.
 */

export interface TelegramDeps {
  /** The public active campaigns (what the channel and the bot talk about). */
  campaigns(): Promise<string[]>;
  /** A campaign's board as channel text in a language, or null when it is not public (any more). */
  text(campaignId: string, language: Locale): Promise<string | null>;
  logger: Logger;
}

const WORDS: Record<Locale, { help: string; none: string }> = {
  ru: {
    help: 'Напишите «что нужно?» — я отвечу, что сейчас нужно собрать и куда принести.',
    none: 'Сейчас нет открытых сборов.',
  },
  en: {
    help: 'Write "what is needed?" and I will tell you what the drive needs now and where to bring it.',
    none: 'No drive is collecting right now.',
  },
  ky: {
    help: '«Эмне керек?» деп жазыңыз — азыр эмне чогултуу керек экенин жана кайда алып келүүнү айтам.',
    none: 'Азыр ачык чогултуу жок.',
  },
  kk: {
    help: '«Не керек?» деп жазыңыз — қазір не жинау керек екенін және қайда әкелу керегін айтамын.',
    none: 'Қазір ашық жинау жоқ.',
  },
};

/** The user's Telegram language when Karavan speaks it, else Russian. */
export function languageOf(code: string | undefined): Locale {
  const primary = code?.toLowerCase().split(/[-_]/)[0];
  return LOCALES.find((l) => l === primary) ?? 'ru';
}

/** "What is needed?" in any of the four languages (or /start, /needs). */
export function asksWhatIsNeeded(text: string): boolean {
  return /нужн|need|керек|^\/(start|needs)\b/i.test(text.trim()) || text.trim().endsWith('?');
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

  // Private chats only: in a group or the channel the bot does not answer every message.
  const direct = bot.chatType('private');
  direct.command(['start', 'needs'], needs);
  direct.on('message:text', async (ctx) => {
    if (asksWhatIsNeeded(ctx.message.text)) await needs(ctx);
    else await ctx.reply(WORDS[languageOf(ctx.from.language_code)].help);
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

export function telegramRoutes(telegram: Telegram | undefined, config: TelegramConfig | undefined): RouteSpec[] {
  return [
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
