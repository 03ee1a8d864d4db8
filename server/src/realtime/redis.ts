import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from '../lib/logger';
import type { RealtimeServer } from './realtime';
import type { SeqMarks } from './watermark';

export interface RedisLink {
  rateLimitStore(prefix: string): RedisStore;
  useForSockets(io: RealtimeServer): void;
  /** The instances' live-event marks (see watermark.ts), shared through one hash. */
  seqMarks: SeqMarks;
  close(): Promise<void>;
}

/**
 * With REDIS_URL, several Karavan instances share socket rooms (events reach clients connected
 * to any instance) and rate limits. Sockets go through the Redis Streams adapter: broadcasts are
 * appended to a capped stream that every instance reads, so an instance whose link to Redis
 * drops for a moment reads on from where it was instead of losing what was sent meanwhile
 * (plain pub/sub forgets it).
 */
/** The hash of the instances' live-event marks. */
const SEQ_MARKS = 'karavan:events:marks';

export async function attachRedis(url: string, logger: Logger): Promise<RedisLink> {
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  pub.on('error', (err: Error) => logger.warn({ err }, 'redis error'));
  await pub.connect();
  logger.info('connected to Redis: socket rooms and rate limits are shared between instances');
  return {
    rateLimitStore: (prefix: string) =>
      new RedisStore({
        prefix: `karavan:rl:${prefix}`,
        sendCommand: (command: string, ...args: string[]) => pub.call(command, ...args) as Promise<RedisReply>,
      }),
    seqMarks: {
      async set(instance, low, deadline) {
        await pub.hset(SEQ_MARKS, instance, `${low}:${deadline}`);
      },
      async clear(instance) {
        await pub.hdel(SEQ_MARKS, instance);
      },
      async all() {
        return Object.entries(await pub.hgetall(SEQ_MARKS)).map(([instance, value]) => {
          const [low, deadline] = value.split(':').map(Number);
          return { instance, low: low!, deadline: deadline! };
        });
      },
    },
    useForSockets(io: RealtimeServer) {
      // The adapter reads the stream on a duplicate of `pub` (XREAD BLOCK needs its own link).
      io.adapter(createAdapter(pub, { streamName: 'karavan:socket.io', maxLen: 10_000 }));
    },
    async close() {
      await pub.quit().catch(() => undefined);
    },
  };
}
