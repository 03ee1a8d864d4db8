import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { EmbeddedDbError } from '../db/embedded-db';
import { createLogger } from '../lib/logger';
import { hashPassword } from '../lib/passwords';
import { endAllSessions } from '../sessions';
import { User } from '../users/users.model';

class UsageError extends Error {}

/**
 * `npm run reset-password -- <email>`: the way back for a lost password (the last organiser's
 * included). Sets a random one-time password, prints it once, makes the user choose a new one
 * at next sign-in and ends every session of the user. Works with the server stopped: without
 * MONGODB_URI it starts the embedded database itself, like the seed script.
 */
async function main() {
  const email = process.argv
    .slice(2)
    .find((a) => !a.startsWith('-'))
    ?.trim()
    .toLowerCase();
  if (!email) throw new UsageError('Usage: npm run reset-password -- <email>');
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = await openDatabase(config, logger);
  try {
    const user = await User.findOne({ email });
    if (!user) throw new UsageError(`No user has the email ${email}.`);
    const oneTimePassword = randomBytes(12).toString('base64url');
    user.passwordHash = await hashPassword(oneTimePassword);
    user.mustChangePassword = true;
    // Revokes every access token issued before; a running server refuses them on their next use.
    user.tokenVersion += 1;
    await user.save();
    await endAllSessions(user._id);
    process.stdout.write(
      [
        '',
        '================================================================',
        ` Karavan: password reset for ${user.email} (${user.role}).`,
        ' This one-time password is shown ONCE:',
        `   password: ${oneTimePassword}`,
        ' Every session of this user has ended; a new password must be',
        ' chosen at the next sign-in.',
        ...(user.active ? [] : [' Note: this account is disabled; an organiser must enable it.']),
        '================================================================',
        '',
      ].join('\n') + '\n',
    );
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof EmbeddedDbError || err instanceof UsageError;
  process.stderr.write(
    `Password reset failed: ${known || !(err instanceof Error) ? String((err as Error).message ?? err) : err.stack}\n`,
  );
  process.exit(1);
});
