// Builds the web client only when its sources changed since the build in client/dist.
//
// The hash covers everything the build reads: the client's sources, its public files, index.html,
// its config and package.json, the shared package's sources, and the lock file (library versions).
// It is stored next to the build (client/dist/.build-hash); a warm `npm start` with nothing
// changed skips the ~25 s Vite build. `--force` builds anyway.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'client', 'dist');
const stamp = path.join(dist, '.build-hash');
const INPUTS = [
  'client/src',
  'client/public',
  'client/index.html',
  'client/vite.config.ts',
  'client/tsconfig.json',
  'client/package.json',
  'shared/src',
  'shared/package.json',
  'package-lock.json',
];

function files(entry) {
  const full = path.join(root, entry);
  if (!fs.existsSync(full)) return [];
  if (!fs.statSync(full).isDirectory()) return [entry];
  return (
    fs
      .readdirSync(full, { withFileTypes: true })
      // Tests are not part of the bundle: changing one does not call for a build.
      .filter((d) => !d.name.startsWith('.') && d.name !== 'node_modules' && !/\.test\.tsx?$/.test(d.name))
      .flatMap((d) => files(path.posix.join(entry, d.name)))
  );
}

/** One hash of the names and contents of every input file (sorted: independent of the file system's order). */
export function clientSourceHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(files).sort()) {
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(root, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

const wanted = clientSourceHash();
const built =
  fs.existsSync(path.join(dist, 'index.html')) && fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : null;
if (built === wanted && !process.argv.includes('--force')) {
  process.stdout.write('Web client is up to date (same sources as the build in client/dist).\n');
} else {
  process.stdout.write(built ? 'Web client sources changed: building it…\n' : 'Building the web client…\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build', '--silent', '-w', 'client'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  fs.writeFileSync(stamp, `${wanted}\n`);
}
