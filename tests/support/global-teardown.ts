import fs from 'node:fs';
import type { EmbeddedDb } from '../../server/src/db/embedded-db';

export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as Record<string, unknown>).__karavanTestDb as
    { db: EmbeddedDb; dir: string } | undefined;
  if (!started) return;
  await started.db.stop();
  fs.rmSync(started.dir, { recursive: true, force: true });
}
