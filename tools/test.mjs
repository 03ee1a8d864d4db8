#!/usr/bin/env node
// `npm test`: makes sure the browser tests can run (Debian's Chromium), builds what the tests
// start (server, client), then runs every Jest project. Extra arguments go to Jest.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const CHROMIUM = process.env.KARAVAN_CHROMIUM ?? '/usr/bin/chromium';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (!fs.existsSync(CHROMIUM)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!root || !hasApt) {
    console.error(`The browser tests need Chromium at ${CHROMIUM}. Install it (Debian: sudo apt-get install chromium)`);
    console.error('or point KARAVAN_CHROMIUM at a Chromium binary, then run npm test again.');
    process.exit(1);
  }
  console.log("Installing Debian's chromium for the browser tests (once)...");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (
    run('apt-get', ['update', '-qq'], { env }) !== 0 ||
    run('apt-get', ['install', '-y', '-qq', 'chromium'], { env }) !== 0
  ) {
    console.error('Installing chromium failed; see above.');
    process.exit(1);
  }
}

if (run('npm', ['run', 'build', '--silent']) !== 0) process.exit(1);
process.exit(run(process.execPath, ['node_modules/jest/bin/jest.js', ...process.argv.slice(2)]));
