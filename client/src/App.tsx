import { useTranslation } from 'react-i18next';
import { LanguageSwitcher } from './components/LanguageSwitcher';
import { ChangePasswordForm, LoginForm, logOut } from './features/auth';
import { HomeScreen } from './features/home';
import { useSession } from './lib/session';

function Screen() {
  const { t } = useTranslation();
  const session = useSession();
  switch (session.status) {
    case 'restoring':
      return <p className="loading">{t('app.loading')}</p>;
    case 'signedOut':
      return <LoginForm notice={session.reason} />;
    case 'signedIn':
      return session.user.mustChangePassword ? (
        <ChangePasswordForm email={session.user.email} onSignOut={logOut} />
      ) : (
        <HomeScreen user={session.user} onSignOut={logOut} />
      );
  }
}

export function App() {
  const { t } = useTranslation();
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">{t('app.title')}</span>
        <LanguageSwitcher />
      </header>
      <main>
        <Screen />
      </main>
    </div>
  );
}
