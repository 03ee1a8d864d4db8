import mongoose from 'mongoose';
import { connectOptions, ensureIndexes } from '../../server/src/db/database';
import { assertTestDatabaseUri, newTestDatabaseUri } from './test-db';

// Each test file gets its own database, dropped when the file is done.
beforeAll(async () => {
  const uri = newTestDatabaseUri();
  assertTestDatabaseUri(uri);
  await mongoose.connect(uri, connectOptions());
  await ensureIndexes();
});

afterAll(async () => {
  if (mongoose.connection.readyState === mongoose.ConnectionStates.connected) {
    assertTestDatabaseUri(`mongodb://x/${mongoose.connection.name}`);
    await mongoose.connection.dropDatabase();
  }
  await mongoose.disconnect();
});
