// Only what is needed to read the configuration and start the embedded database is loaded up
// front: the database's JVM boots on the other core while Node loads the rest (./serve).
import { ConfigError, loadConfig, VERSION } from './config';
import { startEmbeddedDatabase } from './db/embedded-db';
import { createLogger } from './lib/logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  logger.info({ version: VERSION, env: config.env }, 'Karavan starting');

  const starting = startEmbeddedDatabase(config, logger);
  const { serve } = await import('./serve.js');
  await serve(config, logger, starting);
}

main().catch((err: unknown) => {
  process.stderr.write(`Karavan failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
