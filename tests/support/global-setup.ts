import { startEmbeddedDb } from '../../server/src/db/embedded-db';

/**
 * Starts one embedded database for the whole run, in memory (fast; the tests of the H2 file start
 * their own), unless KARAVAN_TEST_MONGODB_URI already points at a server (e.g. a real MongoDB 7).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.KARAVAN_TEST_MONGODB_URI) return;
  const db = await startEmbeddedDb({
    memory: true,
    say: (message) => process.stdout.write(`\n${message}\n`),
    onLog: (line) => {
      if (process.env.KARAVAN_TEST_DB_LOG) process.stderr.write(`[embedded-db] ${line}\n`);
    },
  });
  process.env.KARAVAN_TEST_MONGODB_URI = db.uri;
  process.env.KARAVAN_TEST_DB_EMBEDDED = '1';
  (globalThis as Record<string, unknown>).__karavanTestDb = db;
}
