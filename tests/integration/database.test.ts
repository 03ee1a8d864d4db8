import mongoose, { Schema } from 'mongoose';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { indexNames } from '../support/explain';
import { signedIn } from '../support/factories';
import { TTL_TEST_TIMEOUT_MS, untilExpired } from '../support/ttl';

// The proof of the subset of MongoDB that Karavan's code may use: every test here passes on the
// embedded database (mongo-java-server 1.47.0) and on MongoDB 7 (KARAVAN_TEST_MONGODB_URI).
// Where mongo-java-server differs, the test pins what it does, so that a change shows up here;
// the README's "Database compatibility notes" list the same points.
const embedded = process.env.KARAVAN_TEST_DB_EMBEDDED === '1';

const Item = mongoose.model(
  'CompatItem',
  new Schema({ code: { type: String, required: true, unique: true }, name: String }),
  'compat_items',
);
const Balance = mongoose.model(
  'CompatBalance',
  new Schema({
    item: { type: Schema.Types.ObjectId, ref: 'CompatItem', required: true },
    location: { type: String, required: true, index: true },
    onHand: { type: Number, required: true, min: 0 },
  }),
  'compat_balances',
);
/** A running total whose `_id` is its natural key. */
const Total = mongoose.model(
  'CompatTotal',
  new Schema({ _id: String, qty: Number, lines: Number, firstAt: Date }, { versionKey: false }),
  'compat_totals',
);

const db = () => mongoose.connection.db!;
const col = <T extends mongoose.mongo.Document = mongoose.mongo.Document>(name: string) =>
  mongoose.connection.db!.collection<T>(name);

describe('The database (mongo-java-server embedded, MongoDB 7 in production)', () => {
  beforeAll(async () => {
    await Promise.all([Item.init(), Balance.init(), Total.init()]);
  });

  describe('unique indexes', () => {
    test('When a second document repeats a unique value, then the insert fails with code 11000 naming the index', async () => {
      await Item.create({ code: 'bread', name: 'Bread' });
      const failure = Item.create({ code: 'bread', name: 'Also bread' });
      await expect(failure).rejects.toMatchObject({ code: 11000 });
      await expect(failure).rejects.toThrow(/index: code_1 dup key/);
      expect(await Item.countDocuments({ code: 'bread' })).toBe(1);
    });

    test('When an update makes a unique value repeat, then it fails with 11000 and changes nothing', async () => {
      await Item.create([{ code: 'u-1' }, { code: 'u-2' }]);
      await expect(Item.updateOne({ code: 'u-2' }, { $set: { code: 'u-1' } })).rejects.toMatchObject({ code: 11000 });
      expect(await Item.countDocuments({ code: { $in: ['u-1', 'u-2'] } })).toBe(2);
    });

    test('When a compound unique index is declared, then only the same pair is refused', async () => {
      const pairs = col('compat_pairs');
      await pairs.createIndex({ campaign: 1, item: 1 }, { unique: true });
      await pairs.insertMany([
        { campaign: 'c1', item: 'bread' },
        { campaign: 'c1', item: 'milk' },
        { campaign: 'c2', item: 'bread' },
      ]);
      await expect(pairs.insertOne({ campaign: 'c1', item: 'bread' })).rejects.toMatchObject({ code: 11000 });
      expect(await pairs.countDocuments()).toBe(3);
    });
  });

  describe('atomic single-document updates', () => {
    test('When 50 takes of 1 race against a balance of 10 with a guarded $inc, then exactly 10 succeed and it ends at 0', async () => {
      const milk = await Item.create({ code: 'milk', name: 'Milk' });
      const balance = await Balance.create({ item: milk._id, location: 'bishkek', onHand: 10 });
      const take = (qty: number) =>
        Balance.findOneAndUpdate(
          { _id: balance._id, onHand: { $gte: qty } },
          { $inc: { onHand: -qty } },
          { returnDocument: 'after' },
        ).lean();

      const results = await Promise.all(Array.from({ length: 50 }, () => take(1)));
      expect(results.filter(Boolean)).toHaveLength(10);
      expect(
        results
          .filter(Boolean)
          .map((r) => r!.onHand)
          .sort((a, b) => a - b),
      ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect((await Balance.findById(balance._id).lean())?.onHand).toBe(0);
      expect(await take(1)).toBeNull();
    });

    test('When 1,000 guarded updates run concurrently over 20 documents, then none is lost', async () => {
      const docs = await Balance.create(
        Array.from({ length: 20 }, (_, i) => ({
          item: new mongoose.Types.ObjectId(),
          location: `many-${i}`,
          onHand: 0,
        })),
      );
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          Balance.updateOne({ _id: docs[i % 20]!._id, onHand: { $gte: 0 } }, { $inc: { onHand: 1 } }),
        ),
      );
      expect(results.every((r) => r.modifiedCount === 1)).toBe(true);
      const after = await Balance.find({ _id: { $in: docs.map((d) => d._id) } }).lean();
      expect(after.map((d) => d.onHand)).toEqual(Array(20).fill(50));
    });

    test('When 20 upserts of one natural key race with $inc and $setOnInsert, then one document holds all 20 and the first values', async () => {
      const firstAt = new Date('2022-03-01T00:00:00Z');
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          Total.updateOne(
            { _id: 'bread:bishkek' },
            { $inc: { qty: 5, lines: 1 }, $setOnInsert: { firstAt: i === 0 ? firstAt : new Date() } },
            { upsert: true },
          ),
        ),
      );
      const total = await Total.findById('bread:bishkek').lean();
      expect(total).toMatchObject({ _id: 'bread:bishkek', qty: 100, lines: 20 });
      expect(total?.firstAt).toBeInstanceOf(Date);
      expect(await Total.countDocuments({ _id: 'bread:bishkek' })).toBe(1);

      const upserted = await Total.findOneAndUpdate(
        { _id: 'milk:osh' },
        { $inc: { qty: 2 }, $setOnInsert: { firstAt } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
      expect(upserted).toEqual({ _id: 'milk:osh', qty: 2, firstAt });
    });

    test('When an update of nested values is refused by a unique index, then the document keeps every nested value; findOneAndUpdate answers it as it was and as it became', async () => {
      // The embedded database hands an update only a top-level copy of the stored document
      // (Backends.CHANGING): this holds only while nothing below the top level is changed in place.
      const docs = col<{
        _id: mongoose.Types.ObjectId;
        tag: { code: string };
        history?: { id: number; at: string }[];
        totals?: { qty: number; lines: { item: string; qty: number }[] };
        meta?: { note: string };
      }>('compat_nested');
      await docs.createIndex({ 'tag.code': 1 }, { unique: true });
      const _id = new mongoose.Types.ObjectId();
      const stored = {
        _id,
        tag: { code: 'a' },
        history: [{ id: 1, at: 'first' }],
        totals: { qty: 1, lines: [{ item: 'bread', qty: 1 }] },
        meta: { note: 'kept' },
      };
      await docs.insertMany([{ ...stored }, { _id: new mongoose.Types.ObjectId(), tag: { code: 'b' } }]);
      const refused = docs.updateOne(
        { _id },
        {
          $push: { history: { id: 2, at: 'second' }, 'totals.lines': { item: 'milk', qty: 2 } },
          $inc: { 'totals.qty': 5 },
          $set: { 'tag.code': 'b', 'meta.note': 'changed' },
        },
      );
      await expect(refused).rejects.toMatchObject({ code: 11000 });
      expect(await docs.findOne({ _id })).toEqual(stored);

      const change = {
        $push: { history: { id: 2, at: 'second' } },
        $inc: { 'totals.qty': 5 },
        $set: { 'meta.note': 'changed' },
      };
      const became = {
        ...stored,
        history: [...stored.history, { id: 2, at: 'second' }],
        totals: { ...stored.totals, qty: 6 },
        meta: { note: 'changed' },
      };
      expect(await docs.findOneAndUpdate({ _id }, change, { returnDocument: 'before' })).toEqual(stored);
      expect(await docs.findOne({ _id })).toEqual(became);
      const after = await docs.findOneAndUpdate(
        { _id },
        { $push: { history: { id: 3, at: 'third' } } },
        { returnDocument: 'after' },
      );
      expect(after).toEqual({ ...became, history: [...became.history, { id: 3, at: 'third' }] });
    });

    test('When a filter names _id and other fields, then only a document matching all of them is found or changed', async () => {
      const [a, b] = await Balance.create([
        { item: new mongoose.Types.ObjectId(), location: 'scoped-a', onHand: 3 },
        { item: new mongoose.Types.ObjectId(), location: 'scoped-b', onHand: 8 },
      ]);
      expect(await Balance.findOne({ _id: a!._id, location: 'scoped-b' }).lean()).toBeNull();
      expect((await Balance.findOne({ _id: a!._id, location: 'scoped-a' }).lean())?.onHand).toBe(3);
      const both = await Balance.find({ _id: { $in: [a!._id, b!._id] }, onHand: { $gt: 5 } }).lean();
      expect(both.map((d) => d.location)).toEqual(['scoped-b']);
      const missed = await Balance.updateOne({ _id: a!._id, onHand: { $gte: 4 } }, { $inc: { onHand: -4 } });
      expect(missed.matchedCount).toBe(0);
      expect(await Balance.countDocuments({ _id: a!._id, onHand: 3 })).toBe(1);
      const code = `scoped-${a!._id.toString()}`;
      await Item.create({ code, name: 'Scoped' });
      expect(await Item.findOne({ code, name: 'Other' }).lean()).toBeNull();
      expect((await Item.findOne({ code, name: 'Scoped' }).lean())?.code).toBe(code);
    });
  });

  describe('queries', () => {
    test('When documents are filtered with $in and ranges, sorted, skipped and limited, then the right page comes back', async () => {
      const rows = col('compat_pages');
      await rows.insertMany(Array.from({ length: 30 }, (_, i) => ({ n: i, kind: i % 3 === 0 ? 'a' : 'b' })));
      const page = await rows
        .find({ kind: { $in: ['a'] }, n: { $gte: 3, $lt: 27 } }, { projection: { _id: 0, n: 1 } })
        .sort({ n: -1 })
        .skip(2)
        .limit(3)
        .toArray();
      expect(page).toEqual([{ n: 18 }, { n: 15 }, { n: 12 }]);
      expect(await rows.countDocuments({ kind: 'b' })).toBe(20);
      expect(await rows.countDocuments({ n: { $in: [1, 2, 99] } })).toBe(2);
    });

    test('When a find leaves fields out, also inside sub-documents and arrays, then only those are missing, page after page, and nothing stored changes', async () => {
      const rows = col<{ _id: string }>('compat_exclusions');
      await rows.createIndex({ status: 1, at: -1 });
      const doc = (i: number) => ({
        _id: `x${String(i).padStart(2, '0')}`,
        status: i % 2 === 0 ? 'departed' : 'planned',
        at: new Date(Date.UTC(2022, 0, 1, 0, i)),
        names: { origin: 'Бишкек', secret: 's' },
        history: [
          { id: 'h1', status: 'loading', position: { lat: 42.87, lng: 74.59 }, signature: 'sig', sent: { a: 1 } },
          'a plain value',
          { id: 'h2', status: 'departed', note: 'Кордай' },
        ],
        handovers: [{ to: 'u1' }],
        plain: 3,
      });
      await rows.insertMany(Array.from({ length: 12 }, (_, i) => doc(i)));
      const projection = {
        'history.position': 0,
        'history.signature': 0,
        'history.sent': 0,
        'names.secret': 0,
        'plain.nothing': 0,
        handovers: 0,
        missing: 0,
      };
      const expected = (i: number) => {
        const { handovers: _handovers, ...rest } = doc(i);
        return {
          ...rest,
          names: { origin: 'Бишкек' },
          history: [{ id: 'h1', status: 'loading' }, 'a plain value', { id: 'h2', status: 'departed', note: 'Кордай' }],
        };
      };
      // Indexed, sorted and limited; then read in batches of 2 through a cursor (getMore).
      const page = await rows.find({ status: 'departed' }, { projection }).sort({ at: -1 }).limit(3).toArray();
      expect(page).toEqual([10, 8, 6].map(expected));
      const batched = await rows.find({}, { projection, batchSize: 2 }).sort({ _id: 1 }).toArray();
      expect(batched).toEqual(Array.from({ length: 12 }, (_, i) => expected(i)));
      expect(await rows.findOne({ _id: 'x03' as never }, { projection: { history: 0, _id: 0, at: false } })).toEqual({
        status: 'planned',
        names: { origin: 'Бишкек', secret: 's' },
        handovers: [{ to: 'u1' }],
        plain: 3,
      });
      // What was left out of the answers is still stored, whole.
      expect(await rows.find({}).sort({ _id: 1 }).toArray()).toEqual(Array.from({ length: 12 }, (_, i) => doc(i)));
    });

    test('When documents are sorted on several keys, nested paths, nulls, missing fields and arrays, then they come in MongoDB order', async () => {
      type Row = { _id: string; g: number; n?: { v: number | null }; tags: number[]; at: Date };
      const rows = col<Row>('compat_sorting');
      const row = (i: number): Row => ({
        _id: `s${String(i).padStart(2, '0')}`,
        g: i % 3,
        // n.v: a number, null, or no `n` at all (null and missing sort alike, below every number)
        ...(i % 5 === 0 ? {} : { n: { v: i % 5 === 1 ? null : i % 4 } }),
        tags: [(i * 7) % 10, (i * 3) % 10],
        at: new Date(Date.UTC(2022, 0, 1 + (i % 4))),
      });
      const all = Array.from({ length: 40 }, (_, i) => row(i));
      await rows.insertMany([...all].reverse()); // stored in another order than any sort below
      const ids = (docs: Row[]) => docs.map((d) => d._id);
      const nv = (d: Row) => d.n?.v ?? Number.NEGATIVE_INFINITY;
      const byId = (a: Row, b: Row) => a._id.localeCompare(b._id);
      const expected = (compare: (a: Row, b: Row) => number) => ids([...all].sort(compare));
      // g ascending, then n.v descending (null and missing last), then _id
      expect(ids(await rows.find({}).sort({ g: 1, 'n.v': -1, _id: 1 }).toArray())).toEqual(
        expected((a, b) => a.g - b.g || nv(b) - nv(a) || byId(a, b)),
      );
      // a date descending with ties broken by _id descending, skipped and limited
      expect(
        ids(
          await rows
            .find({ g: { $in: [0, 2] } })
            .sort({ at: -1, _id: -1 })
            .skip(3)
            .limit(6)
            .toArray(),
        ),
      ).toEqual(
        expected((a, b) => b.at.getTime() - a.at.getTime() || byId(b, a))
          .filter((id) => Number(id.slice(1)) % 3 !== 1)
          .slice(3, 9),
      );
      // an array sorts by its smallest element ascending and by its largest descending
      expect(ids(await rows.find({}).sort({ tags: 1, _id: 1 }).toArray())).toEqual(
        expected((a, b) => Math.min(...a.tags) - Math.min(...b.tags) || byId(a, b)),
      );
      expect(ids(await rows.find({}).sort({ tags: -1, _id: 1 }).toArray())).toEqual(
        expected((a, b) => Math.max(...b.tags) - Math.max(...a.tags) || byId(a, b)),
      );
    });

    test('When a range of natural-key _ids is read in _id order, then it comes back complete and ordered', async () => {
      const totals = col<{ _id: string; qty: number }>('compat_day_totals');
      await totals.insertMany(
        ['2022-03-02', '2022-03-01', '2022-02-28', '2022-03-31', '2022-04-01'].map((day, i) => ({
          _id: `bread:${day}`,
          qty: i,
        })),
      );
      const march = await totals
        .find({ _id: { $gte: 'bread:2022-03-01', $lt: 'bread:2022-04-01' } })
        .sort({ _id: 1 })
        .toArray();
      expect(march.map((d) => d._id)).toEqual(['bread:2022-03-01', 'bread:2022-03-02', 'bread:2022-03-31']);
      const ids = await Balance.create(
        Array.from({ length: 5 }, (_, i) => ({ item: new mongoose.Types.ObjectId(), location: `oid-${i}`, onHand: i })),
      );
      const after = await Balance.find({ _id: { $gt: ids[1]!._id, $lte: ids[3]!._id } })
        .sort({ _id: 1 })
        .lean();
      expect(after.map((d) => d.location)).toEqual(['oid-2', 'oid-3']);
    });

    test('When a reference is populated, then the referenced document comes with it', async () => {
      const kefir = await Item.create({ code: 'kefir', name: 'Kefir' });
      await Balance.create({ item: kefir._id, location: 'osh', onHand: 5 });
      const found = await Balance.findOne({ location: 'osh' }).populate<{ item: { code: string } }>('item').lean();
      expect(found?.item.code).toBe('kefir');
    });
  });

  describe('aggregation', () => {
    test('When balances are grouped with $sum, $min, $max, $avg and { $sum: 1 } in one stage, then every accumulator is right', async () => {
      const [a, b] = await Item.create([
        { code: 'agg-a', name: 'A' },
        { code: 'agg-b', name: 'B' },
      ]);
      await Balance.create([
        { item: a!._id, location: 'agg-1', onHand: 1 },
        { item: a!._id, location: 'agg-2', onHand: 2 },
        { item: b!._id, location: 'agg-1', onHand: 10 },
        { item: b!._id, location: 'other', onHand: 100 },
      ]);
      const totals = await Balance.aggregate([
        { $match: { location: { $in: ['agg-1', 'agg-2'] } } },
        {
          $group: {
            _id: '$item',
            total: { $sum: '$onHand' },
            lines: { $sum: 1 },
            least: { $min: '$onHand' },
            most: { $max: '$onHand' },
            mean: { $avg: '$onHand' },
          },
        },
        { $sort: { total: -1 } },
      ]);
      expect(totals.map((t) => ({ ...t, _id: String(t._id) }))).toEqual([
        { _id: String(b!._id), total: 10, lines: 1, least: 10, most: 10, mean: 10 },
        { _id: String(a!._id), total: 3, lines: 2, least: 1, most: 2, mean: 1.5 },
      ]);
      expect(await Balance.countDocuments({ location: 'agg-1' })).toBe(2);
    });

    test('When balances are joined to their items with $lookup, then each carries its item', async () => {
      const item = await Item.create({ code: 'lookup-item', name: 'Looked up' });
      await Balance.create({ item: item._id, location: 'lookup-loc', onHand: 7 });
      const joined = await Balance.aggregate([
        { $match: { location: 'lookup-loc' } },
        { $lookup: { from: 'compat_items', localField: 'item', foreignField: '_id', as: 'items' } },
        { $unwind: '$items' },
        { $project: { _id: 0, onHand: 1, code: '$items.code' } },
      ]);
      expect(joined).toEqual([{ onHand: 7, code: 'lookup-item' }]);
    });

    test('When the $count accumulator is used, then MongoDB counts but mongo-java-server refuses it: write { $sum: 1 }', async () => {
      await Balance.create({ item: new mongoose.Types.ObjectId(), location: 'count-acc', onHand: 1 });
      const counting = Balance.aggregate([
        { $match: { location: 'count-acc' } },
        { $group: { _id: null, lines: { $count: {} } } },
      ]);
      if (embedded) await expect(counting).rejects.toThrow(/unknown group operator '\$count'/);
      else expect(await counting).toEqual([{ _id: null, lines: 1 }]);
    });
  });

  describe('bulk writes', () => {
    test('When an unordered bulk write holds a duplicate, then the others are applied and the duplicate is reported as 11000', async () => {
      await Item.create({ code: 'bulk-taken' });
      const failure = Item.bulkWrite(
        [
          { insertOne: { document: { code: 'bulk-1', name: 'one' } } },
          { insertOne: { document: { code: 'bulk-taken', name: 'again' } } },
          { updateOne: { filter: { code: 'bulk-1' }, update: { $set: { name: 'ONE' } } } },
          { updateOne: { filter: { code: 'bulk-2' }, update: { $set: { name: 'two' } }, upsert: true } },
          { deleteOne: { filter: { code: 'bulk-taken' } } },
        ],
        { ordered: false },
      );
      await expect(failure).rejects.toMatchObject({ code: 11000 });
      const left = await Item.find({ code: { $in: ['bulk-1', 'bulk-2', 'bulk-taken'] } }, { _id: 0, code: 1, name: 1 })
        .sort({ code: 1 })
        .lean();
      expect(left).toEqual([
        { code: 'bulk-1', name: 'ONE' },
        { code: 'bulk-2', name: 'two' },
      ]);
    });

    test('When an ordered bulk write succeeds, then it reports every count', async () => {
      const result = await Item.bulkWrite([
        { insertOne: { document: { code: 'ordered-1' } } },
        { insertOne: { document: { code: 'ordered-2' } } },
        { updateMany: { filter: { code: { $in: ['ordered-1', 'ordered-2'] } }, update: { $set: { name: 'x' } } } },
        { deleteOne: { filter: { code: 'ordered-2' } } },
      ]);
      expect(result).toMatchObject({ insertedCount: 2, matchedCount: 2, modifiedCount: 2, deletedCount: 1 });
    });
  });

  describe('what group commit relies on (server/src/db/group-commit.ts)', () => {
    test('When an unordered insertMany repeats _ids, then each refused document is reported by its index and the others are stored', async () => {
      const rows = col<{ _id: string }>('compat_group_insert');
      await rows.insertOne({ _id: 'old' });
      const failure = rows.insertMany([{ _id: 'a' }, { _id: 'old' }, { _id: 'b' }, { _id: 'a' }], { ordered: false });
      await expect(failure).rejects.toMatchObject({ name: 'MongoBulkWriteError' });
      const refused = (await failure.then(
        () => null,
        (err: unknown) => err,
      )) as { writeErrors: { index: number; code: number } | { index: number; code: number }[] };
      expect([refused.writeErrors].flat().map((e) => [e.index, e.code])).toEqual([
        [1, 11000],
        [3, 11000],
      ]);
      expect((await rows.find().sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['a', 'b', 'old']);
    });

    test('When an unordered bulk of compare-and-set updates is written, then modifiedCount counts only those whose version still matched', async () => {
      const rows = col<{ _id: string; version: number; marks: string[] }>('compat_group_cas');
      await rows.insertMany([
        { _id: 'x', version: 0, marks: [] },
        { _id: 'y', version: 3, marks: [] },
      ]);
      const result = await rows.bulkWrite(
        [
          { updateOne: { filter: { _id: 'x', version: 0 }, update: { $inc: { version: 1 }, $push: { marks: 'x1' } } } },
          { updateOne: { filter: { _id: 'x', version: 0 }, update: { $inc: { version: 1 }, $push: { marks: 'x2' } } } },
          { updateOne: { filter: { _id: 'y', version: 2 }, update: { $inc: { version: 1 }, $push: { marks: 'y1' } } } },
          { updateOne: { filter: { _id: 'y', version: 3 }, update: { $inc: { version: 1 }, $push: { marks: 'y2' } } } },
        ],
        { ordered: false },
      );
      expect(result.modifiedCount).toBe(2);
      const docs = await rows
        .find({}, { projection: { marks: 1 } })
        .sort({ _id: 1 })
        .toArray();
      expect(docs).toEqual([
        { _id: 'x', marks: ['x1'] },
        { _id: 'y', marks: ['y2'] },
      ]);
    });
  });

  describe('statistics', () => {
    test('When collStats is asked, then it reports the documents and their size as they are now', async () => {
      const rows = col<{ _id: string; text: string }>('compat_stats');
      await rows.insertMany([
        { _id: 'a', text: 'x'.repeat(1_000) },
        { _id: 'b', text: 'y'.repeat(1_000) },
      ]);
      const before = await db().command({ collStats: 'compat_stats' });
      expect(before).toMatchObject({ count: 2 });
      expect(before.size).toBeGreaterThanOrEqual(2_000);
      await rows.updateOne({ _id: 'a' }, { $set: { text: 'x'.repeat(5_000) } });
      await rows.deleteOne({ _id: 'b' });
      const after = await db().command({ collStats: 'compat_stats' });
      expect(after).toMatchObject({ count: 1 });
      expect(after.size).toBeGreaterThanOrEqual(5_000);
      expect(after.size).toBeLessThan(6_000);
    });
  });

  describe('secondary and TTL indexes', () => {
    type Row = { _id: string; a: number; b: number; s: string; tags: number[]; at: Date; m?: number | null };
    const rows = (i: number): Row => ({
      _id: `r${String(i).padStart(4, '0')}`,
      a: i % 10,
      b: i % 7,
      s: `k${i % 13}`,
      tags: [i % 3, i % 5],
      at: new Date(1_700_000_000_000 + ((i * 7919) % 1000) * 1000),
      m: i % 4 === 0 ? null : i,
    });
    // Every query shape the indexes serve (and some they cannot), with sorts, limits and counts.
    const reads = async (c: mongoose.mongo.Collection<Row>) => [
      await c.find({ a: 3 }).toArray(),
      await c.find({ a: 3, b: { $gte: 2, $lt: 5 } }).toArray(),
      await c
        .find({ a: { $in: [1, 2] } })
        .sort({ at: -1, _id: 1 })
        .toArray(),
      await c.find({ tags: 4 }).sort({ _id: 1 }).toArray(),
      await c
        .find({ tags: { $gt: 1, $lt: 3 } })
        .sort({ _id: 1 })
        .toArray(),
      // an array whose elements each meet one bound only ([1, 4]: 4 > 1 and 1 < 4): MongoDB matches
      // it, mongo-java-server does not; with and without the index alike on each
      await c
        .find({ tags: { $gt: 1, $lt: 4 } })
        .sort({ _id: 1 })
        .toArray(),
      await c.find({ s: 'k5' }).sort({ at: 1, _id: 1 }).toArray(),
      await c.find({}).sort({ at: -1, _id: 1 }).limit(7).toArray(),
      await c.find({ a: 2 }).sort({ at: -1 }).limit(5).toArray(),
      await c
        .find({ s: 'k3', at: { $gte: new Date(1_700_000_500_000) } })
        .sort({ at: 1 })
        .limit(4)
        .toArray(),
      await c
        .find({ $and: [{ a: 1 }, { b: { $lte: 3 } }] })
        .sort({ _id: 1 })
        .toArray(),
      await c
        .find({ m: { $gt: 100 } })
        .sort({ _id: 1 })
        .toArray(),
      await c.find({ m: null }).sort({ _id: 1 }).toArray(),
      await c
        .find({ $or: [{ a: 1 }, { b: 1 }] })
        .sort({ _id: 1 })
        .toArray(),
      await c
        .aggregate([{ $match: { a: 4 } }, { $group: { _id: '$b', n: { $sum: 1 } } }, { $sort: { _id: 1 } }])
        .toArray(),
      await c.countDocuments({ a: 5, b: { $gt: 2 } }),
      // Counts an index answers alone (every field a condition it serves exactly), and some it cannot.
      await c.countDocuments({ a: 5 }),
      await c.countDocuments({ a: { $in: [1, 2, 3] } }),
      await c.countDocuments({ a: 2, b: 3 }, { skip: 3, limit: 5 }),
      await c.countDocuments({ a: 100 }),
      await c.countDocuments({ at: { $gte: new Date(1_700_000_300_000) } }),
      await c.countDocuments({ s: 'k3', at: { $lt: new Date(1_700_000_700_000) } }),
      await c.countDocuments({ m: { $gte: 0 } }),
      await c.countDocuments({ tags: { $gt: 1, $lt: 3 } }),
      // Bounds of two types: MongoDB's type bracketing matches nothing across them.
      await c.countDocuments({ a: { $gte: 5, $lt: 'z' as unknown as number } }),
      await c.countDocuments({ a: 1, s: 'k1' }),
    ];

    test('When queries run with secondary indexes, then they return exactly what the same queries return without them, also after inserts, updates, replaces and deletes', async () => {
      const c = col<Row>('compat_indexed');
      await c.insertMany(Array.from({ length: 600 }, (_, i) => rows(i)));
      const scanned = await reads(c);
      await c.createIndex({ a: 1, b: 1 });
      await c.createIndex({ tags: 1 });
      await c.createIndex({ at: -1 });
      await c.createIndex({ s: 1, at: 1 });
      await c.createIndex({ m: 1 });
      expect(await reads(c)).toEqual(scanned);
      // Spot checks against plain expectations, not only against the scan.
      expect(
        (await c.find({ a: 3, b: { $gte: 2, $lt: 5 } }).toArray()).every((r) => r.a === 3 && r.b >= 2 && r.b < 5),
      ).toBe(true);
      expect(await c.countDocuments({ tags: 4 })).toBe(120);
      expect(await c.countDocuments({ a: { $in: [1, 2, 3] } })).toBe(180);
      expect(await c.countDocuments({ a: 2, b: 3 }, { skip: 3, limit: 5 })).toBe(5);

      await c.updateMany({ a: 3 }, { $set: { a: 11 } });
      await c.deleteMany({ b: 2 });
      await c.replaceOne({ _id: 'r0005' }, { a: 11, b: 0, s: 'k5', tags: [9], at: new Date(0) });
      await c.insertMany(Array.from({ length: 50 }, (_, i) => rows(1000 + i)));
      await c.findOneAndUpdate({ _id: 'r0010' }, { $push: { tags: 4 } });
      const indexed = await reads(c);
      expect(await c.countDocuments({ a: 3 })).toBe(5); // only the new rows r1003, r1013, ...
      expect(await c.countDocuments({ tags: 9 })).toBe(1);
      for (const name of ['a_1_b_1', 'tags_1', 'at_-1', 's_1_at_1', 'm_1']) await c.dropIndex(name);
      expect(await reads(c)).toEqual(indexed);
    });

    test('When the stock page of a place is read in expiry order, then the database walks the expiry index and fetches only that page (explain)', async () => {
      type Balance = { _id: string; locationId: string; onHand: number; expiresAt: Date | null };
      const balances = col<Balance>('compat_stock_page');
      // The stock list's indexes, declared in the model's order (stock.model.ts).
      await balances.createIndex({ locationId: 1, expiresAt: 1, _id: 1 });
      await balances.createIndex({ locationId: 1, onHand: 1 });
      await balances.insertMany(
        Array.from({ length: 1200 }, (_, i) => ({
          _id: `b${String(i).padStart(4, '0')}`,
          locationId: i % 2 === 0 ? 'osh' : 'naryn',
          onHand: 1 + (i % 7),
          expiresAt: new Date(Date.UTC(2022, 0, 1 + ((i * 37) % 90))),
        })),
      );
      // The list's filter and order (stock/balances.ts): lots with stock and any expiry, soonest first.
      const filter = { locationId: 'osh', onHand: { $gt: 0 }, expiresAt: { $gte: new Date(-8_640_000_000_000_000) } };
      const page = balances.find(filter).sort({ expiresAt: 1, _id: 1 }).limit(20);
      const stats = await page.explain('executionStats');
      expect(indexNames(stats.queryPlanner)).toEqual(['locationId_1_expiresAt_1__id_1']);
      expect(stats.executionStats).toMatchObject({ executionSuccess: true, nReturned: 20 });
      // 600 balances of that place have stock: reading them all to sort them was the old plan.
      expect(stats.executionStats.totalDocsExamined).toBeGreaterThanOrEqual(20);
      expect(stats.executionStats.totalDocsExamined).toBeLessThanOrEqual(21);
      expect((await page.toArray()).map((b) => b._id)).toEqual(
        (await balances.find({ locationId: 'osh' }).toArray())
          .sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime() || a._id.localeCompare(b._id))
          .slice(0, 20)
          .map((b) => b._id),
      );
      // A place whose balances are nearly all empty (5 of 600 hold stock): the walk along the
      // expiry index would pass over the 595 empty ones; {locationId, onHand} reads only the 5.
      await balances.insertMany(
        Array.from({ length: 600 }, (_, i) => ({
          _id: `t${String(i).padStart(4, '0')}`,
          locationId: 'talas',
          onHand: i % 120 === 7 ? 4 : 0,
          expiresAt: new Date(Date.UTC(2022, 0, 1 + ((i * 37) % 90))),
        })),
      );
      const emptyPlace = balances
        .find({ ...filter, locationId: 'talas' })
        .sort({ expiresAt: 1, _id: 1 })
        .limit(20);
      const few = await emptyPlace.explain('executionStats');
      expect(indexNames(few.queryPlanner)).toEqual(['locationId_1_onHand_1']);
      expect(few.executionStats).toMatchObject({ nReturned: 5 });
      expect(few.executionStats.totalDocsExamined).toBeLessThanOrEqual(5);
      expect((await emptyPlace.toArray()).map((b) => b._id)).toEqual(
        (await balances.find({ locationId: 'talas', onHand: { $gt: 0 } }).toArray())
          .sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime() || a._id.localeCompare(b._id))
          .map((b) => b._id),
      );
      // A filter no index serves reads every document.
      const scan = await balances.find({ onHand: 3 }).explain('executionStats');
      expect(indexNames(scan.queryPlanner)).toEqual([]);
      expect(scan.executionStats).toMatchObject({ nReturned: 172, totalDocsExamined: 1800 });
    });

    test("When indexes are created, listed and dropped, then the answers are MongoDB's (Mongoose syncIndexes works)", async () => {
      const c = col('compat_index_admin');
      await c.insertOne({ a: 1, b: 1 });
      expect(await c.createIndex({ a: 1 })).toBe('a_1');
      expect(await c.createIndex({ a: 1 })).toBe('a_1'); // the same again: nothing to do
      await expect(c.createIndex({ a: 1 }, { name: 'other' })).rejects.toMatchObject({ code: 85 });
      await expect(c.createIndex({ b: 1 }, { name: 'a_1' })).rejects.toMatchObject({ code: 86 });
      await expect(c.createIndex({ a: 1 }, { expireAfterSeconds: 5 })).rejects.toMatchObject({ code: 85 });
      const listed = await c.listIndexes().toArray();
      expect(listed.map((i) => [i.name, i.key])).toEqual([
        ['_id_', { _id: 1 }],
        ['a_1', { a: 1 }],
      ]);
      await expect(c.dropIndex('nope')).rejects.toMatchObject({ code: 27 });
      await expect(c.dropIndex('_id_')).rejects.toMatchObject({ code: 72 });
      // Dropping by name touches only this collection (another one has an `a_1` too).
      await col('compat_index_other').createIndex({ a: 1 });
      await c.dropIndex('a_1');
      expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
      expect((await col('compat_index_other').listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_', 'a_1']);

      // Mongoose: a TTL added to an existing index is synced (dropped and created with the option).
      const schema = new Schema({ at: Date }, { autoIndex: false });
      schema.index({ at: 1 });
      const Before = mongoose.model('CompatSyncBefore', schema, 'compat_sync');
      await Before.syncIndexes();
      const withTtl = new Schema({ at: Date }, { autoIndex: false });
      withTtl.index({ at: 1 }, { expireAfterSeconds: 3600 });
      const After = mongoose.model('CompatSyncAfter', withTtl, 'compat_sync');
      await After.syncIndexes();
      const synced = (await col('compat_sync').listIndexes().toArray()).find((i) => i.name === 'at_1');
      expect(synced).toMatchObject({ key: { at: 1 }, expireAfterSeconds: 3600 });
      expect(await After.diffIndexes()).toEqual({ toDrop: [], toCreate: [] });
    });

    test(
      'When a TTL index is declared, then documents past it are deleted by the database within its sweep; other values stay',
      async () => {
        const records = col<{ _id: string; at?: unknown }>('compat_expiring');
        await records.createIndex({ at: 1 }, { expireAfterSeconds: 60 });
        const old = new Date(Date.now() - 3_600_000);
        await records.insertMany([
          { _id: 'fresh', at: new Date() },
          { _id: 'old', at: old },
          { _id: 'old-in-array', at: [old, new Date(Date.now() + 3_600_000)] },
          { _id: 'number', at: 5 },
          { _id: 'text', at: 'yesterday' },
          { _id: 'none' },
        ]);
        expect(
          await untilExpired(
            async () => (await records.countDocuments({ _id: { $in: ['old', 'old-in-array'] } })) === 0,
          ),
        ).toBe(true);
        expect((await records.find().sort({ _id: 1 }).toArray()).map((r) => r._id)).toEqual([
          'fresh',
          'none',
          'number',
          'text',
        ]);
      },
      TTL_TEST_TIMEOUT_MS,
    );
  });

  describe('what the code must not use (pinned where mongo-java-server differs)', () => {
    test('When a transaction is attempted, then the embedded database refuses it (no sessions)', async () => {
      const session = await mongoose.startSession();
      try {
        const attempt = session.withTransaction(() => Item.create([{ code: 'in-a-transaction' }], { session }));
        if (embedded) await expect(attempt).rejects.toThrow(/does not support sessions/);
        else await attempt.catch(() => undefined); // a standalone MongoDB refuses too; a replica set takes it
      } finally {
        await session.endSession();
      }
      if (embedded) expect(await Item.countDocuments({ code: 'in-a-transaction' })).toBe(0);
    });

    test('When a partial unique index is declared, then mongo-java-server enforces it on every document', async () => {
      const records = col('compat_partial');
      await records.createIndex({ key: 1 }, { unique: true, partialFilterExpression: { key: { $type: 'string' } } });
      await records.insertOne({ key: 'a' });
      await records.insertOne({});
      const third = records.insertOne({});
      if (embedded) {
        // The partial filter is ignored: a second document without `key` collides on null.
        await expect(third).rejects.toMatchObject({ code: 11000 });
        expect(await records.countDocuments()).toBe(2);
      } else {
        await third; // the partial index lets any number of documents without `key` in
      }
    });

    test('When an update is written as an aggregation pipeline, then mongo-java-server fails it: use update operators', async () => {
      const rows = col<{ _id: string; n: number }>('compat_pipeline');
      await rows.insertOne({ _id: 'p', n: 1 });
      const update = rows.updateOne({ _id: 'p' }, [{ $set: { m: { $add: ['$n', 1] } } }]);
      if (embedded) await expect(update).rejects.toThrow();
      else expect((await update).modifiedCount).toBe(1);
    });
  });

  describe('through the API', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp();
    });
    afterAll(() => app.close());

    test('When a unique value is repeated through the API, then it answers 409 DUPLICATE', async () => {
      const { auth } = await signedIn(app.url, { role: 'organiser' });
      const body = { email: 'twice@test.karavan', name: 'Twice', role: 'driver', password: 'long enough pw' };
      expect((await request(app.url).post('/api/users').set(auth).send(body)).status).toBe(201);
      const res = await request(app.url).post('/api/users').set(auth).send(body);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'DUPLICATE', details: [{ path: 'body.email' }] });
    });
  });
});
