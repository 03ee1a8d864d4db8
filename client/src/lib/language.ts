import type { UserDto } from '@karavan/shared';
import i18n from 'i18next';
import { LANGUAGES, setLanguage, type Language } from '../i18n';
import { request } from './api';
import { getSession, onSessionChange, updateUser } from './session';

// A choice made while signed in that the profile does not have yet (offline, or before the
// one-time password was replaced): sent again when the session next changes.
const UNSAVED_KEY = 'karavan.language.unsaved';
let saving: Language | undefined;

const isLanguage = (value: unknown): value is Language => LANGUAGES.some((language) => language === value);

/** The language switch: shows the language at once and, when signed in, keeps it in the profile. */
export function chooseLanguage(language: Language): void {
  void setLanguage(language);
  const session = getSession();
  if (session.status !== 'signedIn' || session.user.locale === language) {
    localStorage.removeItem(UNSAVED_KEY);
    return;
  }
  localStorage.setItem(UNSAVED_KEY, language);
  if (!session.user.mustChangePassword) void saveToProfile(language);
}

async function saveToProfile(language: Language): Promise<void> {
  if (saving === language) return;
  saving = language;
  try {
    const user = await request<UserDto>('PATCH', '/api/users/me', { locale: language });
    if (localStorage.getItem(UNSAVED_KEY) === language) localStorage.removeItem(UNSAVED_KEY);
    updateUser(user);
  } catch {
    // Kept as unsaved: sent again at the next change of the session.
  } finally {
    saving = undefined;
  }
}

/**
 * The signed-in user's profile language is the interface language: applied at sign-in and
 * whenever the profile changes (also from another device). A choice not yet saved wins and is
 * saved; signing out forgets it, so the next user gets their own language.
 */
export function followProfileLanguage(): void {
  const follow = () => {
    const session = getSession();
    if (session.status !== 'signedIn') {
      if (session.status === 'signedOut') localStorage.removeItem(UNSAVED_KEY);
      return;
    }
    const { user } = session;
    const unsaved = localStorage.getItem(UNSAVED_KEY);
    if (isLanguage(unsaved) && unsaved !== user.locale) {
      if (!user.mustChangePassword) void saveToProfile(unsaved);
      return;
    }
    localStorage.removeItem(UNSAVED_KEY);
    if (isLanguage(user.locale) && user.locale !== i18n.language) void setLanguage(user.locale);
  };
  onSessionChange(follow);
  follow();
}
