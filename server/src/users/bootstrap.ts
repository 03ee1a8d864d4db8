import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import type { Logger } from '../lib/logger';
import { isDuplicateKey } from '../lib/errors';
import { hashPassword } from '../lib/passwords';
import { User } from './users.model';

export const DEFAULT_ADMIN_EMAIL = 'admin@karavan.local';

export type BootstrapResult =
  { created: false } | { created: true; email: string; oneTimePassword: string | undefined };

/**
 * On an empty database, creates the first organiser: from KARAVAN_ADMIN_EMAIL and
 * KARAVAN_ADMIN_PASSWORD, or with a random one-time password that must be changed at first
 * login. Several instances starting at once race on the unique email; only one wins.
 */
export async function ensureFirstOrganiser(
  config: Pick<Config, 'adminEmail' | 'adminPassword'>,
  logger: Logger,
  print: (text: string) => void = (text) => process.stdout.write(text),
): Promise<BootstrapResult> {
  if ((await User.countDocuments({})) > 0) return { created: false };
  const email = config.adminEmail ?? DEFAULT_ADMIN_EMAIL;
  const oneTimePassword = config.adminPassword ? undefined : randomBytes(12).toString('base64url');
  try {
    await User.create({
      email,
      name: 'Организатор',
      role: 'organiser',
      passwordHash: await hashPassword(config.adminPassword ?? oneTimePassword!),
      mustChangePassword: !config.adminPassword,
    });
  } catch (err) {
    if (isDuplicateKey(err)) return { created: false };
    throw err;
  }
  logger.info({ email }, 'created the first organiser');
  if (oneTimePassword) {
    print(
      [
        '',
        '================================================================',
        ' Karavan: first organiser created. This password is shown ONCE.',
        `   email:    ${email}`,
        `   password: ${oneTimePassword}`,
        ' You will be asked to choose a new password at first login.',
        '================================================================',
        '',
      ].join('\n') + '\n',
    );
  }
  return { created: true, email, oneTimePassword };
}
