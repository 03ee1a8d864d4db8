import { useTranslation } from 'react-i18next';
import type { UserDto } from '@karavan/shared';
import { useLiveConnection } from '../../../lib/socket';
import { LiveStatus } from './LiveStatus';

export function HomeScreen({ user, onSignOut }: { user: UserDto; onSignOut(): void }) {
  const { t } = useTranslation();
  const live = useLiveConnection();
  return (
    <section className="card" aria-labelledby="home-title" data-testid="home">
      <h1 id="home-title">{t('home.title')}</h1>
      <p data-testid="signed-in-as">{t('home.signedInAs', { name: user.name, role: t(`roles.${user.role}`) })}</p>
      <LiveStatus status={live} />
      <button type="button" className="secondary" onClick={onSignOut}>
        {t('home.signOut')}
      </button>
    </section>
  );
}
