import { randomBytes } from 'node:crypto';

/** Every database the tests touch is named so; anything else is refused. */
export const TEST_DB_PREFIX = 'karavan_test_';

/** Throws unless `uri` names a test database; guards against emptying a real one. */
export function assertTestDatabaseUri(uri: string): string {
  const name = new URL(uri).pathname.replace(/^\//, '');
  if (!name.startsWith(TEST_DB_PREFIX)) {
    throw new Error(
      `Refusing to run tests against database "${name || '(none)'}": its name must start with ${TEST_DB_PREFIX}`,
    );
  }
  return name;
}

/** A fresh test database URI on the server the global setup started (or KARAVAN_TEST_MONGODB_URI). */
export function newTestDatabaseUri(): string {
  const base = process.env.KARAVAN_TEST_MONGODB_URI;
  if (!base) throw new Error('KARAVAN_TEST_MONGODB_URI is not set: run the tests through Jest (global setup)');
  const url = new URL(base);
  url.pathname = `/${TEST_DB_PREFIX}${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(4).toString('hex')}`;
  return url.toString();
}
