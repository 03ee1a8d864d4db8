import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { EmbeddedDbError } from '../db/embedded-db';
import { createLogger } from '../lib/logger';
import { repairOperations } from '../db/repair';
import { createEventBus } from '../lib/events';
import { createKernelServices } from '../wiring';
import { reconcileStock } from './reconcile';

/**
 * `npm run reconcile [-- --fix]`: finishes or undoes half-done stock operations, then recomputes
 * every balance and campaign total from the ledger and prints each difference. Exit code 0 when
 * everything matches, 2 when differences were found (and fixed with --fix). Starts the embedded
 * database itself when MONGODB_URI is unset (stop the server first: it serves one process).
 */
async function main() {
  const fix = process.argv.includes('--fix');
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = await openDatabase(config, logger);
  try {
    // Alone on the embedded database, every pending op is an orphan; on MongoDB only expired leases.
    createKernelServices(createEventBus()); // the hooks the repair pass may need
    const repaired = await repairOperations(db.embedded ? new Date(8.64e15) : new Date());
    const report = await reconcileStock({ fix });
    const out = process.stdout;
    out.write(
      `Reconciled ${report.movements} movements against ${report.balances} balances and ${report.campaignTotals} campaign totals.\n`,
    );
    if (repaired.finished + repaired.undone > 0) {
      out.write(`Repaired half-done operations first: ${repaired.finished} finished, ${repaired.undone} undone.\n`);
    }
    if (report.inFlight > 0) out.write(`${report.inFlight} documents skipped: an operation is still changing them.\n`);
    if (report.differences.length === 0) {
      out.write('No differences: every running total matches the ledger.\n');
      return 0;
    }
    out.write(`${report.differences.length} difference(s)${fix ? ' (fixed)' : ''}:\n`);
    for (const d of report.differences) {
      out.write(`  ${d.collection} ${d.id} ${d.field}: stored ${d.stored}, ledger ${d.fromLedger}\n`);
    }
    if (!fix) out.write('Run `npm run reconcile -- --fix` to set them to the ledger values.\n');
    return 2;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof ConfigError || err instanceof EmbeddedDbError;
    process.stderr.write(
      `Reconcile failed: ${known || !(err instanceof Error) ? String((err as Error).message ?? err) : err.stack}\n`,
    );
    process.exit(1);
  },
);
