import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { LOCALES, type Locale } from '@karavan/shared';
import en from './en.json';
import kk from './kk.json';
import ky from './ky.json';
import ru from './ru.json';
import dashboardEn from '../features/dashboard/i18n/en.json';
import dashboardKk from '../features/dashboard/i18n/kk.json';
import dashboardKy from '../features/dashboard/i18n/ky.json';
import dashboardRu from '../features/dashboard/i18n/ru.json';
import needsEn from '../features/needs/i18n/en.json';
import needsKk from '../features/needs/i18n/kk.json';
import needsKy from '../features/needs/i18n/ky.json';
import needsRu from '../features/needs/i18n/ru.json';
import { workbenchMessages } from './workbench';

/** Russian first (the default), English, Kyrgyz, Kazakh; i18n.test.ts checks that each has every key. */
export const LANGUAGES = LOCALES;
export type Language = Locale;

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
  resources: {
    ru: { translation: { ...ru, ...workbenchMessages.ru }, dashboard: dashboardRu, needs: needsRu },
    en: { translation: { ...en, ...workbenchMessages.en }, dashboard: dashboardEn, needs: needsEn },
    ky: { translation: { ...ky, ...workbenchMessages.ky }, dashboard: dashboardKy, needs: needsKy },
    kk: { translation: { ...kk, ...workbenchMessages.kk }, dashboard: dashboardKk, needs: needsKk },
  },
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
