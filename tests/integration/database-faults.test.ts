import net from 'node:net';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { expectLedgerConsistent, stockWorld, type StockWorld } from '../support/stock';
import { waitFor } from '../support/server-process';
import mongoose from 'mongoose';
import { donations } from '../../server/src/donations/donations.model';
import { IdempotencyRecord } from '../../server/src/lib/idempotency';
import { buildSteps, type MovementDoc, type StockOpDoc } from '../../server/src/stock/ledger';
import { Movement, StockOp } from '../../server/src/stock/stock.model';

/*
 * The database connection closing at the worst moment: while the driver is writing a command of
 * a donation, after its Idempotency-Key was taken. The driver then writes onto a destroyed socket,
 * which never tells it anything (no 'drain', no 'error'): unguarded, the command never settles,
 * its request is answered 503 by the deadline but keeps its key "in progress", and the phone's
 * retries get 409 for as long as the process lives (see guardDriverWrites in db/database.ts).
 */
let app: TestApp;
let w: StockWorld;
beforeAll(async () => {
  app = await startTestApp();
  w = await stockWorld(app.url);
});
afterAll(() => app.close());

/**
 * Destroys the database socket (the embedded database listens on a Unix socket: no remote port)
 * that is about to send the first command containing `marker`, just before the bytes go out.
 * Returns a function that removes the trap and says whether it fired.
 */
function cutDatabaseSocketOn(marker: string): () => boolean {
  const needle = Buffer.from(marker);
  const original = net.Socket.prototype.write;
  let fired = false;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    const chunk = args[0];
    if (!fired && this.remotePort === undefined && Buffer.isBuffer(chunk) && chunk.includes(needle)) {
      fired = true;
      this.destroy();
    }
    return (original as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof net.Socket.prototype.write;
  return () => {
    net.Socket.prototype.write = original;
    return fired;
  };
}

describe('The database connection closes in the middle of a write', () => {
  test('When the connection closes while a donation is being written, then a retry with the same Idempotency-Key soon records it exactly once', async () => {
    const marker = `cut-${Date.now()}`;
    const key = `key-${Date.now()}`;
    const body = {
      campaignId: w.campaign.id,
      locationId: w.point.id,
      lines: [{ itemId: w.water.id, quantity: 3 }],
      note: marker,
    };
    const send = () =>
      request(app.url).post('/api/donations').set(w.coordinator.auth).set('Idempotency-Key', key).send(body);

    // The note travels in the stock operation's intent: the cut comes after the key was taken.
    const untrap = cutDatabaseSocketOn(marker);
    let first;
    try {
      first = await send();
    } finally {
      expect(untrap()).toBe(true);
    }
    expect([201, 503]).toContain(first.status);

    // The phone retries the same key (as its outbox does) until it is told the donation exists.
    const answers: number[] = [first.status];
    let created: { id: string } | undefined = first.status === 201 ? (first.body as { id: string }) : undefined;
    const done = await waitFor(async () => {
      if (created) return true;
      const res = await send();
      answers.push(res.status);
      if (res.status === 201) created = res.body as { id: string };
      else await new Promise((resolve) => setTimeout(resolve, 200));
      return created !== undefined;
    }, 15_000);
    expect({ done, answers: answers.filter((s) => s !== 201 && s !== 503 && s !== 409) }).toEqual({
      done: true,
      answers: [],
    });

    const stored = await donations().find({ note: marker }).toArray();
    expect(stored.map((d) => d._id)).toEqual([created!.id]);
    const replay = await send().expect(201);
    expect(replay.body.id).toBe(created!.id);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    await expectLedgerConsistent();
  }, 30_000);

  test('When the database went away after a donation was stored but before its stock operation was tidied up, then the retry with its key finishes that at once', async () => {
    const key = `tidy-${Date.now()}`;
    const body = { campaignId: w.campaign.id, locationId: w.point.id, lines: [{ itemId: w.water.id, quantity: 2 }] };
    const send = () =>
      request(app.url).post('/api/donations').set(w.coordinator.auth).set('Idempotency-Key', key).send(body);
    const first = await send().expect(201);
    const id = first.body.id as string;

    // What the attempt left when the database went away after storing the donation: its intent
    // (the op id is the donation's) and the step markers, and the key not marked done.
    const movements = (await Movement.find({ opId: id }).lean()) as unknown as MovementDoc[];
    const steps = buildSteps(movements);
    const donation = await donations().findOne({ _id: id });
    const op: StockOpDoc = {
      _id: id,
      kind: 'donation',
      actorId: w.coordinator.user.id,
      steps,
      movements,
      hook: { name: 'donation.record', data: { donation } },
      createdAt: new Date(),
      leaseUntil: new Date(Date.now() - 1_000),
    };
    await StockOp.collection.insertOne(op as never);
    for (const step of steps) {
      await mongoose.connection
        .collection(step.coll)
        .updateOne({ _id: step.id } as never, { $push: { ops: id } } as never);
    }
    await IdempotencyRecord.updateOne(
      { _id: `${w.coordinator.user.id}:${key}` },
      { $set: { state: 'pending', createdAt: new Date(Date.now() - 5 * 60_000) }, $unset: { status: 1, body: 1 } },
    );

    const retry = await send().expect(201);
    expect(retry.body.id).toBe(id);
    expect(await StockOp.countDocuments({ _id: id })).toBe(0);
    await expectLedgerConsistent(); // nothing in flight, totals as the ledger says
  });
});
