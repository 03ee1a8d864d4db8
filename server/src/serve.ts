import { createKaravan } from './app';
import type { Config } from './config';
import { openDatabase } from './db/database';
import { EmbeddedDbError, type EmbeddedDb } from './db/embedded-db';
import { listeningUrls } from './lib/addresses';
import type { Logger } from './lib/logger';
import { releasePendingIdempotencyRecords } from './lib/idempotency';
import { attachRedis } from './realtime/redis';
import { repairOperations, scheduleRepair } from './db/repair';
import { settlePendingUpdateRecords } from './shipments';
import { resolveJwtSecret } from './settings/settings';
import { ensureFirstOrganiser } from './users';
import { migrateCampaignNames } from './campaigns';
import { migrateLocations } from './locations';
import { migrateVolunteerSkills } from './volunteers';

const REPAIR_EVERY_MS = 60 * 1000;

/**
 * Opens the database (the embedded one `starting`, when MONGODB_URI is unset), repairs what a
 * stopped process left half-done, and serves until SIGTERM or SIGINT.
 */
export async function serve(config: Config, logger: Logger, starting: Promise<EmbeddedDb> | undefined): Promise<void> {
  let db;
  try {
    db = await openDatabase(config, logger, starting);
  } catch (err) {
    if (err instanceof EmbeddedDbError) {
      process.stderr.write(`\n${err.message}\n\n`);
      process.exit(1);
    }
    throw err;
  }

  const jwtSecret = await resolveJwtSecret(config.jwtSecret);
  await ensureFirstOrganiser(config, logger);

  const redis = config.redisUrl ? await attachRedis(config.redisUrl, logger) : undefined;
  const karavan = createKaravan({ config, logger, jwtSecret, redis });

  // Operations a crash left half-done are finished or undone (their live events published)
  // before anything else runs: the kernel is wired, nothing listens yet. The embedded database
  // serves one process (its directory is locked), so every pending op is an orphan; with
  // MONGODB_URI another instance may be mid-way, so only expired leases.
  const repaired = await repairOperations(db.embedded ? new Date(8.64e15) : new Date());
  if (repaired.finished + repaired.undone > 0) logger.warn(repaired, 'repaired half-done operations');
  if (db.embedded) {
    // One process per data directory: what is still "in progress" belonged to a process that died.
    const records = await settlePendingUpdateRecords();
    const keys = await releasePendingIdempotencyRecords();
    if (records.done + records.forgotten + keys > 0) {
      logger.warn({ ...records, idempotencyKeys: keys }, 'settled requests a stopped process left in progress');
    }
  }

  // Names older versions stored as plain strings become translated objects; free-text opening
  // hours that say it plainly get their week (reading old data works without this too).
  const migrated = {
    campaigns: await migrateCampaignNames(),
    locations: await migrateLocations(),
    volunteers: await migrateVolunteerSkills(),
  };
  if (migrated.campaigns + migrated.locations + migrated.volunteers > 0) {
    logger.info(migrated, 'translated names and structured opening hours of older records');
  }

  // Expired sessions, Idempotency-Keys, live events and shipment updates are deleted by the
  // database itself (TTL indexes declared on their models), not by a sweep here.
  const stopRepair = scheduleRepair(
    REPAIR_EVERY_MS,
    (r) => {
      if (r.finished + r.undone > 0) logger.warn(r, 'repaired half-done operations');
    },
    (err: unknown) => logger.warn({ err }, 'repair pass failed'),
  );

  await new Promise<void>((resolve, reject) => {
    karavan.server.once('error', reject);
    karavan.server.listen(config.port, config.host, () => resolve());
  });
  // Signals are handled before the listening line is printed: whoever waits for that line and
  // then stops us (a service manager, the tests) must find the handler there, not the default
  // action that kills the process at once.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    stopRepair();
    (async () => {
      await karavan.close();
      await redis?.close();
      await db.close();
      logger.info('stopped');
      process.exit(0);
    })().catch((err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  const address = karavan.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // On every interface (the default HOST), phones on the same network use the LAN address(es).
  const urls = listeningUrls(config.host, port);
  logger.info({ port, urls }, `Karavan is listening on ${urls.join(' , ')}`);
}
