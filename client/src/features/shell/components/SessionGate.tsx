import { Suspense, useEffect, useMemo } from 'react';
import { Alert } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Outlet } from 'react-router';
import { ChangePasswordForm, LoginForm, logOut } from '../../auth';
import { CurrentUserContext, type CurrentUser } from '../../../lib/current-user';
import { OutboxRunner } from '../../../lib/outbox';
import { RealtimeProvider } from '../../../lib/realtime/RealtimeProvider';
import { getRefreshToken, refreshSession, useSessionTransition } from '../../../lib/session';
import { AfterFirstPaint } from '../../../ui/AfterFirstPaint';
import { PageLoader } from '../../../ui/PageLoader';
import { forgetUser, lastUser, rememberUser } from '../api/last-user';
import { Layout } from './Layout';

const RETRY_OFFLINE_MS = 30_000;

/**
 * Shows the page of the URL to a signed-in user, and the login (or password change) on the same
 * URL otherwise: signing in from any page returns to it. After a reload without network, the
 * last user of this device keeps working from the cache and the outbox while the session is
 * renewed in the background.
 */
export function SessionGate() {
  const { t } = useTranslation();
  const session = useSessionTransition();
  const queryClient = useQueryClient();
  const offlineUser =
    session.status === 'signedOut' && session.reason === 'NETWORK' && getRefreshToken() ? lastUser() : null;

  useEffect(() => {
    if (session.status === 'signedIn') {
      rememberUser(session.user);
    } else if (session.status === 'signedOut' && session.reason !== 'NETWORK') {
      // Signed out (or refused): nothing of this user stays on the device but their outbox.
      forgetUser();
      queryClient.clear();
    }
  }, [session, queryClient]);

  // Offline after a reload: renew the session as soon as the server answers.
  useEffect(() => {
    if (!offlineUser) return;
    const renew = () => void refreshSession().catch(() => undefined);
    window.addEventListener('online', renew);
    const timer = setInterval(renew, RETRY_OFFLINE_MS);
    return () => {
      window.removeEventListener('online', renew);
      clearInterval(timer);
    };
  }, [offlineUser]);

  const signedInUser = session.status === 'signedIn' ? session.user : null;
  const current = useMemo<CurrentUser | null>(
    () =>
      signedInUser ? { user: signedInUser, offline: false } : offlineUser ? { user: offlineUser, offline: true } : null,
    // offlineUser is read from storage on each render: its id is what matters
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [signedInUser, offlineUser?.id],
  );

  let content;
  if (session.status === 'restoring') content = <PageLoader />;
  else if (session.status === 'signedIn' && session.user.mustChangePassword) {
    content = <ChangePasswordForm email={session.user.email} onSignOut={logOut} />;
  } else if (!current) {
    content = <LoginForm notice={session.status === 'signedOut' ? session.reason : undefined} />;
  }
  if (content || !current) return <Layout>{content}</Layout>;

  return (
    <CurrentUserContext.Provider value={current}>
      <OutboxRunner userId={current.user.id} />
      <RealtimeProvider enabled={!current.offline}>
        <Layout signedIn>
          {current.offline && (
            <Alert color="orange.9" variant="light" mb="md" data-testid="offline-session">
              {t('offline.session')}
            </Alert>
          )}
          <Suspense fallback={<PageLoader />}>
            {/* The page is built once the frame around it is on the screen: two shorter tasks
                on a phone rather than one long one. */}
            <AfterFirstPaint fallback={<PageLoader />}>
              <Outlet />
            </AfterFirstPaint>
          </Suspense>
        </Layout>
      </RealtimeProvider>
    </CurrentUserContext.Provider>
  );
}
