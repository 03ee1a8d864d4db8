import type { EmbeddedDb } from '../../server/src/db/embedded-db';

export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as Record<string, unknown>).__karavanTestDb as EmbeddedDb | undefined;
  await db?.stop();
}
