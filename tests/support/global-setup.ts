import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDb } from '../../server/src/db/embedded-db';

/**
 * Starts one embedded FerretDB (in a temporary directory) for the whole run, unless
 * KARAVAN_TEST_MONGODB_URI already points at a server (e.g. a real MongoDB 7).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.KARAVAN_TEST_MONGODB_URI) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-test-db-'));
  const db = await startEmbeddedDb({
    dir,
    say: (message) => process.stdout.write(`\n${message}\n`),
    onLog: (line) => {
      if (process.env.KARAVAN_TEST_DB_LOG) process.stderr.write(`[ferretdb] ${line}\n`);
    },
  });
  process.env.KARAVAN_TEST_MONGODB_URI = db.uri;
  process.env.KARAVAN_TEST_DB_EMBEDDED = '1';
  (globalThis as Record<string, unknown>).__karavanTestDb = { db, dir };
}
