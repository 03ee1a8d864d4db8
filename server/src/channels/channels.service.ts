import { createHash } from 'node:crypto';
import { LOCALES, roleHasRight, type ItemDto, type Locale } from '@karavan/shared';
import { once } from '../db/idempotency';
import { activeItems } from '../items';
import { ApiError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { activeUsersByPhone, userDoc } from '../users';
import { volunteersByPhone } from '../volunteers';
import {
  counters,
  messages,
  pending,
  COUNTER_NAMES,
  type CounterName,
  type Counters,
  type MessageRecord,
} from './channels.model';
import { createCommands, describe, type CommandDeps, type Sender } from './channels.commands';
import { parseCommand, type Command } from './grammar';
import { REPLIES } from './replies';
import { messageKey, phoneKey, sendSms, type ReceivedSms, type SmsSettings } from './sms.gateway';

/*
 * A message received by SMS: from a known number only (registered users; volunteers, who may ask
 * what is needed), handled once under its natural key through the kernel's idempotency engine
 * (db/idempotency.ts), read with the command language (grammar.ts), done when certain or kept
 * until its sender's "да" when not, and answered with a short SMS in the sender's language.
 */

export interface ChannelsDeps extends CommandDeps {
  logger: Logger;
  /** Unset: the SMS channel is off. */
  sms: SmsSettings | undefined;
}

export interface ChannelsStatus {
  sms: { configured: boolean } & Counters;
}

const SMS_COUNTERS = 'sms';
/** A first attempt at a message older than this died (the gateway's next copy takes it over). */
const MESSAGE_STALE_MS = 60_000;

export function createChannelsService(deps: ChannelsDeps) {
  const { logger } = deps;
  const commands = createCommands(deps);

  const count = (name: CounterName) =>
    counters()
      .updateOne({ _id: SMS_COUNTERS }, { $inc: { [name]: 1 } }, { upsert: true })
      .then(() => undefined);

  /** The sender of a number: an active account with it, else a volunteer (acting as their account if linked). */
  async function senderOf(phone: string): Promise<Sender | null> {
    const key = phoneKey(phone);
    if (!key) return null;
    const [user] = await activeUsersByPhone(key);
    if (user) {
      const actor = { id: user._id.toHexString(), role: user.role, email: user.email, mustChangePassword: false };
      return { actor, locale: user.locale, phone, phoneKey: key, key };
    }
    const [volunteer] = await volunteersByPhone(key);
    if (!volunteer) return null;
    const locale = LOCALES.find((l) => volunteer.languages.includes(l)) ?? 'ru';
    return { actor: null, locale, phone, phoneKey: key, key };
  }

  /** The reply's language: the message's own when it shows one other than Russian, else the sender's. */
  const languageFor = (sender: Sender, said: Locale | null): Locale => (said && said !== 'ru' ? said : sender.locale);

  async function perform(
    sender: Sender,
    command: Command,
    message: { key: string; at: string; text: string },
    items: Map<string, ItemDto>,
    lang: Locale,
  ): Promise<string> {
    if (command.kind === 'donation') return commands.donate(sender, command.lines, message.key, items, lang);
    if (command.kind === 'status') return commands.report(sender, command, message, lang);
    return REPLIES[lang].unclear;
  }

  /**
   * Reads and does one message; the reply to send. `confirmAll`: every donation and status waits
   * for "да" (Telegram, where a button confirms), not only the doubtful ones (SMS).
   */
  async function handle(
    sender: Sender,
    sms: { message: string; receivedAt: string },
    key: string,
    confirmAll = false,
  ): Promise<{ reply: string; outcome: string }> {
    const catalogue = await activeItems();
    const items = new Map(catalogue.map((i) => [i.id, i]));
    const understood = parseCommand(sms.message, catalogue);
    const lang = languageFor(sender, understood.language);
    const words = REPLIES[lang];
    const { command } = understood;
    const at = Number.isNaN(Date.parse(sms.receivedAt))
      ? new Date().toISOString()
      : new Date(sms.receivedAt).toISOString();
    switch (command.kind) {
      case 'question':
        return { reply: await commands.needs(lang), outcome: 'question' };
      case 'unknown':
        return { reply: words.unclear, outcome: 'unclear' };
      case 'cancel': {
        const dropped = await pending().findOneAndDelete({ _id: sender.key });
        return { reply: dropped ? words.cancelled : words.nothingToConfirm, outcome: 'cancel' };
      }
      case 'confirm': {
        // Taken by one "да" only (a second one finds nothing): done under the first message's key.
        const waiting = await pending().findOneAndDelete({ _id: sender.key });
        if (!waiting || waiting.userId !== (sender.actor?.id ?? ''))
          return { reply: words.nothingToConfirm, outcome: 'confirm' };
        const message = { key: waiting.messageKey, at: waiting.at, text: waiting.text };
        return { reply: await perform(sender, waiting.command, message, items, lang), outcome: 'confirmed' };
      }
      default:
        break;
    }
    // Asked only of those who may do it: a driver's "+500 хлеб" is refused at once, not after "да".
    const right = command.kind === 'donation' ? 'donations:write' : 'shipments:drive';
    if (!sender.actor || !roleHasRight(sender.actor.role, right)) return { reply: words.notYours, outcome: 'refused' };
    if (!understood.certain || confirmAll) {
      await pending().replaceOne(
        { _id: sender.key },
        { userId: sender.actor.id, messageKey: key, command, at, text: sms.message, createdAt: new Date() },
        { upsert: true },
      );
      return { reply: words.understood(describe(command, items, lang)), outcome: 'asked' };
    }
    return {
      reply: await perform(sender, command, { key, at, text: sms.message }, items, lang),
      outcome: command.kind,
    };
  }

  function reply(to: string, text: string): void {
    const settings = deps.sms;
    if (!settings) return;
    void sendSms(settings, to, text, logger)
      .then((sent) => count(sent ? 'replies' : 'replyFailures'))
      .catch((err: unknown) => logger.warn({ err }, 'SMS reply not counted'));
  }

  /** Runs a message once under its key: its reply and outcome, or `replayed` for a copy of one handled. */
  async function takeOnce(
    sender: Sender,
    message: { text: string; at: string; key: string; fingerprint: string },
    confirmAll: boolean,
  ): Promise<{ reply: string; outcome: string; replayed: boolean }> {
    const { answer, replayed } = await once<MessageRecord, { reply: string; outcome: string }>({
      records: messages,
      record: { _id: message.key, fingerprint: message.fingerprint, createdAt: new Date() },
      staleMs: MESSAGE_STALE_MS,
      waitMs: 3_000,
      run: async () => {
        const done = await handle(sender, { message: message.text, receivedAt: message.at }, message.key, confirmAll);
        return { answer: done, done: { outcome: done.outcome } };
      },
      answer: () => Promise.resolve({ reply: '', outcome: 'duplicate' }),
      reused: () => new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'Another message was received under this id'),
      inProgress: () =>
        new ApiError(409, 'IDEMPOTENCY_IN_PROGRESS', 'This message is still being handled; retry shortly'),
    });
    return { ...answer, replayed };
  }

  return {
    /**
     * A message from a signed-up user reached some other way (a linked Telegram account), under
     * the key of its conversation (`sender.key`) and its own natural `key`: handled once, every
     * donation and status waiting for "да" (outcome `asked`). Null sender: not a user any more.
     */
    async receiveFrom(
      userId: string,
      conversation: string,
      message: { text: string; at: string; key: string },
    ): Promise<{ reply: string; outcome: string; replayed: boolean; locale: Locale } | null> {
      const user = await userDoc(userId);
      if (!user || !user.active) return null;
      const actor = { id: userId, role: user.role, email: user.email, mustChangePassword: false };
      const sender: Sender = {
        actor,
        locale: user.locale,
        phone: '',
        phoneKey: user.phone ? phoneKey(user.phone) : null,
        key: conversation,
      };
      const fingerprint = createHash('sha256').update(`${conversation}\n${message.text}`).digest('hex');
      return { ...(await takeOnce(sender, { ...message, fingerprint }, true)), locale: user.locale };
    },

    /** One `sms:received` (see the top of the file): processed, a duplicate of one processed, or dropped. */
    async receive(sms: ReceivedSms): Promise<{ status: 'processed' | 'duplicate' | 'dropped' }> {
      const sender = await senderOf(sms.phoneNumber);
      if (!sender) {
        await count('dropped');
        return { status: 'dropped' };
      }
      const key = messageKey(sms);
      const fingerprint = createHash('sha256').update(`${sms.phoneNumber}\n${sms.message}`).digest('hex');
      const { reply: answer, replayed } = await takeOnce(
        sender,
        { text: sms.message, at: sms.receivedAt, key, fingerprint },
        false,
      );
      if (replayed) {
        await count('duplicates');
        return { status: 'duplicate' };
      }
      await count('accepted');
      if (answer) reply(sender.phone, answer);
      return { status: 'processed' };
    },

    /** Whether each channel is on, and what it received (organisers). */
    async status(): Promise<ChannelsStatus> {
      const doc = await counters().findOne({ _id: SMS_COUNTERS });
      const figures = Object.fromEntries(COUNTER_NAMES.map((name) => [name, doc?.[name] ?? 0])) as Counters;
      return { sms: { configured: Boolean(deps.sms), ...figures } };
    },
  };
}

export type ChannelsService = ReturnType<typeof createChannelsService>;
