import { Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { logOut } from '../../auth';
import { HomeScreen } from '../../home';
import { useCurrentUser } from '../../../lib/current-user';
import { useLinks } from './links';

/** `/`: who is signed in, the live connection, and the pages this role may open. */
export function HomePage() {
  const { t } = useTranslation();
  const { user } = useCurrentUser();
  const links = useLinks();
  return (
    <Stack align="center" gap="lg">
      <HomeScreen user={user} onSignOut={logOut} />
      {links.length > 0 && (
        <Stack w="100%" maw="40rem" gap="sm" component="section" aria-labelledby="home-links-title">
          <Title order={2} id="home-links-title" size="h3">
            {t('nav.title')}
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {links.map((link) => (
              <Card
                key={link.to}
                component={Link}
                to={link.to}
                withBorder
                padding="lg"
                className="home-link"
                data-testid={`home-link-${link.to.slice(1)}`}
              >
                <Text fw={700} size="lg">
                  {link.label}
                </Text>
                <Text c="dimmed">{link.hint}</Text>
              </Card>
            ))}
          </SimpleGrid>
        </Stack>
      )}
    </Stack>
  );
}
