import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Locale, Role, TokenResponse, UserDto } from '@karavan/shared';
import { hashPassword } from '../../server/src/lib/passwords';
import { presentUser } from '../../server/src/users';
import { User } from '../../server/src/users/users.model';

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}`;

export interface UserOverrides {
  role?: Role;
  name?: string;
  email?: string;
  password?: string;
  mustChangePassword?: boolean;
  active?: boolean;
  locale?: Locale;
}

/** Writes a user straight to the test database; returns it with its password. */
export async function createUser(overrides: UserOverrides = {}): Promise<{ user: UserDto; password: string }> {
  const password = overrides.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const role = overrides.role ?? 'coordinator';
  const doc = await User.create({
    email: overrides.email ?? `${role}-${unique()}@test.karavan`,
    name: overrides.name ?? `Test ${role} ${unique()}`,
    role,
    active: overrides.active ?? true,
    locale: overrides.locale ?? 'ru',
    mustChangePassword: overrides.mustChangePassword ?? false,
    passwordHash: await hashPassword(password),
  });
  return { user: presentUser(doc), password };
}

/** Signs in through the API. */
export async function login(url: string, email: string, password: string): Promise<TokenResponse> {
  const res = await request(url).post('/api/auth/login').send({ email, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as TokenResponse;
}

/** A new user of the role, signed in: returns its tokens and a ready Authorization header. */
export async function signedIn(url: string, overrides: UserOverrides = {}) {
  const { user, password } = await createUser(overrides);
  const tokens = await login(url, user.email, password);
  return { user, password, tokens, auth: { Authorization: `Bearer ${tokens.accessToken}` } };
}
