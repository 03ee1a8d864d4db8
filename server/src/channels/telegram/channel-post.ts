import mongoose, { Schema } from 'mongoose';
import { GrammyError, type Api } from 'grammy';
import type { Locale } from '@karavan/shared';
import { isDuplicateKey } from '../../lib/errors';
import type { Logger } from '../../lib/logger';

/**
 * One message per campaign in the drive's channel, kept up to date (issue 21): posted once, then
 * edited when what it says changes, at most every TELEGRAM_EDIT_INTERVAL_SECONDS; never a new
 * post for a change. The record of each post (its message id, what it last said, when) is in the
 * database, so a restart or another instance goes on editing the same message; a lease on the
 * record lets one instance at a time talk to Telegram about one post.
 */
const postSchema = new Schema(
  {
    _id: { type: String, required: true },
    chatId: { type: String, required: true },
    campaignId: { type: String, required: true },
    /** Telegram's id of the message; null until it was posted (or after it was deleted in the channel). */
    messageId: { type: Number, default: null },
    text: { type: String, default: '' },
    editedAt: { type: Date, default: () => new Date(0) },
    /** While set and in the future, an instance is posting or editing. */
    leaseUntil: { type: Date, default: null },
  },
  { collection: 'channel_posts', versionKey: false },
);
export const ChannelPost = mongoose.model('ChannelPost', postSchema);

/** Longer than any one sendMessage or editMessageText takes; a crashed holder's lease runs out. */
const LEASE_MS = 60_000;

export interface ChannelPosterOptions {
  api: Api;
  chatId: string;
  language: Locale;
  editIntervalMs: number;
  /** The campaigns to keep a post about (public and active). */
  campaigns(): Promise<string[]>;
  /** The post's text for a campaign (the board as channel text), or null when it has none (no longer public). */
  text(campaignId: string, language: Locale): Promise<string | null>;
  logger: Logger;
}

/** What counts as a change: everything but the "data as of" time (a new time alone is no reason to edit). */
function substance(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('🕒'))
    .join('\n');
}

function apiProblem(err: unknown, pattern: RegExp): boolean {
  return err instanceof GrammyError && pattern.test(err.description);
}

export function createChannelPoster(options: ChannelPosterOptions) {
  const { api, chatId, language, editIntervalMs, logger } = options;

  /** Takes the post's lease, creating its record on first use; null when another instance holds it. */
  async function lease(campaignId: string, now: Date) {
    try {
      return await ChannelPost.findOneAndUpdate(
        { _id: `${chatId}:${campaignId}`, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
        {
          $set: { leaseUntil: new Date(now.getTime() + LEASE_MS) },
          $setOnInsert: { chatId, campaignId, messageId: null, text: '', editedAt: new Date(0) },
        },
        { upsert: true, returnDocument: 'after' },
      ).lean();
    } catch (err) {
      if (isDuplicateKey(err)) return null; // held: the upsert found no free record and could not add one
      throw err;
    }
  }

  async function refresh(campaignId: string, now: Date): Promise<'posted' | 'edited' | 'unchanged' | 'busy'> {
    const text = await options.text(campaignId, language);
    if (text === null) return 'unchanged';
    const post = await lease(campaignId, now);
    if (!post) return 'busy';
    let outcome: 'posted' | 'edited' | 'unchanged' = 'unchanged';
    const done: Record<string, unknown> = { leaseUntil: null };
    const messageId = post.messageId ?? null;
    try {
      if (messageId === null) {
        const message = await api.sendMessage(chatId, text, { link_preview_options: { is_disabled: true } });
        Object.assign(done, { messageId: message.message_id, text, editedAt: now });
        outcome = 'posted';
      } else if (
        substance(text) !== substance(post.text ?? '') &&
        now.getTime() - (post.editedAt ?? new Date(0)).getTime() >= editIntervalMs
      ) {
        try {
          await api.editMessageText(chatId, messageId, text, { link_preview_options: { is_disabled: true } });
          outcome = 'edited';
        } catch (err) {
          // Someone deleted the message in the channel: post it again next time.
          if (apiProblem(err, /message to edit not found/i)) done.messageId = null;
          else if (!apiProblem(err, /message is not modified/i)) throw err;
        }
        Object.assign(done, { text, editedAt: now });
      }
    } finally {
      await ChannelPost.updateOne({ _id: post._id }, { $set: done });
    }
    return outcome;
  }

  return {
    /** Posts or edits each campaign's message as needed; one campaign failing does not stop the others. */
    async tick(now = new Date()): Promise<Record<string, string>> {
      const outcomes: Record<string, string> = {};
      for (const campaignId of await options.campaigns()) {
        try {
          outcomes[campaignId] = await refresh(campaignId, now);
        } catch (err) {
          outcomes[campaignId] = 'failed';
          logger.warn({ err, campaignId }, 'the channel post could not be updated');
        }
      }
      return outcomes;
    },
  };
}
export type ChannelPoster = ReturnType<typeof createChannelPoster>;
