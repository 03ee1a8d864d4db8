import mongoose from 'mongoose';
import { claimedFilter, repairOperations } from '../../server/src/db/repair';
import { startTestApp, type TestApp } from '../support/app';
import { indexNames } from '../support/explain';

// The repair pass (every minute in `npm start`) also looks for claims an older version wrote
// before its operation's intent. It must find them, and it must not read every shipment to do so:
// a whole-collection read held the shipments for half a second each minute at 20,000 of them.

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const shipments = () => mongoose.connection.collection('shipments');
const FAR_FUTURE = new Date(Date.now() + 365 * 24 * 3_600_000);

test('When the repair pass looks for claims left without an intent, then it reads only the shipments that hold a claim', async () => {
  const claimed = [new mongoose.Types.ObjectId(), new mongoose.Types.ObjectId()];
  await shipments().insertMany([
    ...Array.from({ length: 300 }, () => ({ _id: new mongoose.Types.ObjectId(), pending: null, version: 1 })),
    ...claimed.map((_id, i) => ({
      _id,
      pending: { opId: `legacy-op-${i}`, updateId: `legacy-update-${i}`, since: new Date(0) },
      version: 1,
    })),
  ]);
  const stats = await shipments().find(claimedFilter('pending')).explain('executionStats');
  expect(indexNames(stats.queryPlanner)).toEqual(['pending.opId_1']);
  expect(stats.executionStats).toMatchObject({ nReturned: 2, totalDocsExamined: 2 });

  // And the pass still finds them: neither operation committed, so both claims are released.
  const report = await repairOperations(FAR_FUTURE);
  expect(report.undone).toBeGreaterThanOrEqual(2);
  const after = await shipments()
    .find({ _id: { $in: claimed } })
    .toArray();
  expect(after.map((s) => [s.pending, s.version])).toEqual([
    [null, 2],
    [null, 2],
  ]);
  expect(await shipments().countDocuments(claimedFilter('pending'))).toBe(0);
});
