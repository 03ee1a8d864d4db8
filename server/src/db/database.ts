import mongoose from 'mongoose';
import type { Logger } from '../lib/logger';
import type { Config } from '../config';
import { startEmbeddedDb, type EmbeddedDb } from './embedded-db';
import path from 'node:path';

// Operations wait at most this long for a lost connection to come back, then fail: the
// request gets a 503 and /readyz reports it.
mongoose.set('bufferTimeoutMS', 5_000);
mongoose.set('strictQuery', true);

/**
 * Connection options, the same for MongoDB and the embedded database: both apply a single-document
 * update atomically, so a guarded `findOneAndUpdate` holds under concurrency with a normal pool.
 */
export function connectOptions(): mongoose.ConnectOptions {
  return {
    serverSelectionTimeoutMS: 5_000,
    heartbeatFrequencyMS: 2_000,
    autoIndex: true,
  };
}

export interface Database {
  uri: string;
  embedded: EmbeddedDb | undefined;
  close(): Promise<void>;
}

/** Connects Mongoose to MONGODB_URI, or to the embedded database (started here) when it is unset. */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  let embedded: EmbeddedDb | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    const dir = path.join(config.dataDir, 'db');
    logger.info({ dir }, 'MONGODB_URI is not set: starting the embedded database (mongo-java-server on H2)');
    embedded = await startEmbeddedDb({
      dir,
      say: (message) => logger.info(message),
      onLog: (line) => logger.warn({ source: 'embedded-db' }, line),
    });
    uri = `${embedded.uri}karavan`;
  }
  await mongoose.connect(uri, connectOptions());
  await ensureIndexes();
  logger.info({ db: mongoose.connection.name, embedded: Boolean(embedded) }, 'database connected');
  return {
    uri,
    embedded,
    async close() {
      await mongoose.disconnect();
      await embedded?.stop();
    },
  };
}

/** Waits until every model's indexes exist (unique emails must hold from the first request). */
export async function ensureIndexes(): Promise<void> {
  await Promise.all(Object.values(mongoose.models).map((model) => model.init()));
}

/** Pings the database; false when it does not answer within `timeoutMs`. */
export async function pingDatabase(timeoutMs = 2_000): Promise<boolean> {
  const db = mongoose.connection.db;
  if (mongoose.connection.readyState !== mongoose.ConnectionStates.connected || !db) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      db
        .admin()
        .ping()
        .then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
