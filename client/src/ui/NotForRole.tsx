import { Alert, Anchor, Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCurrentUser } from '../lib/current-user';

/** Shown instead of a page the user's role may not use. */
export function NotForRole() {
  const { t } = useTranslation();
  const { user } = useCurrentUser();
  return (
    <Stack gap="md" data-testid="not-for-role">
      <Title order={1} size="h2">
        {t('access.title')}
      </Title>
      <Alert color="orange" variant="light" role="alert">
        <p>{t('access.body', { role: t(`roles.${user.role}`) })}</p>
        <Anchor component={Link} to="/">
          {t('access.home')}
        </Anchor>
      </Alert>
    </Stack>
  );
}
