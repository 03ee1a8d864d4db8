import {
  EMAIL_SHAPE,
  isPhoneNumber,
  TEXT_MAX,
  textProblem,
  type CreateUserRequest,
  type Locale,
  type Role,
} from '@karavan/shared';
import type { Problems } from '../../ui/forms';

export interface InviteValues {
  email: string;
  name: string;
  role: Role;
  locale: Locale;
  phone: string;
}

export type InviteField = 'email' | 'name' | 'role' | 'phone';

export const INVITE_SERVER_FIELDS: Record<string, InviteField> = {
  'body.email': 'email',
  'body.name': 'name',
  'body.role': 'role',
  'body.phone': 'phone',
};

/** An email that looks like one, a name, and a phone only in a form the API takes (the field rules of shared/). */
export function validateInvite({ email, name, phone }: InviteValues): Problems<InviteField> {
  const found: Problems<InviteField> = {};
  const emailProblem = textProblem(email, TEXT_MAX.email, true);
  if (emailProblem) found.email = `wb.fieldErrors.${emailProblem}`;
  else if (!EMAIL_SHAPE.test(email.trim())) found.email = 'wb.fieldErrors.email';
  const nameProblem = textProblem(name, TEXT_MAX.name, true);
  if (nameProblem) found.name = `wb.fieldErrors.${nameProblem}`;
  if (phone.trim() && !isPhoneNumber(phone.trim())) found.phone = 'wb.fieldErrors.format';
  return found;
}

/** The new account with its one-time password; the phone only when one was given. */
export function inviteRequest(values: InviteValues, password: string): CreateUserRequest {
  return {
    email: values.email.trim(),
    name: values.name.trim(),
    role: values.role,
    locale: values.locale,
    password,
    ...(values.phone.trim() ? { phone: values.phone.trim() } : {}),
  };
}
