import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { createKaravan, type Karavan } from '../../server/src/app';
import { loadConfig, type Config } from '../../server/src/config';
import { createLogger } from '../../server/src/lib/logger';
import { attachRedis } from '../../server/src/realtime/redis';

export interface TestApp {
  karavan: Karavan;
  config: Config;
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The real server on port 0 over the file's test database. `env` overrides configuration
 * variables, e.g. `{ LOGIN_RATE_LIMIT: '3' }`.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  logTo?: DestinationStream,
  /** `0.0.0.0` to be reachable by the machine's network addresses too. */
  host = '127.0.0.1',
): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.KARAVAN_TEST_LOG_LEVEL ?? 'silent',
    LOGIN_RATE_LIMIT: '1000',
    REFRESH_RATE_LIMIT: '1000',
    WRITE_RATE_LIMIT: '100000',
    // No test reaches outside this machine: map tiles come from a port where nothing listens
    // (the maps show their plain background) unless a test starts its own tile server.
    MAP_TILE_URL: 'http://127.0.0.1:9/tiles/{z}/{x}/{y}.png',
    ...env,
  });
  const logger = createLogger(config.logLevel, logTo);
  const redis = config.redisUrl ? await attachRedis(config.redisUrl, logger) : undefined;
  const karavan = createKaravan({
    config,
    logger,
    redis,
    jwtSecret: env.JWT_SECRET ?? randomBytes(32).toString('hex'),
  });
  await new Promise<void>((resolve) => karavan.server.listen(0, host, resolve));
  const { port } = karavan.server.address() as AddressInfo;
  return {
    karavan,
    config,
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await karavan.close();
      await redis?.close();
    },
  };
}
