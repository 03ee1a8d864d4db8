import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from '../lib/logger';
import type { RealtimeServer } from './realtime';

export interface RedisLink {
  rateLimitStore(prefix: string): RedisStore;
  useForSockets(io: RealtimeServer): void;
  close(): Promise<void>;
}

/**
 * With REDIS_URL, several Karavan instances share socket rooms (events reach clients connected
 * to any instance) and login rate limits.
 */
export async function attachRedis(url: string, logger: Logger): Promise<RedisLink> {
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sub = pub.duplicate();
  for (const client of [pub, sub]) client.on('error', (err: Error) => logger.warn({ err }, 'redis error'));
  await Promise.all([pub.connect(), sub.connect()]);
  logger.info('connected to Redis: socket rooms and rate limits are shared between instances');
  return {
    rateLimitStore: (prefix: string) =>
      new RedisStore({
        prefix: `karavan:rl:${prefix}`,
        sendCommand: (command: string, ...args: string[]) => pub.call(command, ...args) as Promise<RedisReply>,
      }),
    useForSockets(io: RealtimeServer) {
      io.adapter(createAdapter(pub, sub, { key: 'karavan:socket.io' }));
    },
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
