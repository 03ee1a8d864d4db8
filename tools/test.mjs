#!/usr/bin/env node
// `npm test`: makes sure what the tests start is installed, builds what they run (server,
// client), then runs every Jest project. Extra arguments go to Jest.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

// What the tests start besides Node: Chromium (browser tests), redis-server (several instances)
// and docker-compose (validates docker-compose.yml without a Docker engine).
const NEEDED = [
  { pkg: 'chromium', bin: process.env.KARAVAN_CHROMIUM ?? '/usr/bin/chromium' },
  { pkg: 'redis-server', bin: '/usr/bin/redis-server' },
  { pkg: 'docker-compose', bin: '/usr/bin/docker-compose' },
];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const missing = NEEDED.filter(({ bin }) => !fs.existsSync(bin));
if (missing.length > 0) {
  const names = missing.map(({ pkg }) => pkg);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!root || !hasApt) {
    console.error(
      `The tests need ${names.join(' and ')}. Install them (Debian: sudo apt-get install ${names.join(' ')})`,
    );
    console.error('or point KARAVAN_CHROMIUM at a Chromium binary, then run npm test again.');
    process.exit(1);
  }
  console.log(`Installing Debian's ${names.join(' and ')} for the tests (once)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (
    run('apt-get', ['update', '-qq'], { env }) !== 0 ||
    run('apt-get', ['install', '-y', '-qq', ...names], { env }) !== 0
  ) {
    console.error(`Installing ${names.join(' and ')} failed; see above.`);
    process.exit(1);
  }
}

if (run('npm', ['run', 'build', '--silent']) !== 0) process.exit(1);
// Two test files at a time: most of a browser or server test is waiting (on Chromium, the
// database, a socket), so two overlap well even on 2 cores (Jest's default would be one).
const args = process.argv.slice(2);
const workers = args.some((arg) => /^(--maxWorkers|-w|--runInBand|-i)\b/.test(arg)) ? [] : ['--maxWorkers=2'];
process.exit(run(process.execPath, ['node_modules/jest/bin/jest.js', ...workers, ...args]));
