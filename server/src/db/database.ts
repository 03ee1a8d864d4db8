import mongoose from 'mongoose';
import type { Logger } from '../lib/logger';
import type { Config } from '../config';
import { startEmbeddedDb, type EmbeddedDb } from './embedded-db';
import path from 'node:path';

// Fail fast instead of queueing operations while the database is away: requests get a 503
// within serverSelectionTimeoutMS and /readyz reports it.
mongoose.set('bufferCommands', false);
mongoose.set('strictQuery', true);

export const CONNECT_OPTIONS: mongoose.ConnectOptions = {
  serverSelectionTimeoutMS: 5_000,
  heartbeatFrequencyMS: 2_000,
  autoIndex: true,
};

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
  await mongoose.connect(uri, CONNECT_OPTIONS);
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
