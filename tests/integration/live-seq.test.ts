import type { LiveEventName, SubscribeAck } from '@karavan/shared';
import * as eventLog from '../../server/src/realtime/event-log';
import { Counter } from '../../server/src/realtime/event-log';
import { startTestApp, type TestApp } from '../support/app';
import { openSocket, ready, type ClientSocket } from '../support/sockets';
import { stockWorld, type StockWorld } from '../support/stock';

// Live events take their seqs without waiting for the database's journal (the events' insert
// waits for it). If the insert fails, the events still go out live; the database may then have
// lost the counter's increase, and the next seqs must still be above every seq already sent.
let app: TestApp;
let w: StockWorld;
let socket: ClientSocket;
beforeAll(async () => {
  app = await startTestApp();
  w = await stockWorld(app.url);
});
afterAll(async () => {
  socket?.close();
  await app.close();
});

test('When the events could not be stored and the database lost the seq counter, then no seq already sent is given again', async () => {
  socket = openSocket(app.url, { token: w.coordinator.tokens.accessToken });
  await ready(socket);
  const got: number[] = [];
  for (const name of ['donation.recorded', 'stock.changed', 'campaign.progress'] as LiveEventName[]) {
    (socket as unknown as { on(n: string, f: (p: { seq: number }) => void): void }).on(name, (p) => got.push(p.seq));
  }
  const ack = await new Promise<SubscribeAck>((resolve) => socket.emit('subscribe', { room: 'dashboard' }, resolve));
  expect(ack.ok).toBe(true);
  const settle = async (count: number) => {
    await app.karavan.live.idle();
    while (got.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  await w.donate([{ itemId: w.bread.id, quantity: 10 }]);
  await settle(1);
  const beforeFailure = await eventLog.currentSeq();

  // The database refuses the next insert of events: they go out live all the same.
  const store = jest.spyOn(eventLog, 'storeEvents').mockRejectedValueOnce(new Error('database gone'));
  const sentBefore = got.length;
  await w.donate([{ itemId: w.bread.id, quantity: 20 }]);
  await settle(sentBefore + 1);
  expect(store).toHaveBeenCalled();
  store.mockRestore();
  const sentLiveOnly = got.slice(sentBefore);
  expect(Math.min(...sentLiveOnly)).toBeGreaterThan(beforeFailure);

  // ... and the database came back without the counter's last increase.
  await Counter.updateOne({ _id: 'events' }, { $set: { seq: beforeFailure } });
  const sentAfterFailure = got.length;
  await w.donate([{ itemId: w.bread.id, quantity: 30 }]);
  await settle(sentAfterFailure + 1);
  const next = got.slice(sentAfterFailure);
  expect(Math.min(...next)).toBeGreaterThan(Math.max(...sentLiveOnly));
  expect(new Set(got).size).toBe(got.length);
});
