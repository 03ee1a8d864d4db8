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
 * Connection options. On FerretDB a guarded `findOneAndUpdate`/`updateOne` with `$inc` is a
 * read-then-write without a lock: two at once on one document both pass the guard and one
 * update is lost (measured: 10 concurrent takes of 1 from 6 all succeeded). One connection
 * serialises this process's operations and restores the atomicity the stock rules need, so the
 * embedded database gets a pool of one. MongoDB is atomic per document and keeps a pool.
 */
export function connectOptions(embedded: boolean): mongoose.ConnectOptions {
  return {
    serverSelectionTimeoutMS: 5_000,
    heartbeatFrequencyMS: 2_000,
    autoIndex: true,
    ...(embedded ? { maxPoolSize: 1, minPoolSize: 1 } : {}),
  };
}

export interface Database {
  uri: string;
  embedded: EmbeddedDb | undefined;
  close(): Promise<void>;
}

/** Connects Mongoose to MONGODB_URI, or to the embedded FerretDB (started here) when it is unset. */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  let embedded: EmbeddedDb | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    const dir = path.join(config.dataDir, 'db');
    logger.info({ dir }, 'MONGODB_URI is not set: starting the embedded database (FerretDB on SQLite)');
    embedded = await startEmbeddedDb({
      dir,
      say: (message) => logger.info(message),
      onLog: (line) => logger.warn({ source: 'ferretdb' }, line),
    });
    uri = `${embedded.uri}karavan`;
  }
  await mongoose.connect(uri, connectOptions(Boolean(embedded)));
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
