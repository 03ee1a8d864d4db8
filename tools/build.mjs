#!/usr/bin/env node
// Builds what changed since the last build: the server (and shared/) with `tsc -b`, the web
// client with Vite. Each build keeps a hash of everything it reads next to its output
// (server/dist/.build-hash, client/dist/.build-hash); when the sources still hash the same, the
// build is skipped without starting the compiler, so a warm `npm start` goes straight to the
// server. `--force` builds anyway; `--server` or `--client` builds only that one.
//
//   node tools/build.mjs [--force] [--server | --client]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What each build reads; a change to any of these files means a new build. */
const TARGETS = {
  server: {
    name: 'Server',
    output: 'server/dist/main.js',
    stamp: 'server/dist/.build-hash',
    inputs: [
      'server/src',
      'server/package.json',
      'server/tsconfig.json',
      'shared/src',
      'shared/package.json',
      'shared/tsconfig.json',
      'tsconfig.json',
      'tsconfig.base.json',
      'package-lock.json',
    ],
    command: [process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']],
  },
  client: {
    name: 'Web client',
    output: 'client/dist/index.html',
    stamp: 'client/dist/.build-hash',
    inputs: [
      'client/src',
      'client/public',
      'client/index.html',
      'client/vite.config.ts',
      'client/tsconfig.json',
      'client/package.json',
      'shared/src',
      'shared/package.json',
      'package-lock.json',
    ],
    command: [npm, ['run', 'build', '--silent', '-w', 'client']],
  },
};

function files(entry) {
  const full = path.join(root, entry);
  if (!fs.existsSync(full)) return [];
  if (!fs.statSync(full).isDirectory()) return [entry];
  return (
    fs
      .readdirSync(full, { withFileTypes: true })
      // Tests are not part of a build: changing one does not call for a new one.
      .filter((d) => !d.name.startsWith('.') && d.name !== 'node_modules' && !/\.test\.tsx?$/.test(d.name))
      .flatMap((d) => files(path.posix.join(entry, d.name)))
  );
}

/** One hash of the names and contents of `inputs` (sorted: independent of the file system's order). */
export function sourceHash(inputs) {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap(files).sort()) {
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(root, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

/** Builds `target` ('server' or 'client') unless its output was built from the same sources. */
export function ensureBuild(target, { force = false } = {}) {
  const { name, output, stamp, inputs, command } = TARGETS[target];
  const wanted = sourceHash(inputs);
  const stampPath = path.join(root, stamp);
  const built =
    fs.existsSync(path.join(root, output)) && fs.existsSync(stampPath)
      ? fs.readFileSync(stampPath, 'utf8').trim()
      : null;
  if (built === wanted && !force) {
    process.stdout.write(`${name} is up to date (same sources as its build).\n`);
    return;
  }
  if (target === 'client') {
    process.stdout.write(built ? 'Web client sources changed: building it…\n' : 'Building the web client…\n');
  }
  const result = spawnSync(command[0], command[1], { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
  fs.writeFileSync(stampPath, `${wanted}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const only = args.includes('--server') ? ['server'] : args.includes('--client') ? ['client'] : ['server', 'client'];
  for (const target of only) ensureBuild(target, { force });
}
