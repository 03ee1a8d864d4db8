import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Locale } from '@karavan/shared';
import en from './en.json';
import ru from './ru.json';

export const LANGUAGES = ['ru', 'en'] as const satisfies readonly Locale[];
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'karavan.language';

function storedLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  return LANGUAGES.find((language) => language === stored) ?? 'ru';
}

function showLanguage(language: string): void {
  document.documentElement.lang = language;
  document.title = i18n.t('app.title');
}

i18n.on('languageChanged', showLanguage);

void i18n.use(initReactI18next).init({
  resources: { ru: { translation: ru }, en: { translation: en satisfies typeof ru } },
  lng: storedLanguage(),
  fallbackLng: 'ru',
  initAsync: false, // resources are bundled: be ready before the first render
  interpolation: { escapeValue: false }, // React escapes what it renders
});

/** Switches the interface language and remembers the choice in this browser. */
export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  void i18n.changeLanguage(language);
}
