import { performance } from 'node:perf_hooks';
import type { LiveEventBase, LiveEventName, LiveEventPayloads, MovementDto } from '@karavan/shared';
import type { Logger } from '../lib/logger';
import type { RealtimeServer } from './realtime';
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
  emitted: number;
  /** Each shipment.updated event sent: its `update.id` (to join with the bench's acks), when enqueued. */
  updates: { id: string; enqueued: number }[];
}
/** The trace, on globalThis so that the benchmarks' preloaded probe can hand it out; null when off. */
const LIVE_TRACE_KEY = Symbol.for('karavan.liveTrace');
const traceOn = process.env.KARAVAN_LIVE_TRACE === '1';
if (traceOn) (globalThis as Record<symbol, unknown>)[LIVE_TRACE_KEY] ??= [];
const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Turns queued events into stored, numbered, sent ones, strictly in order within this process:
 * take seqs (one `$inc` for the whole batch), THEN build the payloads (reads of the current
 * state), store them, then emit them. Because a snapshot is read after its seq was taken, a
 * higher seq is never an older state than a lower one. Waiting snapshot events with the same
 * key (progress of one campaign) are coalesced into the last one: under load the dashboard gets
 * fewer, never staler, events.
 */
export function createLiveEvents(io: RealtimeServer, logger: Logger, watermark: Watermark) {
  const queue: LiveEventSpec[] = [];
  /** When each queued event was enqueued (tracing only). */
  const enqueuedAt: number[] = [];
  let running: Promise<void> | null = null;

  async function pump(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, queue.length);
      const times = traceOn ? enqueuedAt.splice(0, enqueuedAt.length) : null;
      const t: Partial<LiveTraceBatch> | null = times
        ? { queued: batch.length, enqueuedFirst: times[0], enqueuedLast: times[times.length - 1], started: epochNow() }
        : null;
      const last = new Map<string, number>();
      batch.forEach((e, i) => e.key && last.set(e.key, i));
      const kept = batch.map((_, i) => i).filter((i) => !batch[i]!.key || last.get(batch[i]!.key!) === i);
      const list = kept.map((i) => batch[i]!);
      try {
        // Marked in flight before the seqs exist: a catch-up answers only below the mark until
        // the batch is stored and sent (watermark.ts).
        // Redis unreachable: the events still go out (a catch-up meanwhile may need a reload).
        await watermark.begin().catch((err: unknown) => logger.warn({ err }, 'live-event mark not shared'));
        if (t) t.marked = epochNow();
        const first = await takeSeqs(list.length);
        if (t) t.seqTaken = epochNow();
        watermark.taken(first, first + list.length - 1);
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
        try {
          await storeEvents(docs);
        } catch (err) {
          logger.error({ err }, 'live events could not be stored; sent live only');
        }
        if (t) t.stored = epochNow();
        for (const doc of docs) io.to(doc.rooms).emit(doc.name, doc.payload as never);
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
      } catch (err) {
        logger.error({ err, events: list.map((e) => e.name) }, 'live events lost');
      } finally {
        watermark.end();
      }
    }
  }

  return {
    /** Queues events, sent in this order after everything queued before them. */
    enqueue(specs: LiveEventSpec[]): void {
      queue.push(...specs);
      if (traceOn) for (const _ of specs) enqueuedAt.push(epochNow());
      running ??= pump().finally(() => {
        running = null;
      });
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
