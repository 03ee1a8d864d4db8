import { Button, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { UserDto } from '@karavan/shared';
import { useLiveConnection } from '../../../lib/socket';
import { LiveStatus } from './LiveStatus';

export function HomeScreen({ user, onSignOut }: { user: UserDto; onSignOut(): void }) {
  const { t } = useTranslation();
  const live = useLiveConnection();
  return (
    <Paper
      component="section"
      withBorder
      shadow="xs"
      radius="md"
      p="lg"
      w="100%"
      maw="26rem"
      aria-labelledby="home-title"
      data-testid="home"
    >
      <Stack>
        <Title order={1} size="h2" id="home-title">
          {t('home.title')}
        </Title>
        <Text data-testid="signed-in-as">
          {t('home.signedInAs', { name: user.name, role: t(`roles.${user.role}`) })}
        </Text>
        <LiveStatus status={live} />
        <Button type="button" variant="default" size="md" fullWidth onClick={onSignOut}>
          {t('home.signOut')}
        </Button>
      </Stack>
    </Paper>
  );
}
