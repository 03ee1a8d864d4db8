import { performance } from 'node:perf_hooks';
import type { LiveEventBase, LiveEventName, LiveEventPayloads, MovementDto } from '@karavan/shared';
import type { Logger } from '../lib/logger';
import type { RealtimeServer } from './realtime';
import { emitTogether } from './emit-together';
import { storeEvents, takeSeqs, type StoredEvent } from './event-log';
import type { Watermark } from './watermark';

/** What a live event's builder gives: its payload without the `seq` and `at` added when it is sent. */
export type LiveEventBody<N extends LiveEventName> = Omit<LiveEventPayloads[N], keyof LiveEventBase>;

/** One live event to send: its payload is built after its seq is taken (see below). */
export type LiveEventSpec = {
  [N in LiveEventName]: {
    name: N;
    rooms: string[];
    /** Events with the same key waiting together are sent once (the payload is a snapshot). */
    key?: string;
    /** Builds the payload; `seq` is the event's own, taken before this call. */
    build(seq: number): Promise<LiveEventBody<N> | null>;
  };
}[LiveEventName];

/** One batch of the pump, timed (KARAVAN_LIVE_TRACE=1 only: the benchmarks read it). */
export interface LiveTraceBatch {
  /** Events taken from the queue, and how many were left after coalescing. */
  queued: number;
  sent: number;
  /** Epoch ms (performance.timeOrigin + now): when each event was enqueued, first and last. */
  enqueuedFirst: number;
  enqueuedLast: number;
  started: number;
  marked: number;
  seqTaken: number;
  built: number;
  stored: number;
  /** When the batch before it was sent too (it may be stored before). */
  sentAfter: number;
  emitted: number;
  /** Each shipment.updated event sent: its `update.id` (to join with the bench's acks), when enqueued. */
  updates: { id: string; enqueued: number }[];
}
/** The trace, on globalThis so that the benchmarks' preloaded probe can hand it out; null when off. */
const LIVE_TRACE_KEY = Symbol.for('karavan.liveTrace');
const traceOn = process.env.KARAVAN_LIVE_TRACE === '1';
if (traceOn) (globalThis as Record<symbol, unknown>)[LIVE_TRACE_KEY] ??= [];
const epochNow = () => performance.timeOrigin + performance.now();

/** Batches in flight at once: one being stored while the next one takes its seqs. */
export const LIVE_BATCHES_IN_FLIGHT = 2;

/**
 * Turns queued events into stored, numbered, sent ones, strictly in order within this process:
 * take seqs (one `$inc` for everything queued at that moment), THEN build the payloads (reads of
 * the current state), store them (one `insertMany`), then emit them. Because a snapshot is read
 * after its seq was taken, a higher seq is never an older state than a lower one. Waiting
 * snapshot events with the same key (progress of one campaign) are coalesced into the last one:
 * under load the dashboard gets fewer, never staler, events.
 *
 * Pipelined: while one batch is being stored, the next one (everything queued meanwhile) already
 * takes its seqs and starts being stored; a batch is emitted only once it is stored AND the batch
 * before it was emitted. Seqs are taken one batch after the other, so emission stays in seq
 * order; the watermark keeps every batch in flight marked until it is out (watermark.ts).
 */
export function createLiveEvents(io: RealtimeServer, logger: Logger, watermark: Watermark) {
  const queue: LiveEventSpec[] = [];
  /** When each queued event was enqueued (tracing only). */
  const enqueuedAt: number[] = [];
  let running: Promise<void> | null = null;
  /**
   * The highest seq this process has taken, and whether a batch failed to be stored since: its
   * events went out live, but the database may have lost the counter's increase (seqs are taken
   * without waiting for the journal): the next take first raises the counter past them.
   */
  let highestTaken = 0;
  let counterUnsure = false;
  /** Wakes the pump when it waits for a stored batch and events come in with room in the pipeline. */
  let wake: (() => void) | null = null;

  /**
   * Takes the queued events as one batch: seqs, payloads, store started. Resolves (once the
   * seqs were taken) to `sent`: the batch being sent, after `previous` was. `sent` never rejects.
   */
  async function startBatch(previous: Promise<void>): Promise<{ sent: Promise<void> }> {
    const batch = queue.splice(0, queue.length);
    const times = traceOn ? enqueuedAt.splice(0, enqueuedAt.length) : null;
    const t: Partial<LiveTraceBatch> | null = times
      ? { queued: batch.length, enqueuedFirst: times[0], enqueuedLast: times[times.length - 1], started: epochNow() }
      : null;
    const last = new Map<string, number>();
    batch.forEach((e, i) => e.key && last.set(e.key, i));
    const kept = batch.map((_, i) => i).filter((i) => !batch[i]!.key || last.get(batch[i]!.key!) === i);
    const list = kept.map((i) => batch[i]!);
    const mark = {};
    try {
      // Marked in flight before the seqs exist: a catch-up answers only below the mark until
      // the batch is stored and sent (watermark.ts).
      // Redis unreachable: the events still go out (a catch-up meanwhile may need a reload).
      await watermark.begin(mark).catch((err: unknown) => logger.warn({ err }, 'live-event mark not shared'));
      if (t) t.marked = epochNow();
      const floor = counterUnsure ? highestTaken : 0;
      counterUnsure = false;
      const first = await takeSeqs(list.length, floor).catch((err: unknown) => {
        if (floor > 0) counterUnsure = true;
        throw err;
      });
      highestTaken = Math.max(highestTaken, first + list.length - 1);
      if (t) t.seqTaken = epochNow();
      watermark.taken(mark, first, first + list.length - 1);
      const at = new Date();
      const payloads = await Promise.all(list.map((e, i) => e.build(first + i)));
      if (t) t.built = epochNow();
      const docs: StoredEvent[] = [];
      list.forEach((e, i) => {
        const payload = payloads[i];
        if (!payload) return;
        const seq = first + i;
        docs.push({ _id: seq, name: e.name, rooms: e.rooms, payload: { seq, at: at.toISOString(), ...payload }, at });
      });
      const stored = storeEvents(docs).then(
        () => t && (t.stored = epochNow()),
        (err: unknown) => {
          counterUnsure = true;
          logger.error({ err }, 'live events could not be stored; sent live only');
        },
      );
      const sent = Promise.all([previous, stored])
        .then(() => {
          if (t) t.sentAfter = epochNow();
          // Each socket gets the whole batch in one write (emit-together.ts).
          emitTogether(io, docs);
          if (t) {
            t.emitted = epochNow();
            t.sent = docs.length;
            t.updates = docs.flatMap((d) =>
              d.name === 'shipment.updated'
                ? [
                    {
                      id: (d.payload as { update?: { id: string } | null }).update?.id ?? '',
                      enqueued: times![kept[d._id - first]!]!,
                    },
                  ]
                : [],
            );
            ((globalThis as Record<symbol, unknown>)[LIVE_TRACE_KEY] as LiveTraceBatch[]).push(t as LiveTraceBatch);
          }
        })
        .catch((err: unknown) => logger.error({ err, events: docs.map((d) => d.name) }, 'live events not sent'))
        .finally(() => watermark.end(mark));
      return { sent };
    } catch (err) {
      logger.error({ err, events: list.map((e) => e.name) }, 'live events lost');
      watermark.end(mark);
      return { sent: previous };
    }
  }

  async function pump(): Promise<void> {
    /** Batches being stored or waiting to be sent, oldest first (each settles after the one before). */
    const pending: { sent: Promise<void>; done: boolean }[] = [];
    let previous: Promise<void> = Promise.resolve();
    for (;;) {
      while (pending[0]?.done) pending.shift();
      if (queue.length > 0 && pending.length < LIVE_BATCHES_IN_FLIGHT) {
        const entry = { sent: (await startBatch(previous)).sent, done: false };
        void entry.sent.then(() => (entry.done = true));
        previous = entry.sent;
        pending.push(entry);
        continue;
      }
      if (pending.length === 0) return;
      // Wait for the oldest batch to be out, or (with room in the pipeline) for new events.
      const woken = pending.length < LIVE_BATCHES_IN_FLIGHT ? new Promise<void>((resolve) => (wake = resolve)) : null;
      await Promise.race(woken ? [pending[0]!.sent, woken] : [pending[0]!.sent]);
      wake = null;
      // A settled batch's `done` was set by a callback registered before the race's: it is
      // dropped at the top of the loop.
    }
  }

  /**
   * Runs the pump unless it runs. Events queued after the pump found the queue empty, but before
   * its end was seen here (`running` still set), start it again rather than wait for the next event.
   */
  function start(): void {
    running ??= pump().finally(() => {
      running = null;
      if (queue.length > 0) start();
    });
  }

  return {
    /** Queues events, sent in this order after everything queued before them. */
    enqueue(specs: LiveEventSpec[]): void {
      queue.push(...specs);
      if (traceOn) for (const _ of specs) enqueuedAt.push(epochNow());
      wake?.();
      start();
    },
    /** Resolves when every queued event was stored and sent (tests, shutdown). */
    async idle(): Promise<void> {
      while (running) await running;
    },
  };
}
export type LiveEvents = ReturnType<typeof createLiveEvents>;

/** What of a movement says which snapshots it changes. */
export type StockEventSource = Pick<MovementDto, 'kind' | 'locationId' | 'campaignId' | 'lotId'>;

/** Rooms and keys for the stock snapshot events that a list of movements calls for. */
export function stockEventSpecs(
  movements: StockEventSource[],
  build: {
    rows(locationId: string, lotIds: string[]): Promise<LiveEventBody<'stock.changed'> | null>;
    progress(campaignId: string, seq: number): Promise<LiveEventBody<'campaign.progress'> | null>;
  },
): LiveEventSpec[] {
  const byLocation = new Map<string, { lots: Set<string>; campaigns: Set<string> }>();
  const campaigns = new Set<string>();
  for (const m of movements) {
    campaigns.add(m.campaignId);
    if (!m.locationId || m.kind === 'delivered') continue;
    const entry = byLocation.get(m.locationId) ?? { lots: new Set<string>(), campaigns: new Set<string>() };
    entry.lots.add(m.lotId);
    entry.campaigns.add(m.campaignId);
    byLocation.set(m.locationId, entry);
  }
  const specs: LiveEventSpec[] = [];
  for (const [locationId, { lots, campaigns: cs }] of byLocation) {
    const lotIds = [...lots].sort();
    specs.push({
      name: 'stock.changed',
      rooms: ['dashboard', `location:${locationId}`, ...[...cs].map((c) => `campaign:${c}`)],
      key: `stock:${locationId}:${lotIds.join(',')}`,
      build: () => build.rows(locationId, lotIds),
    });
  }
  for (const campaignId of campaigns) {
    specs.push({
      name: 'campaign.progress',
      rooms: ['dashboard', `campaign:${campaignId}`],
      key: `progress:${campaignId}`,
      build: (seq) => build.progress(campaignId, seq),
    });
  }
  return specs;
}
