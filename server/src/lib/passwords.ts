import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { ApiError } from './errors';

/** argon2id with the library's defaults (64 MiB, 3 passes): memory-hard. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A hash of a random password, verified against when the email is unknown so that timing does not tell. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(`not-a-user-${Math.random()}`);
  return dummyHash;
}

let common: Set<string> | undefined;
/** The 49,000 most common passwords (zxcvbn-ts's list, from real leaks), lower-cased. */
function commonPasswords(): Set<string> {
  if (!common) {
    common = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  }
  return common;
}

/**
 * What is wrong with a password somebody chooses, or undefined when it may be used. Length is
 * checked by the request schema; this refuses the passwords an attacker tries first (the most
 * common ones, whatever their case or spaces) and the account's own email.
 */
export function passwordProblem(password: string, context: { email?: string } = {}): string | undefined {
  return passwordRule(password, context)?.message;
}

/**
 * The rule a password breaks, as the detail `type` the client words in the user's language
 * (`password.common`, `password.email`) and an English message; undefined when it may be used.
 */
export function passwordRule(
  password: string,
  context: { email?: string } = {},
): { type: 'password.common' | 'password.email'; message: string } | undefined {
  const folded = password.toLowerCase();
  const list = commonPasswords();
  if (list.has(folded) || list.has(folded.replace(/\s+/g, ''))) {
    return { type: 'password.common', message: 'is one of the most common passwords; choose a less guessable one' };
  }
  const email = context.email?.toLowerCase();
  if (email && (folded === email || folded === email.split('@')[0])) {
    return { type: 'password.email', message: 'must not be the email address' };
  }
  return undefined;
}

/** Throws a 400 naming `path` (e.g. `body.newPassword`) when the password may not be used. */
export function assertPasswordAllowed(password: string, path: string, context: { email?: string } = {}): void {
  const rule = passwordRule(password, context);
  if (rule) {
    throw new ApiError(400, 'VALIDATION_FAILED', `The password ${rule.message}`, [
      { path, message: `"${path.split('.').pop()}" ${rule.message}`, type: rule.type },
    ]);
  }
}
