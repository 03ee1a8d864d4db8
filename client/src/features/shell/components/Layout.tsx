import type { ReactNode } from 'react';
import { Box, Container, Group, Menu, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, NavLink } from 'react-router';
import { LanguageSwitcher } from '../../../components/LanguageSwitcher';
import { logOut } from '../../auth';
import { useCurrentUser } from '../../../lib/current-user';
import { OutboxBadge } from '../../../ui/OutboxList';
import { useLinks } from './links';

/** The frame of every page: brand, what the user may open, waiting changes, language, account. */
export function Layout({ children, signedIn = false }: { children: ReactNode; signedIn?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="app">
      <header className="topbar">
        <Group justify="space-between" wrap="wrap" gap="xs" w="100%">
          <Link to="/" className="brand" style={{ color: 'inherit', textDecoration: 'none' }}>
            {t('app.title')}
          </Link>
          {signedIn && <SignedInBar />}
          <LanguageSwitcher />
        </Group>
      </header>
      <main>
        <Container size="md" w="100%" px={0}>
          {children}
        </Container>
      </main>
    </div>
  );
}

function SignedInBar() {
  const { t } = useTranslation();
  const { user } = useCurrentUser();
  const links = useLinks();
  return (
    <Group gap="xs" wrap="wrap">
      <Box component="nav" aria-label={t('nav.label')}>
        <Group gap={4} wrap="wrap">
          {links.map((link) => (
            <NavLink key={link.to} to={link.to} end={link.to === '/'} className="nav-link">
              {link.label}
            </NavLink>
          ))}
        </Group>
      </Box>
      <OutboxBadge />
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <UnstyledButton className="nav-link" aria-label={t('nav.account', { name: user.name })}>
            {user.name}
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{t(`roles.${user.role}`)}</Menu.Label>
          <Menu.Item onClick={logOut}>{t('home.signOut')}</Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </Group>
  );
}
