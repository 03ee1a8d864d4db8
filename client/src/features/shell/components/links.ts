import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import { roleHasRight, type Right } from '@karavan/shared';
import { useCurrentUser } from '../../../lib/current-user';

/** The pages there are, and the rights that open each (any of them). */
export const PAGES: {
  to: string;
  key: ParseKeys;
  hint: ParseKeys;
  rights: Right[];
}[] = [
  { to: '/dashboard', key: 'nav.dashboard', hint: 'nav.dashboardHint', rights: ['dashboard:watch'] },
  { to: '/campaigns', key: 'campaigns.nav', hint: 'campaigns.navHint', rights: ['campaigns:manage'] },
  { to: '/intake', key: 'nav.intake', hint: 'nav.intakeHint', rights: ['donations:write'] },
  { to: '/driver', key: 'nav.driver', hint: 'nav.driverHint', rights: ['shipments:drive', 'shipments:manage'] },
  {
    to: '/shipments',
    key: 'shipments.nav',
    hint: 'shipments.navHint',
    rights: ['shipments:manage', 'shipments:read:any'],
  },
  { to: '/stock', key: 'stock.nav', hint: 'stock.navHint', rights: ['stock:read'] },
  { to: '/volunteers', key: 'volunteers.nav', hint: 'volunteers.navHint', rights: ['volunteers:read'] },
  { to: '/catalogue', key: 'catalogue.nav', hint: 'catalogue.navHint', rights: ['catalogue:read'] },
  { to: '/users', key: 'users.nav', hint: 'users.navHint', rights: ['users:manage'] },
];

export function canOpen(role: Parameters<typeof roleHasRight>[0], rights: Right[]): boolean {
  return rights.some((right) => roleHasRight(role, right));
}

/** The pages the current user may open, labelled in their language. */
export function useLinks(): { to: string; label: string; hint: string }[] {
  const { t } = useTranslation();
  const { user } = useCurrentUser();
  return PAGES.filter((page) => canOpen(user.role, page.rights)).map((page) => ({
    to: page.to,
    label: t(page.key),
    hint: t(page.hint),
  }));
}
