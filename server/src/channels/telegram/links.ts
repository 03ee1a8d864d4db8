import { createHash, randomInt } from 'node:crypto';
import mongoose, { Schema } from 'mongoose';

/*
 * A staff member's Telegram account, linked once to their Karavan account with a one-time code
 * from the app (issue 21): after that the bot acts for them (a driver's status, a coordinator's
 * donation), with the rights of their role, as the app would. Codes are kept only as hashes,
 * work once, and expire.
 */

/** How long a code from the app may be used. */
export const LINK_CODE_TTL_SECONDS = 15 * 60;

const codeSchema = new Schema(
  {
    /** SHA-256 of the code. */
    _id: { type: String, required: true },
    userId: { type: String, required: true, index: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'telegram_link_codes', versionKey: false },
);
codeSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
const LinkCode = mongoose.model('TelegramLinkCode', codeSchema);

const linkSchema = new Schema(
  {
    /** The Telegram user's id. */
    _id: { type: String, required: true },
    userId: { type: String, required: true, index: true },
    linkedAt: { type: Date, required: true },
  },
  { collection: 'telegram_links', versionKey: false },
);
export const TelegramLink = mongoose.model('TelegramLink', linkSchema);

const hash = (code: string) => createHash('sha256').update(code).digest('hex');

/** Eight digits, easy to type on a phone; the code a user had before stops working. */
export async function makeLinkCode(userId: string, now = new Date()): Promise<{ code: string; expiresAt: Date }> {
  const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_SECONDS * 1000);
  await LinkCode.deleteMany({ userId });
  await LinkCode.create({ _id: hash(code), userId, expiresAt });
  return { code, expiresAt };
}

/**
 * Links the Telegram account to the code's user: the code is taken once (a second use finds
 * nothing), and a Telegram account links to one user (linking again moves it). The user's id,
 * or null for a wrong or expired code.
 */
export async function redeemLinkCode(code: string, telegramUserId: string, now = new Date()): Promise<string | null> {
  const digits = code.replace(/\D/g, '');
  if (digits.length !== 8) return null;
  const taken = await LinkCode.findOneAndDelete({ _id: hash(digits), expiresAt: { $gt: now } }).lean();
  if (!taken) return null;
  // One Telegram account per user: a new phone's account replaces the old one.
  await TelegramLink.deleteMany({ userId: taken.userId, _id: { $ne: telegramUserId } });
  await TelegramLink.updateOne(
    { _id: telegramUserId },
    { $set: { userId: taken.userId, linkedAt: now } },
    { upsert: true },
  );
  return taken.userId;
}

/** The Karavan user a Telegram account is linked to, or null. */
export async function linkedUser(telegramUserId: string): Promise<string | null> {
  const link = await TelegramLink.findById(telegramUserId).lean();
  return link?.userId ?? null;
}
