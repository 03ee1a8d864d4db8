import type { UserDto } from '@karavan/shared';

const KEY = 'karavan.lastUser';

/**
 * The user this device last signed in as. After a reload without network the session cannot be
 * confirmed; the screens that work offline (driver, intake) still open for that user, whose
 * changes wait in the outbox until the session is renewed.
 */
export function rememberUser(user: UserDto): void {
  localStorage.setItem(KEY, JSON.stringify(user));
}

export function lastUser(): UserDto | null {
  try {
    const stored = localStorage.getItem(KEY);
    return stored ? (JSON.parse(stored) as UserDto) : null;
  } catch {
    return null;
  }
}

export function forgetUser(): void {
  localStorage.removeItem(KEY);
}
