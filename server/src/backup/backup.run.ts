import path from 'node:path';
import mongoose from 'mongoose';
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { EmbeddedDbError } from '../db/embedded-db';
import { createLogger } from '../lib/logger';
import { BackupError, restoreBackup, writeBackup } from './backup';

/**
 * `npm run backup [-- file]` writes `karavan-backup-<time>.jsonl.gz` (or `file`);
 * `npm run restore -- file [--force]` restores one (refusing a non-empty database unless
 * `--force`). With MONGODB_URI unset they start the embedded database themselves: stop the
 * server first (it serves one process). On MongoDB prefer mongodump/mongorestore (README).
 */
async function main() {
  const [command, ...args] = process.argv.slice(2);
  const force = args.includes('--force');
  const fileArg = args.find((a) => !a.startsWith('--'));
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  if (command === 'restore' && !fileArg)
    throw new BackupError('Name the backup file: npm run restore -- <file> [--force]');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.resolve(fileArg ?? `karavan-backup-${stamp}.jsonl.gz`);
  const db = await openDatabase(config, logger);
  try {
    const started = Date.now();
    const counts =
      command === 'restore'
        ? await restoreBackup(mongoose.connection.db!, file, { force })
        : await writeBackup(mongoose.connection.db!, file);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `${command === 'restore' ? 'Restored' : 'Backed up'} ${total} documents in ${Object.keys(counts).length} collections ` +
        `${command === 'restore' ? 'from' : 'to'} ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
    );
    if (command === 'restore') process.stdout.write('Check it with `npm run reconcile`.\n');
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof EmbeddedDbError || err instanceof BackupError;
  process.stderr.write(
    `${process.argv[2] === 'restore' ? 'Restore' : 'Backup'} failed: ${known || !(err instanceof Error) ? String((err as Error).message ?? err) : err.stack}\n`,
  );
  process.exit(1);
});
