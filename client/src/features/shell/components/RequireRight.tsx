import type { ReactNode } from 'react';
import type { Right } from '@karavan/shared';
import { useCan } from '../../../lib/current-user';
import { NotForRole } from '../../../ui/NotForRole';

/** The page when the user's role has one of the rights; a clear "not for your role" otherwise. */
export function RequireRight({ rights, children }: { rights: Right[]; children: ReactNode }) {
  return useCan(...rights) ? <>{children}</> : <NotForRole />;
}
