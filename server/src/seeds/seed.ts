import mongoose from 'mongoose';
import type { CreateUserRequest, Role } from '@karavan/shared';
import { createKaravan } from '../app';
import type { Config } from '../config';
import { ensureIndexes } from '../db/database';
import { isDuplicateKey } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { isDemoDatabase, markDemoDatabase } from '../settings/settings';
import { createKernelServices } from '../wiring';
import { createUsersService } from '../users';
import { User } from '../users/users.model';
import { seedCatalogue, type CatalogueSeed } from './catalogue';
import { seedDrive, type DriveResult } from './drive';
import { progressReporter, seedSynthetic, type SyntheticResult } from './synthetic';

/** The actor seeds act as: they run from the command line, by whoever runs the server. */
export const SEED_ACTOR = {
  id: '000000000000000000000000',
  role: 'organiser',
  email: 'seed@karavan',
  mustChangePassword: false,
} as const;

export class RefusedError extends Error {}

export type SeedFile = CatalogueSeed & { users?: (Omit<CreateUserRequest, 'password'> & { password?: string })[] };

export interface SeedOptions {
  seed: SeedFile;
  /** Shown in the summary. */
  file: string;
  /** The demo accounts' password (unless the file gives one). */
  password: string;
  reset?: boolean;
  force?: boolean;
  /** Synthetic donations to add after the demo (0: none). */
  scale?: number;
  config: Config;
  logger: Logger;
  jwtSecret: string;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  /** Anchors the drive's story (default now). */
  now?: Date;
}

export interface SeedResult {
  users: { created: number; existing: number };
  catalogue: { created: number; existing: number };
  drive: DriveResult;
  synthetic: SyntheticResult | null;
}

/** Empties every collection of the connected database (then re-creates the indexes). */
async function emptyDatabase(): Promise<void> {
  const db = mongoose.connection.db!;
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (name.startsWith('system.')) continue;
    await db.collection(name).deleteMany({});
  }
  await ensureIndexes();
}

/**
 * Loads the demo: accounts, catalogue, the January 2022 drive (through the services, with a
 * Karavan instance that is not listening, so that the live events are stored as the API stores
 * them), then the optional synthetic load. Marks the database as demo.
 */
export async function runSeed(options: SeedOptions): Promise<SeedResult> {
  const { out } = options;
  if (options.reset) {
    const hasUsers = (await User.estimatedDocumentCount()) > 0;
    if (hasUsers && !(await isDemoDatabase()) && !options.force) {
      throw new RefusedError(
        'This database is not marked as demo data (it may hold real work): --reset refuses to empty it. ' +
          'Add --force to empty it anyway.',
      );
    }
    await emptyDatabase();
    out.write('Emptied the database.\n');
  }
  await markDemoDatabase();

  // The app's own event bus: the realtime module stores every live event the seed's writes cause.
  const karavan = createKaravan({
    config: { ...options.config, expiryCheckSeconds: 0 },
    logger: options.logger,
    jwtSecret: options.jwtSecret,
    serveClient: false,
  });
  try {
    const users = createUsersService(karavan.events);
    const result: SeedResult = {
      users: { created: 0, existing: 0 },
      catalogue: { created: 0, existing: 0 },
      drive: { donations: { created: 0, existing: 0 }, shipments: { created: 0, existing: 0 }, updates: 0 },
      synthetic: null,
    };
    const accounts: { email: string; role: Role; name: string }[] = [];
    for (const input of options.seed.users ?? []) {
      accounts.push({ email: input.email, role: input.role as Role, name: input.name });
      try {
        await users.create(SEED_ACTOR, { ...input, password: input.password ?? options.password } as CreateUserRequest);
        // Demo accounts are ready to use: no forced password change.
        await User.updateOne({ email: input.email }, { $set: { mustChangePassword: false } });
        result.users.created += 1;
      } catch (err) {
        if (!(err instanceof Error && 'status' in err && err.status === 409) && !isDuplicateKey(err)) throw err;
        result.users.existing += 1;
      }
    }
    result.catalogue = await seedCatalogue(options.seed, SEED_ACTOR, karavan.events);
    out.write(
      `Seeded ${options.file}: ${result.users.created} user(s) created, ${result.users.existing} already there; ` +
        `${result.catalogue.created} item(s), location(s), campaign(s) and volunteer(s) created, ${result.catalogue.existing} already there.\n`,
    );

    if (options.seed.users?.length) {
      result.drive = await seedDrive(createKernelServices(karavan.events), options.now);
      const d = result.drive;
      out.write(
        `The January 2022 drive: ${d.donations.created} donation(s) recorded, ${d.donations.existing} already there; ` +
          `${d.shipments.created} shipment(s) planned, ${d.shipments.existing} already there; ${d.updates} status update(s) reported.\n`,
      );
      out.write(`\nDemo accounts (password "${options.password}" for accounts this seed created):\n`);
      for (const a of accounts) out.write(`  ${a.role.padEnd(12)} ${a.email.padEnd(28)} ${a.name}\n`);
      if (result.users.existing > 0) out.write('  (accounts that were already there keep their own password)\n');
    }

    if (options.scale && options.scale > 0) {
      out.write(`\nAdding ${options.scale} synthetic donations for benchmarks...\n`);
      result.synthetic = await seedSynthetic(
        SEED_ACTOR,
        options.scale,
        progressReporter(out as NodeJS.WriteStream, 'donations'),
      );
      const s = result.synthetic;
      out.write(
        `Synthetic campaign ${s.campaignId}: ${s.donations} donations, ${s.movements} ledger entries in ${(s.ms / 1000).toFixed(1)} s. ` +
          'Check with `npm run reconcile`.\n',
      );
    }
    await karavan.live.idle();
    return result;
  } finally {
    await karavan.close();
  }
}
