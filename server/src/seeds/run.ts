import fs from 'node:fs';
import path from 'node:path';
import Joi from 'joi';
import { createUserBody, type CreateUserRequest } from '@karavan/shared';
import { ConfigError, loadConfig, REPO_ROOT } from '../config';
import { openDatabase } from '../db/database';
import { EmbeddedDbError } from '../db/embedded-db';
import { createEventBus } from '../lib/events';
import { isDuplicateKey } from '../lib/errors';
import { createLogger } from '../lib/logger';
import { createUsersService, User } from '../users';
import { catalogueSeedKeys, seedCatalogue, type CatalogueSeed } from './catalogue';

/** The actor seeds act as: they run from the command line, by whoever runs the server. */
const SEED_ACTOR = {
  id: '000000000000000000000000',
  role: 'organiser',
  email: 'seed@karavan',
  mustChangePassword: false,
} as const;

const seedFile = Joi.object({
  description: Joi.string(),
  users: Joi.array().items(createUserBody.fork(['password'], (s) => s.optional())),
  ...catalogueSeedKeys,
});

class RefusedError extends Error {}

/**
 * `npm run seed [file] [--force]`: loads demo data (seeds/demo.json by default) through the same
 * services the API uses. Existing records are left as they are, so running it twice changes
 * nothing. Demo accounts have a published password, so with NODE_ENV=production it refuses
 * unless `--force` is given.
 */
async function main() {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const config = loadConfig();
  if (config.env === 'production' && !force) {
    throw new RefusedError(
      'NODE_ENV is production: the demo seed would create accounts whose password is public. ' +
        'Refusing; add --force if this really is a demo installation.',
    );
  }
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const fileArg = args.find((a) => a !== '--force');
  const file = path.resolve(fileArg ?? path.join(REPO_ROOT, 'seeds', 'demo.json'));
  const { value, error } = seedFile.validate(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (error) throw new Error(`${file}: ${error.message}`);
  const password = process.env.KARAVAN_DEMO_PASSWORD ?? 'karavan-demo-2022';

  const db = await openDatabase(config, logger);
  try {
    const users = createUsersService(createEventBus());
    let created = 0;
    for (const input of (value.users ?? []) as CreateUserRequest[]) {
      try {
        await users.create(SEED_ACTOR, { ...input, password: input.password ?? password });
        // Demo accounts are ready to use: no forced password change.
        await User.updateOne({ email: input.email }, { $set: { mustChangePassword: false } });
        created += 1;
      } catch (err) {
        if (!(err instanceof Error && 'status' in err && err.status === 409) && !isDuplicateKey(err)) throw err;
      }
    }
    const catalogue = await seedCatalogue(value as CatalogueSeed, SEED_ACTOR, createEventBus());
    process.stdout.write(
      `Seeded ${file}: ${created} user(s) created, ${(value.users?.length ?? 0) - created} already there; ` +
        `${catalogue.created} item(s), location(s), campaign(s) and volunteer(s) created, ${catalogue.existing} already there.\n` +
        (created > 0 ? `Demo accounts sign in with the password "${password}".\n` : ''),
    );
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof EmbeddedDbError || err instanceof RefusedError;
  process.stderr.write(
    `Seeding failed: ${known || !(err instanceof Error) ? String((err as Error).message ?? err) : err.stack}\n`,
  );
  process.exit(1);
});
