import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Types } from 'mongoose';
import { Session } from './sessions.model';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface NewSession {
  refreshToken: string;
  expiresAt: Date;
}

/** Starts a session (or continues a family on refresh) and returns its refresh token. */
export async function createSession(
  userId: Types.ObjectId | string,
  ttlSeconds: number,
  options: { family?: string; userAgent?: string | null } = {},
): Promise<NewSession> {
  const refreshToken = randomBytes(32).toString('base64url');
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  await Session.create({
    _id: hashToken(refreshToken),
    userId,
    family: options.family ?? randomUUID(),
    expiresAt,
    userAgent: options.userAgent?.slice(0, 300) ?? null,
    createdAt: now,
  });
  return { refreshToken, expiresAt };
}

export type RotateResult =
  { ok: true; userId: Types.ObjectId; family: string } | { ok: false; reason: 'unknown' | 'expired' | 'reused' };

/**
 * Retires a refresh token so it can be exchanged exactly once. A retired token presented again
 * means it leaked or a client replayed it: the whole family is ended.
 */
export async function rotateSession(refreshToken: string, now = new Date()): Promise<RotateResult> {
  const id = hashToken(refreshToken);
  const session = await Session.findOneAndUpdate({ _id: id, rotatedAt: null }, { $set: { rotatedAt: now } }).lean();
  if (!session) {
    const retired = await Session.findById(id).lean();
    if (!retired) return { ok: false, reason: 'unknown' };
    await Session.deleteMany({ family: retired.family });
    return { ok: false, reason: 'reused' };
  }
  if (session.expiresAt.getTime() <= now.getTime()) {
    await Session.deleteOne({ _id: id });
    return { ok: false, reason: 'expired' };
  }
  return { ok: true, userId: session.userId, family: session.family };
}

/** Ends the session of this refresh token (and its family): logout. */
export async function endSession(refreshToken: string): Promise<void> {
  const session = await Session.findById(hashToken(refreshToken)).lean();
  if (session) await Session.deleteMany({ family: session.family });
}

/** Ends every session of a user: disabled, password changed or reset. */
export async function endAllSessions(userId: Types.ObjectId | string): Promise<void> {
  await Session.deleteMany({ userId });
}

/** Deletes sessions past their expiry, and retired ones kept for replay detection past theirs. */
export async function purgeExpiredSessions(now = new Date()): Promise<number> {
  const result = await Session.deleteMany({ expiresAt: { $lt: now } });
  return result.deletedCount;
}
