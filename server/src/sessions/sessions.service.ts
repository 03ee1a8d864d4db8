import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Types } from 'mongoose';
import { isDuplicateKey } from '../lib/errors';
import { Session } from './sessions.model';

// "Now" is read through Date.now(), the clock jsonwebtoken uses for `iat` and `exp`, so that
// session times and token times agree (tests move that clock to expire tokens).

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * How long after a refresh the same (now retired) refresh token still gets the same new pair:
 * a phone on a flaky link retries a refresh whose answer it never saw. After it, a retired
 * token is a replay and ends the whole sign-in.
 */
export const REFRESH_GRACE_MS = 10_000;

export interface NewSession {
  /** The session's `_id`, carried by access tokens as `sid`. */
  id: string;
  refreshToken: string;
  expiresAt: Date;
  /** When the session began: access tokens of this session are issued at this second. */
  issuedAt: Date;
  family: string;
}

/** Starts a session (a sign-in) and returns its refresh token. */
export async function createSession(
  userId: Types.ObjectId | string,
  ttlSeconds: number,
  options: { userAgent?: string | null; now?: Date } = {},
): Promise<NewSession> {
  const refreshToken = randomBytes(32).toString('base64url');
  const now = options.now ?? new Date(Date.now());
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  const family = randomUUID();
  const id = hashToken(refreshToken);
  await Session.create({
    _id: id,
    userId,
    family,
    expiresAt,
    userAgent: options.userAgent?.slice(0, 300) ?? null,
    createdAt: now,
  });
  return { id, refreshToken, expiresAt, issuedAt: now, family };
}

export type RotateResult =
  | { ok: true; userId: Types.ObjectId; session: NewSession }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused'; userId?: Types.ObjectId; family?: string };

export interface RotateOptions {
  ttlSeconds: number;
  /** HMAC key (from the server secret) that derives a refresh token's successor. */
  successorKey: Buffer;
  userAgent?: string | null;
  graceMs?: number;
  now?: Date;
}

/**
 * Retires a refresh token and returns its successor. The successor is derived from the old
 * token with an HMAC under a server key, and dated by the rotation, so a retry within the grace
 * window gets the very same pair without any token being stored. A retired token presented after
 * the window (or after its successor was used) means it leaked or was replayed: the family ends.
 */
export async function rotateSession(refreshToken: string, options: RotateOptions): Promise<RotateResult> {
  const now = options.now ?? new Date(Date.now());
  const graceMs = options.graceMs ?? REFRESH_GRACE_MS;
  const id = hashToken(refreshToken);
  const successorToken = createHmac('sha256', options.successorKey).update(refreshToken).digest('base64url');
  const successorId = hashToken(successorToken);

  let session = await Session.findOneAndUpdate({ _id: id, rotatedAt: null }, { $set: { rotatedAt: now } }).lean();
  let rotatedAt = now;
  if (session) {
    if (session.expiresAt.getTime() <= now.getTime()) {
      await Session.deleteOne({ _id: id });
      return { ok: false, reason: 'expired' };
    }
  } else {
    session = await Session.findById(id).lean();
    if (!session) return { ok: false, reason: 'unknown' };
    const age = now.getTime() - (session.rotatedAt?.getTime() ?? 0);
    const successor = await Session.findById(successorId, { rotatedAt: 1 }).lean();
    const retry = session.rotatedAt && age <= graceMs && session.expiresAt > now && !successor?.rotatedAt;
    if (!retry) {
      await Session.deleteMany({ family: session.family });
      return { ok: false, reason: 'reused', userId: session.userId, family: session.family };
    }
    rotatedAt = session.rotatedAt!;
  }

  const expiresAt = new Date(rotatedAt.getTime() + options.ttlSeconds * 1000);
  try {
    await Session.create({
      _id: successorId,
      userId: session.userId,
      family: session.family,
      expiresAt,
      userAgent: options.userAgent?.slice(0, 300) ?? null,
      createdAt: rotatedAt,
    });
  } catch (err) {
    // The first of two simultaneous refreshes made it already: the same session either way.
    if (!isDuplicateKey(err)) throw err;
  }
  return {
    ok: true,
    userId: session.userId,
    session: { id: successorId, refreshToken: successorToken, expiresAt, issuedAt: rotatedAt, family: session.family },
  };
}

/** The live session behind an access token's `sid`, or undefined when it ended. */
export async function findLiveSession(
  sid: string,
  now = new Date(Date.now()),
): Promise<{ userId: Types.ObjectId; family: string; expiresAt: Date } | undefined> {
  const session = await Session.findById(sid, { userId: 1, family: 1, expiresAt: 1 }).lean();
  if (!session || session.expiresAt.getTime() <= now.getTime()) return undefined;
  return { userId: session.userId, family: session.family, expiresAt: session.expiresAt };
}

/** Ends the session of this refresh token (and its family): logout. Returns what it ended. */
export async function endSession(
  refreshToken: string,
): Promise<{ userId: Types.ObjectId; family: string } | undefined> {
  const session = await Session.findById(hashToken(refreshToken)).lean();
  if (!session) return undefined;
  await Session.deleteMany({ family: session.family });
  return { userId: session.userId, family: session.family };
}

/** Ends every session of a user: disabled, password changed or reset. */
export async function endAllSessions(userId: Types.ObjectId | string): Promise<void> {
  await Session.deleteMany({ userId });
}
