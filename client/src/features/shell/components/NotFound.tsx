import { Alert, Anchor } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Alert color="gray" variant="light" title={t('notFound.title')} role="alert">
      <Anchor component={Link} to="/">
        {t('access.home')}
      </Anchor>
    </Alert>
  );
}
