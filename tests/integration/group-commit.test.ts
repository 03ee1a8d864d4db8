import mongoose from 'mongoose';
import { groupCommit, groupedCompareAndSet, groupedInsert } from '../../server/src/db/group-commit';
import { isDatabaseUnavailable, isDuplicateKey } from '../../server/src/lib/errors';

// Group commit (server/src/db/group-commit.ts), on the real database: writes that come in while
// one is out go as one command, and each caller still learns how its own write went.

interface Doc {
  _id: string;
  version: number;
  marks: string[];
}

const db = () => mongoose.connection.db!;

/** The collection, counting the commands sent through it. */
function counted(name: string) {
  const calls = { insertMany: 0, bulkWrite: 0, find: 0 };
  const collection = () =>
    new Proxy(db().collection<Doc>(name), {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'insertMany' || prop === 'bulkWrite' || prop === 'find') calls[prop] += 1;
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
  return { calls, collection };
}

describe('Group commit', () => {
  test('When inserts come in together, then they go in fewer commands and only a repeated _id is refused, with the duplicate-key code', async () => {
    const { calls, collection } = counted('group_inserts');
    await db().collection<Doc>('group_inserts').insertOne({ _id: 'stored', version: 0, marks: [] });
    const insert = groupedInsert<Doc>(collection);
    const ids = ['a', 'b', 'stored', 'c', 'a', 'd', 'e', 'f'];
    const outcomes = await Promise.allSettled(ids.map((_id) => insert({ _id, version: 0, marks: [] })));

    const refused = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
    expect(refused).toEqual([2, 4]); // the stored one, and the second copy of `a`
    for (const i of refused) expect(isDuplicateKey((outcomes[i] as PromiseRejectedResult).reason)).toBe(true);
    const stored = await db().collection<Doc>('group_inserts').find().sort({ _id: 1 }).toArray();
    expect(stored.map((d) => d._id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'stored']);
    expect(calls.insertMany).toBeLessThan(ids.length);
    expect(calls.insertMany).toBeGreaterThan(0);
  });

  test('When compare-and-sets of one document come in together, then exactly one lands and each caller knows whether it was theirs', async () => {
    const { calls, collection } = counted('group_cas');
    await db()
      .collection<Doc>('group_cas')
      .insertMany([
        { _id: 'one', version: 0, marks: [] },
        { _id: 'two', version: 0, marks: [] },
        { _id: 'three', version: 0, marks: [] },
      ]);
    const cas = groupedCompareAndSet<Doc>(collection, { marks: 1 });
    const write = (id: string, mark: string) =>
      cas({
        filter: { _id: id, version: 0 },
        update: { $inc: { version: 1 }, $push: { marks: mark } },
        id,
        landed: (doc) => doc.marks.includes(mark),
      });
    // Every document once (all land), then five writers race for `one` at version 0.
    const first = await Promise.all([write('one', 'o1'), write('two', 't1'), write('three', 'h1')]);
    expect(first).toEqual([true, true, true]);
    const raced = await Promise.all(['x1', 'x2', 'x3', 'x4', 'x5'].map((m) => write('two', m)));
    // `two` is at version 1 now: none lands.
    expect(raced).toEqual([false, false, false, false, false]);
    await db()
      .collection<Doc>('group_cas')
      .updateOne({ _id: 'three' }, { $set: { version: 0 } });
    const racing = await Promise.all(['y1', 'y2', 'y3', 'y4'].map((m) => write('three', m)));
    expect(racing.filter(Boolean)).toHaveLength(1);
    const three = await db().collection<Doc>('group_cas').findOne({ _id: 'three' });
    expect(three!.marks).toEqual(['h1', `y${racing.indexOf(true) + 1}`]);
    expect(three!.version).toBe(1);
    expect(calls.bulkWrite).toBeLessThan(3 + 5 + 4);
  });

  test('When the command fails as a whole, then every write of its group fails with its error, and the next group is written', async () => {
    let fail = true;
    const sent: number[][] = [];
    const write = groupCommit<number, number>(async (items) => {
      sent.push(items);
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (fail) {
        fail = false;
        throw new Error('connection closed');
      }
      return items.map((n) => ({ ok: true, value: n * 2 }));
    }, 1);
    const outcomes = await Promise.allSettled([write(1), write(2), write(3)]);
    // The first went at once, alone; the two that came while it was out went together.
    expect(sent).toEqual([[1], [2, 3]]);
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: new Error('connection closed') });
    expect(outcomes.slice(1)).toEqual([
      { status: 'fulfilled', value: 4 },
      { status: 'fulfilled', value: 6 },
    ]);
  });

  test('When a grouped insert fails as a whole (no per-document error: a write concern not met), then every caller gets that error', async () => {
    const concern = new mongoose.mongo.MongoBulkWriteError(
      { message: 'waiting for replication timed out', code: 64, writeErrors: [] },
      {} as mongoose.mongo.BulkWriteResult,
    );
    const collection = {
      insertMany: () => new Promise((_, reject) => setTimeout(() => reject(concern), 10)),
    } as unknown as mongoose.mongo.Collection<Doc>;
    const insert = groupedInsert<Doc>(() => collection);
    const outcomes = await Promise.allSettled(['p', 'q', 'r'].map((_id) => insert({ _id, version: 0, marks: [] })));
    expect(outcomes.map((o) => o.status === 'rejected' && o.reason)).toEqual([concern, concern, concern]);
  });

  test('When the database cannot be reached during a grouped write, then every caller gets the driver error itself, which answers 503', async () => {
    const lost = new mongoose.mongo.MongoServerSelectionError('Server selection timed out after 3000 ms', {
      servers: new Map(),
      stale: false,
      compatible: true,
      heartbeatFrequencyMS: 10_000,
      localThresholdMS: 15,
      setName: null,
      maxElectionId: null,
      maxSetVersion: null,
      commonWireVersion: 0,
      logicalSessionTimeoutMinutes: null,
      type: 'Unknown',
    } as unknown as mongoose.mongo.TopologyDescription);
    const wrapped = new mongoose.mongo.MongoBulkWriteError(
      lost as unknown as mongoose.mongo.AnyError,
      {} as mongoose.mongo.BulkWriteResult,
    );
    const collection = {
      insertMany: () => Promise.reject(wrapped),
      bulkWrite: () => Promise.reject(wrapped),
    } as unknown as mongoose.mongo.Collection<Doc>;
    const insert = groupedInsert<Doc>(() => collection);
    const cas = groupedCompareAndSet<Doc>(() => collection);
    const outcomes = await Promise.allSettled([
      insert({ _id: 's', version: 0, marks: [] }),
      cas({ filter: { _id: 's' }, update: { $inc: { version: 1 } }, id: 's', landed: () => true }),
    ]);
    for (const o of outcomes) {
      expect(o).toMatchObject({ status: 'rejected', reason: lost });
      expect(isDatabaseUnavailable((o as PromiseRejectedResult).reason)).toBe(true);
    }
    expect(isDatabaseUnavailable(wrapped)).toBe(false); // what callers got before: a 500
  });

  test('When two groups may be out at once, then a second write goes at once and only later ones wait, together', async () => {
    const sent: number[][] = [];
    const write = groupCommit<number, number>(async (items) => {
      sent.push(items);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return items.map((n) => ({ ok: true, value: n }));
    });
    expect(await Promise.all([1, 2, 3, 4, 5].map(write))).toEqual([1, 2, 3, 4, 5]);
    expect(sent).toEqual([[1], [2], [3, 4, 5]]);
  });
});
