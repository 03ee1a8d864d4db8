import fs from 'node:fs';
import path from 'node:path';
import Joi from 'joi';
import { createUserBody, type CreateUserRequest } from '@karavan/shared';
import { ConfigError, loadConfig, REPO_ROOT } from '../config';
import { openDatabase } from '../db/database';
import { EmbeddedDbError } from '../db/embedded-db';
import { createLogger } from '../lib/logger';
import { resolveJwtSecret } from '../settings/settings';
import { RefusedError, runSeed, type SeedFile } from './seed';
import { catalogueSeedKeys } from './catalogue';

const seedFile = Joi.object({
  description: Joi.string(),
  users: Joi.array().items(createUserBody.fork(['password'], (s) => s.optional())),
  ...catalogueSeedKeys,
});

/**
 * `npm run seed [-- file] [--reset] [--force] [--scale N]`: loads the demo (seeds/demo.json by
 * default: accounts, catalogue, then the January 2022 drive: donations and shipments) through the
 * same services the API uses. Running it twice changes nothing. `--reset` empties the database
 * first (only one the seed marked as demo, unless `--force`); `--scale N` then adds N synthetic
 * donations in bulk for benchmarks. Demo accounts have a published password, so with
 * NODE_ENV=production it refuses unless `--force` is given.
 */
async function main() {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const reset = args.includes('--reset');
  const scaleAt = args.indexOf('--scale');
  let scale = 0;
  if (scaleAt >= 0) {
    scale = Number(args[scaleAt + 1]);
    if (!Number.isInteger(scale) || scale < 1 || scale > 10_000_000) {
      throw new RefusedError('--scale takes a whole number of donations between 1 and 10000000, e.g. --scale 100000');
    }
  }
  const positional = args.filter((a, i) => !a.startsWith('--') && !(scaleAt >= 0 && i === scaleAt + 1));
  const config = loadConfig();
  if (config.env === 'production' && !force) {
    throw new RefusedError(
      'NODE_ENV is production: the demo seed would create accounts whose password is public. ' +
        'Refusing; add --force if this really is a demo installation.',
    );
  }
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const file = path.resolve(positional[0] ?? path.join(REPO_ROOT, 'seeds', 'demo.json'));
  const { value, error } = seedFile.validate(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (error) throw new Error(`${file}: ${error.message}`);
  const password = process.env.KARAVAN_DEMO_PASSWORD ?? 'karavan-demo-2022';

  const db = await openDatabase(config, logger);
  try {
    await runSeed({
      seed: value as SeedFile & { users?: CreateUserRequest[] },
      file,
      password,
      reset,
      force,
      scale,
      config,
      logger,
      jwtSecret: await resolveJwtSecret(config.jwtSecret),
      out: process.stdout,
    });
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
