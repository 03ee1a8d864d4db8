import mongoose from 'mongoose';
import { ensureIndexes } from '../../server/src/db/database';
import { eventsAfter, latestEvents } from '../../server/src/realtime/event-log';
import { walkScope } from '../../server/src/stock';
// Every model the server declares (ensureIndexes migrates what is registered).
import '../../server/src/app';

// A database written by an earlier version: hand-built index collections (`event_index`, the
// ledger's `ledger_index`), the event sweep's bookmark, and plain indexes where TTL indexes are
// now declared. Starting (ensureIndexes) migrates it with nothing lost.
const db = () => mongoose.connection.db!;

describe('Migration of an earlier database to declared indexes and TTL', () => {
  test('When the server starts on old data, then the hand-built indexes are dropped, TTL indexes replace plain ones, and every event and movement is still read', async () => {
    const at = new Date();
    await db()
      .collection<{ _id: number; [key: string]: unknown }>('events')
      .insertMany(
        [1, 2, 3, 4].map((seq) => ({
          _id: seq,
          name: 'stock.changed',
          rooms: seq % 2 ? ['dashboard', 'location:x'] : ['dashboard'],
          payload: { n: seq },
          at,
        })),
      );
    await db()
      .collection<{ _id: string; [key: string]: unknown }>('counters')
      .insertMany([
        { _id: 'events', seq: 4 },
        { _id: 'events-swept', seq: 0 },
      ]);
    await db()
      .collection<{ _id: string; [key: string]: unknown }>('event_index')
      .insertOne({ _id: 'dashboard#0', bucket: 0, seqs: [1, 2, 3, 4] });
    await db()
      .collection<{ _id: string; [key: string]: unknown }>('ledger_index')
      .insertMany([
        { _id: 'all', buckets: [1] },
        { _id: 'all#1', ids: ['op:0', 'op:1'] },
      ]);
    await db()
      .collection<{ _id: string; [key: string]: unknown }>('movements')
      .insertMany(
        [0, 1].map((n) => ({
          _id: `op:${n}`,
          opId: 'op',
          kind: 'received',
          at: new Date(at.getTime() + n),
          locationId: 'x',
          campaignId: 'c',
          itemId: 'i',
          lotId: 'l',
          quantity: 1,
        })),
      );
    // The old, plain indexes where TTL indexes are declared now.
    await db().collection('events').dropIndexes();
    await db().collection('events').createIndex({ at: 1 });
    await db().collection('sessions').dropIndexes();
    await db().collection('sessions').createIndex({ expiresAt: 1 });
    await db().collection('shipment_updates').dropIndexes();
    await db().collection('shipment_updates').createIndex({ createdAt: 1 });

    await ensureIndexes();

    const names = (await db().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).not.toContain('event_index');
    expect(names).not.toContain('ledger_index');
    expect(
      await db()
        .collection('counters')
        .countDocuments({ _id: 'events-swept' as never }),
    ).toBe(0);
    const ttl = async (collection: string, name: string) =>
      (await db().collection(collection).listIndexes().toArray()).find((i) => i.name === name)?.expireAfterSeconds;
    expect(await ttl('events', 'at_1')).toBe(7 * 24 * 3600);
    expect(await ttl('sessions', 'expiresAt_1')).toBe(0);
    expect(await ttl('shipment_updates', 'createdAt_1')).toBe(30 * 24 * 3600);
    expect(await ttl('idempotency_records', 'createdAt_1')).toBe(72 * 3600);
    expect((await db().collection('events').listIndexes().toArray()).some((i) => i.name === 'rooms_1__id_1')).toBe(
      true,
    );

    // Nothing lost: every event is still read by room, and every movement by time.
    const all = await eventsAfter('dashboard', 0, 10);
    expect(all).toMatchObject({ truncated: false });
    expect(all.items.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect((await eventsAfter('location:x', 1, 10)).items.map((e) => e.seq)).toEqual([3]);
    expect((await latestEvents('dashboard', 2)).map((e) => e.seq)).toEqual([3, 4]);
    const walked: string[] = [];
    for await (const page of walkScope('location:x', 'newest', 1)) walked.push(...page.map((m) => m._id));
    expect(walked).toEqual(['op:1', 'op:0']);

    // Starting again changes nothing.
    await ensureIndexes();
    expect(await ttl('events', 'at_1')).toBe(7 * 24 * 3600);
  });

  test('When the server starts with the earlier list indexes, then each list gets the index it walks in its order and the old ones are dropped', async () => {
    // What an earlier version declared: the lists' filters without the `_id` that ends their order.
    await db().collection('donations').createIndex({ locationId: 1, receivedAt: -1 });
    await db().collection('donations').createIndex({ receivedAt: -1 });
    await db().collection('shipments').createIndex({ status: 1 });
    await db().collection('shipments').createIndex({ createdAt: -1 });
    await db().collection('balances').createIndex({ locationId: 1 });
    await db().collection('balances').createIndex({ campaignId: 1, itemId: 1 });

    await ensureIndexes();

    const names = async (collection: string) =>
      (await db().collection(collection).listIndexes().toArray()).map((i) => String(i.name)).sort();
    expect(await names('donations')).toEqual([
      '_id_',
      'campaignId_1_receivedAt_-1__id_-1',
      'locationId_1_receivedAt_-1__id_-1',
      'receivedAt_-1__id_-1',
    ]);
    expect(await names('shipments')).toEqual([
      '_id_',
      'campaignId_1_createdAt_-1__id_-1',
      'createdAt_-1__id_-1',
      'driverId_1_createdAt_-1__id_-1',
      // (a taker's waiting hand-overs, GET /api/handovers/incoming)
      'handoverPendingTo_1',
      // (the claims the repair pass looks for)
      'pending.opId_1',
      'status_1_createdAt_-1__id_-1',
    ]);
    expect(await names('balances')).toEqual([
      '_id_',
      'campaignId_1_expiresAt_1',
      'expiresAt_1',
      'locationId_1_campaignId_1_itemId_1',
      // (the stock list of a place, paged in its order; its total from the index alone)
      'locationId_1_expiresAt_1__id_1',
      'locationId_1_onHand_1',
    ]);
  });
});
