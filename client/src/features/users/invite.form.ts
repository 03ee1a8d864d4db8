import type { CreateUserRequest, Locale, Role } from '@karavan/shared';
import { PHONE, type Problems } from '../../ui/forms';

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

/** An email that looks like one, a name, and a phone only in a form the API takes. */
export function validateInvite({ email, name, phone }: InviteValues): Problems<InviteField> {
  const found: Problems<InviteField> = {};
  if (!email.trim()) found.email = 'wb.fieldErrors.required';
  else if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) found.email = 'wb.fieldErrors.email';
  if (!name.trim()) found.name = 'wb.fieldErrors.required';
  if (phone.trim() && !PHONE.test(phone.trim())) found.phone = 'wb.fieldErrors.format';
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
