import mongoose, { Schema } from 'mongoose';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { signedIn } from '../support/factories';

// Proves, through Mongoose, that the embedded database (FerretDB on SQLite) does what Karavan
// relies on. The same file passes against MongoDB 7 (KARAVAN_TEST_MONGODB_URI).
const Item = mongoose.model(
  'CompatItem',
  new Schema({ code: { type: String, required: true, unique: true }, name: String }),
  'compat_items',
);
const Balance = mongoose.model(
  'CompatBalance',
  new Schema({
    item: { type: Schema.Types.ObjectId, ref: 'CompatItem', required: true },
    location: { type: String, required: true },
    onHand: { type: Number, required: true, min: 0 },
  }),
  'compat_balances',
);

describe('The database (FerretDB embedded, MongoDB in production)', () => {
  beforeAll(async () => {
    await Item.init(); // builds the unique index
  });

  test('When a second document repeats a unique value, then the insert fails with code 11000', async () => {
    await Item.create({ code: 'bread', name: 'Bread' });
    await expect(Item.create({ code: 'bread', name: 'Also bread' })).rejects.toMatchObject({ code: 11000 });
    expect(await Item.countDocuments({ code: 'bread' })).toBe(1);
  });

  test('When stock is taken with a guarded $inc, then it never goes negative', async () => {
    const milk = await Item.create({ code: 'milk', name: 'Milk' });
    const balance = await Balance.create({ item: milk._id, location: 'bishkek', onHand: 10 });
    const take = (qty: number) =>
      Balance.findOneAndUpdate(
        { _id: balance._id, onHand: { $gte: qty } },
        { $inc: { onHand: -qty } },
        { returnDocument: 'after' },
      ).lean();

    expect((await take(4))?.onHand).toBe(6);
    expect(await take(7)).toBeNull();
    // Ten concurrent takes of 1 from 6: exactly six succeed.
    const results = await Promise.all(Array.from({ length: 10 }, () => take(1)));
    expect(results.filter(Boolean)).toHaveLength(6);
    expect((await Balance.findById(balance._id).lean())?.onHand).toBe(0);
  });

  test('When a reference is populated, then the referenced document comes with it', async () => {
    const kefir = await Item.create({ code: 'kefir', name: 'Kefir' });
    await Balance.create({ item: kefir._id, location: 'osh', onHand: 5 });
    const found = await Balance.findOne({ location: 'osh' }).populate<{ item: { code: string } }>('item').lean();
    expect(found?.item.code).toBe('kefir');
  });

  // FerretDB 1.24 computes only the first accumulator of a $group (the others come back 0) and
  // only $sum and $count: one accumulator per stage (README, compatibility notes).
  test('When balances are grouped with $match/$group/$sort, then totals per item come back in order', async () => {
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
    const match = { $match: { location: { $in: ['agg-1', 'agg-2'] } } };
    const totals = await Balance.aggregate<{ _id: mongoose.Types.ObjectId; total: number }>([
      match,
      { $group: { _id: '$item', total: { $sum: '$onHand' } } },
      { $sort: { total: -1 } },
    ]);
    expect(totals.map((t) => [String(t._id), t.total])).toEqual([
      [String(b!._id), 10],
      [String(a!._id), 3],
    ]);
    const counts = await Balance.aggregate<{ _id: mongoose.Types.ObjectId; lines: number }>([
      match,
      { $group: { _id: '$item', lines: { $count: {} } } },
      { $sort: { lines: 1 } },
    ]);
    expect(counts.map((t) => [String(t._id), t.lines])).toEqual([
      [String(b!._id), 1],
      [String(a!._id), 2],
    ]);
    expect(await Balance.countDocuments({ location: 'agg-1' })).toBe(2);
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
