import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../server/src/config';
import { createLogger } from '../../server/src/lib/logger';
import { runSeed, type SeedFile, type SeedOptions } from '../../server/src/seeds/seed';

export const DEMO_FILE = path.join(__dirname, '..', '..', 'seeds', 'demo.json');
export const demoSeed = (): SeedFile => JSON.parse(fs.readFileSync(DEMO_FILE, 'utf8')) as SeedFile;
export const DEMO_PASSWORD = 'demo password for tests';

/** Runs the demo seed on the test database through the same function as `npm run seed`. */
export async function seedDemo(overrides: Partial<SeedOptions> = {}) {
  let output = '';
  const result = await runSeed({
    seed: demoSeed(),
    file: DEMO_FILE,
    password: DEMO_PASSWORD,
    config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
    logger: createLogger('silent'),
    jwtSecret: 'seed-test-secret-0123456789abcdef',
    out: { write: (s: string) => ((output += s), true) } as unknown as NodeJS.WritableStream,
    ...overrides,
  });
  return { result, output };
}
