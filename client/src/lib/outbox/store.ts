import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { OutboxEntry, OutboxStore } from './outbox';

interface KaravanDb extends DBSchema {
  outbox: { key: string; value: OutboxEntry };
  /** Small key-value pairs: the saved query cache, so that screens open offline with their data. */
  kv: { key: string; value: string };
}

export const DB_NAME = 'karavan';

const databases = new Map<string, Promise<IDBPDatabase<KaravanDb>>>();

function open(name: string): Promise<IDBPDatabase<KaravanDb>> {
  let db = databases.get(name);
  if (!db) {
    db = openDB<KaravanDb>(name, 1, {
      upgrade(database) {
        database.createObjectStore('outbox', { keyPath: 'id' });
        database.createObjectStore('kv');
      },
    });
    databases.set(name, db);
  }
  return db;
}

/** The outbox in IndexedDB: it survives reloads, closed tabs and a phone's restart. */
export function idbOutboxStore(name = DB_NAME): OutboxStore {
  return {
    async all() {
      const entries = await (await open(name)).getAll('outbox');
      return entries.sort((a, b) => a.order - b.order || a.createdAt.localeCompare(b.createdAt));
    },
    async get(id) {
      return (await open(name)).get('outbox', id);
    },
    async put(entry) {
      await (await open(name)).put('outbox', entry);
    },
    async remove(id) {
      await (await open(name)).delete('outbox', id);
    },
  };
}

/** An async string storage in the same database (for the query cache persister). */
export function idbKeyValue(name = DB_NAME) {
  return {
    async getItem(key: string): Promise<string | null> {
      return (await (await open(name)).get('kv', key)) ?? null;
    },
    async setItem(key: string, value: string): Promise<void> {
      await (await open(name)).put('kv', value, key);
    },
    async removeItem(key: string): Promise<void> {
      await (await open(name)).delete('kv', key);
    },
  };
}
