import { lazy, Suspense, useState, type ReactNode } from 'react';
import { Box, Container, Group, Menu, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, useNavigate } from 'react-router';
import { LanguageSwitcher } from '../../../components/LanguageSwitcher';
import { logOut } from '../../auth';
import { useCurrentUser } from '../../../lib/current-user';
import { OutboxBadge } from '../../../ui/OutboxList';
import { useLinks } from './links';
import { useClientConfig } from '../../../lib/client-config';
// (its window and the code are for the few who link Telegram: not in the app's first file)
const TelegramLink = lazy(() => import('./TelegramLink').then((m) => ({ default: m.TelegramLink })));

/** The frame of every page: brand, what the user may open, waiting changes, language, account. */
export function Layout({ children, signedIn = false }: { children: ReactNode; signedIn?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="app">
      <header className="topbar">
        <div className="topbar-row">
          <Link to="/" className="brand" style={{ color: 'inherit', textDecoration: 'none' }}>
            {t('app.title')}
          </Link>
          {signedIn ? (
            <Group gap="xs" wrap="wrap" justify="flex-end">
              <LanguageSwitcher />
              <AccountBar />
            </Group>
          ) : (
            <LanguageSwitcher />
          )}
        </div>
        {signedIn && <NavLinks />}
      </header>
      <main>
        <Container size="md" w="100%" px={0}>
          {children}
        </Container>
      </main>
    </div>
  );
}

function NavLinks() {
  const { t } = useTranslation();
  const links = useLinks();
  return (
    <Box component="nav" aria-label={t('nav.label')} className="topbar-nav">
      {links.map((link) => (
        <NavLink key={link.to} to={link.to} className="nav-link">
          {link.label}
        </NavLink>
      ))}
    </Box>
  );
}

function AccountBar() {
  const { t } = useTranslation();
  const { user } = useCurrentUser();
  const config = useClientConfig();
  const [telegram, setTelegram] = useState(false);
  const navigate = useNavigate();
  return (
    <Group gap="xs" wrap="nowrap">
      <OutboxBadge />
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <UnstyledButton className="nav-link account" aria-label={t('nav.account', { name: user.name })}>
            {user.name}
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{t(`roles.${user.role}`)}</Menu.Label>
          <Menu.Item onClick={() => void navigate('/relay')}>{t('relay.receive')}</Menu.Item>
          {config.data?.telegram && <Menu.Item onClick={() => setTelegram(true)}>{t('telegram.menu')}</Menu.Item>}
          <Menu.Item onClick={logOut}>{t('home.signOut')}</Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {config.data?.telegram && telegram && (
        <Suspense fallback={null}>
          <TelegramLink opened onClose={() => setTelegram(false)} />
        </Suspense>
      )}
    </Group>
  );
}
