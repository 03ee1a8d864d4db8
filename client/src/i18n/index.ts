import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { LOCALES, type Locale } from '@karavan/shared';
import russian from './messages.ru';

/** Russian first (the default), English, Kyrgyz, Kazakh; i18n.test.ts checks that each has every key. */
export const LANGUAGES = LOCALES;
export type Language = Locale;

const STORAGE_KEY = 'karavan.language';
/** The same choice as a cookie: the server writes a page it renders (the public board) in it. */
const COOKIE = 'karavan_lang';

const asLanguage = (value: string | null | undefined): Language | undefined =>
  LANGUAGES.find((language) => language === value);

/**
 * The language chosen in this browser; else, on a page the server wrote in the visitor's
 * language (the public board, by their browser's languages), that one, so the app does not
 * switch language when it takes the page over; else Russian.
 */
function storedLanguage(): Language {
  return (
    asLanguage(localStorage.getItem(STORAGE_KEY)) ??
    asLanguage(document.querySelector<HTMLElement>('[data-server-lang]')?.dataset.serverLang) ??
    'ru'
  );
}

function showLanguage(language: string): void {
  document.documentElement.lang = language;
  document.title = i18n.t('app.title');
}

i18n.on('languageChanged', showLanguage);

/** Russian is in the app's bundle; each other language is a file of its own, loaded when chosen. */
const LOADERS: Record<Exclude<Language, 'ru'>, () => Promise<{ default: Record<string, object> }>> = {
  en: () => import('./messages.en'),
  ky: () => import('./messages.ky'),
  kk: () => import('./messages.kk'),
};

async function load(language: Language): Promise<void> {
  if (language === 'ru' || i18n.hasResourceBundle(language, 'translation')) return;
  const { default: messages } = await LOADERS[language]();
  for (const [namespace, resources] of Object.entries(messages)) {
    i18n.addResourceBundle(language, namespace, resources, true, true);
  }
}

void i18n.use(initReactI18next).init({
  resources: { ru: russian },
  partialBundledLanguages: true,
  lng: 'ru',
  fallbackLng: 'ru',
  initAsync: false, // Russian is bundled: ready before the first render
  interpolation: { escapeValue: false }, // React escapes what it renders
});

/** The last language asked for: a slower load of an earlier choice does not override it. */
let wanted: Language = 'ru';

/** Switches the interface language and remembers the choice in this browser (once its messages are loaded). */
export async function setLanguage(language: Language): Promise<void> {
  localStorage.setItem(STORAGE_KEY, language);
  document.cookie = `${COOKIE}=${language}; path=/; max-age=31536000; SameSite=Lax`;
  await show(language);
}

async function show(language: Language): Promise<void> {
  wanted = language;
  try {
    await load(language);
  } catch {
    return; // not reachable (offline before the app was ever cached whole): Russian stays
  }
  if (wanted === language && i18n.language !== language) await i18n.changeLanguage(language);
}

/** Resolves when the interface is in this browser's language (the app's first render waits for it). */
export const languageReady: Promise<void> = show(storedLanguage());
