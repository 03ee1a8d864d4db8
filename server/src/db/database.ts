import { createRequire } from 'node:module';
import path from 'node:path';
import mongoose from 'mongoose';
import type { Logger } from '../lib/logger';
import type { Config } from '../config';
import { startEmbeddedDb, type EmbeddedDb } from './embedded-db';

// Operations wait at most this long for a lost connection to come back, then fail: the
// request gets a 503 and /readyz reports it. Short: a phone retries (same Idempotency-Key)
// sooner than a held request would be answered, and requests do not pile up.
mongoose.set('bufferTimeoutMS', 1_500);
mongoose.set('strictQuery', true);

interface DriverConnection {
  socket?: NodeJS.EventEmitter & { destroyed: boolean };
  error?: Error;
  writeCommand(command: unknown, options: unknown): Promise<void>;
}

/**
 * Works around a flaw of the MongoDB driver (7.x, up to 7.9 at least): a command is serialised
 * (`await toBin()`) before it is written, and when the connection closes in that moment (the
 * database went away) the driver writes onto the destroyed socket. Node then returns `false`
 * from `write` and emits neither `drain` nor `error`, and the driver waits for `drain` forever:
 * the operation never settles, even after the database is back. Whatever awaited it hangs too
 * (a request's idempotency record stayed "in progress", its stock operation "running").
 * Here a write also ends when its socket closes, as a network error the driver handles like
 * any other (retry or fail).
 */
export function guardDriverWrites(connectionClass: { prototype: DriverConnection }): boolean {
  const proto = connectionClass.prototype as DriverConnection & { karavanGuarded?: boolean };
  if (typeof proto.writeCommand !== 'function' || proto.karavanGuarded) return false;
  const write = proto.writeCommand;
  proto.writeCommand = function guardedWriteCommand(this: DriverConnection, command, options) {
    const socket = this.socket;
    const written = write.call(this, command, options);
    if (!socket) return written;
    const closed = () =>
      new mongoose.mongo.MongoNetworkError(
        this.error?.message ?? 'the connection to the database closed while a command was being written',
      );
    return new Promise<void>((resolve, reject) => {
      const onClose = () => reject(closed());
      socket.once('close', onClose);
      if (socket.destroyed) setImmediate(onClose); // closed already: no 'close' may come any more
      written.then(
        (value) => {
          socket.off('close', onClose);
          resolve(value);
        },
        (err: unknown) => {
          socket.off('close', onClose);
          reject(err as Error);
        },
      );
    });
  };
  proto.karavanGuarded = true;
  return true;
}

/** The driver's connection class, as Mongoose loads it (not part of the driver's public API). */
function driverConnectionClass(): { prototype: DriverConnection } | undefined {
  try {
    const fromMongoose = createRequire(require.resolve('mongoose'));
    return (fromMongoose('mongodb/lib/cmap/connection') as { Connection?: { prototype: DriverConnection } }).Connection;
  } catch {
    return undefined;
  }
}
const driverConnection = driverConnectionClass();
if (driverConnection) guardDriverWrites(driverConnection);

/**
 * Connection options, the same for MongoDB and the embedded database: both apply a single-document
 * update atomically, so a guarded `findOneAndUpdate` holds under concurrency with a normal pool.
 */
export function connectOptions(): mongoose.ConnectOptions {
  return {
    // An operation that finds no reachable server gives up after this long (then 503): a request
    // must not wait for the database longer than a phone waits for an answer. Start-up retries.
    serverSelectionTimeoutMS: 1_500,
    heartbeatFrequencyMS: 2_000,
    // A database that is shutting down can accept a connection and never answer: the driver's
    // monitor would then wait the default 30 s before it looks again, and the server would stay
    // "unavailable" that long after the database is back.
    connectTimeoutMS: 3_000,
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
      // Opening rebuilds the secondary indexes from every document: about 30 s for a million
      // ledger entries on a busy 2-core machine (npm run bench:scale), so more than the default.
      readyTimeoutMs: 300_000,
      say: (message) => logger.info(message),
      onLog: (line) => logger.warn({ source: 'embedded-db' }, line),
    });
    uri = `${embedded.uri}karavan`;
  }
  // The database may still be starting (a container next to ours): keep trying for a while.
  const giveUpAt = Date.now() + 30_000;
  for (;;) {
    try {
      await mongoose.connect(uri, connectOptions());
      break;
    } catch (err) {
      if (Date.now() > giveUpAt || !/ServerSelection/.test((err as Error).name)) throw err;
      logger.warn({ err: (err as Error).message }, 'the database is not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
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

/**
 * Collections that earlier versions kept by hand as indexes, now replaced by declared indexes on
 * the collections they indexed (so they hold nothing that is not elsewhere): dropped on start.
 */
export const OBSOLETE_COLLECTIONS = ['event_index', 'ledger_index'];

/**
 * Waits until every model's indexes exist (unique emails must hold from the first request), and
 * migrates what earlier versions left: models whose declared indexes changed options (TTL
 * indexes, `autoIndex: false` in their schema) get their indexes synced (an index of the same
 * keys with other options is dropped and created again; nothing else is touched), and the
 * hand-built index collections are dropped.
 */
export async function ensureIndexes(): Promise<void> {
  const models = Object.values(mongoose.models);
  await Promise.all(models.map((model) => model.init()));
  await Promise.all(
    models.filter((model) => model.schema.get('autoIndex') === false).map((model) => model.syncIndexes()),
  );
  const db = mongoose.connection.db!;
  const present = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const name of OBSOLETE_COLLECTIONS) if (present.has(name)) await db.dropCollection(name);
  // The event sweep's bookmark (events now expire by TTL).
  await db.collection<{ _id: string }>('counters').deleteOne({ _id: 'events-swept' });
}

/**
 * False while the driver knows the database is unreachable (it saw the connection drop or its
 * heartbeat fail): requests are then answered 503 at once instead of waiting in Mongoose's
 * buffer for up to REQUEST_TIMEOUT_MS, and phones retry (with their Idempotency-Keys) sooner.
 * The driver keeps probing and the flag turns back by itself when the database returns.
 */
export function databaseConnected(): boolean {
  if (mongoose.connection.readyState === mongoose.ConnectionStates.connected) return true;
  probe();
  return false;
}

let lastProbe = 0;
/**
 * While requests are turned away, nothing asks the driver for a server, and after a connection
 * broke mid-operation its monitor may wait a long time before it looks again. A ping (at most one
 * a second, straight through the driver, not Mongoose's buffer) makes it look now.
 */
function probe(): void {
  if (Date.now() - lastProbe < 1_000) return;
  lastProbe = Date.now();
  try {
    void mongoose.connection
      .getClient()
      .db('admin')
      .command({ ping: 1 })
      .catch(() => undefined);
  } catch {
    // not connected yet at all: openDatabase is still trying
  }
}

const lostListeners = new Set<() => void>();
let watchingLoss = false;

/**
 * Calls `listener` when the driver loses the database; returns the unsubscribe. Requests in
 * flight are then answered 503 at once (see deadline in lib/route) instead of each waiting out
 * its own chain of database timeouts.
 */
export function onDatabaseLost(listener: () => void): () => void {
  if (!watchingLoss) {
    watchingLoss = true;
    mongoose.connection.on('disconnected', () => {
      for (const l of [...lostListeners]) l();
    });
  }
  lostListeners.add(listener);
  return () => lostListeners.delete(listener);
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
