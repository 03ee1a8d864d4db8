import { createContext, useContext } from 'react';
import { roleHasRight, type Right, type UserDto } from '@karavan/shared';

/**
 * The user the screens act for: the signed-in user, or, while the server cannot be reached
 * after a reload, the one this device last signed in as (their changes wait in the outbox).
 */
export interface CurrentUser {
  user: UserDto;
  /** True while the session could not be confirmed with the server (offline after a reload). */
  offline: boolean;
}

export const CurrentUserContext = createContext<CurrentUser | null>(null);

export function useCurrentUser(): CurrentUser {
  const current = useContext(CurrentUserContext);
  if (!current) throw new Error('useCurrentUser outside a signed-in page');
  return current;
}

/** True when the current user's role has any of the rights. */
export function useCan(...rights: Right[]): boolean {
  const { user } = useCurrentUser();
  return rights.some((right) => roleHasRight(user.role, right));
}
