import { Button, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { LANGUAGES } from '../i18n';
import { chooseLanguage } from '../lib/language';

/** The four interface languages, the current one pressed; on the brand-coloured top bar. */
export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  return (
    <Group gap={4} wrap="nowrap" className="language-switcher" role="group" aria-label={t('app.language')}>
      {LANGUAGES.map((language) => {
        const pressed = i18n.language === language;
        return (
          <Button
            key={language}
            type="button"
            lang={language}
            size="compact-md"
            variant={pressed ? 'white' : 'outline'}
            color={pressed ? 'karavan' : 'gray.0'}
            fw={pressed ? 700 : 500}
            aria-pressed={pressed}
            onClick={() => chooseLanguage(language)}
          >
            {language.toUpperCase()}
          </Button>
        );
      })}
    </Group>
  );
}
