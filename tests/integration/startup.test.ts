import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import { lanAddresses } from '../../server/src/lib/addresses';
import { newTestDatabaseUri } from '../support/test-db';

// What `npm start` prints: the real server process (built by `npm test` before Jest starts).
const MAIN = path.join(__dirname, '..', '..', 'server', 'dist', 'main.js');
const databases: string[] = [];

/** Starts the server with `command`, waits for the listening line, stops it; returns its stdout. */
async function startupOutput(command: string, args: string[]): Promise<string> {
  const uri = newTestDatabaseUri();
  databases.push(new URL(uri).pathname.slice(1));
  const child = spawn(command, args, {
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      MONGODB_URI: uri,
      KARAVAN_ADMIN_EMAIL: 'chief@karavan.example',
      KARAVAN_ADMIN_PASSWORD: 'a strong first password',
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => /listening on [^\n]*\n/.test(output) && resolve();
      child.stdout.on('data', check);
      void exited.then(() => reject(new Error(`server exited:\n${output}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return output;
}

describe('npm start output', () => {
  afterAll(async () => {
    for (const name of databases) await mongoose.connection.getClient().db(name).dropDatabase();
  });

  test('When stdout is not a terminal, then every line is JSON and the listening line names the LAN addresses', async () => {
    const output = await startupOutput(process.execPath, [MAIN]);
    const lines = output.trim().split('\n');
    const records = lines.map((line) => JSON.parse(line) as { msg: string; urls?: string[]; port?: number });
    const listening = records.find((record) => record.msg.startsWith('Karavan is listening on'))!;
    expect(listening.urls).toEqual([
      `http://localhost:${listening.port}`,
      ...lanAddresses().map((address) => `http://${address}:${listening.port}`),
    ]);
    expect(listening.urls!.length).toBeGreaterThan(1); // this machine has a LAN address
    for (const url of listening.urls!) expect(listening.msg).toContain(url);
  });

  test('When stdout is a terminal, then lines are short and readable, not JSON', async () => {
    // `script` (util-linux) gives the server a pseudo-terminal, as `npm start` in a shell does.
    const output = await startupOutput('script', ['-qfec', `${process.execPath} ${MAIN}`, '/dev/null']);
    const lines = output.replace(/\r/g, '').trim().split('\n');
    const listening = lines.find((line) => line.includes('Karavan is listening on'))!;
    expect(listening).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: Karavan is listening on http:\/\/localhost:\d+ , http:\/\//);
    for (const line of lines) expect(line.startsWith('{')).toBe(false);
  });

  test('When nothing changed since the last build, then `npm start` builds nothing and goes straight to serving', async () => {
    // `npm test` built both (tools/build.mjs), leaving the hash of their sources beside each build.
    // `npm start` is `node tools/start.mjs` (run here without npm, which would not pass the stop on).
    const root = path.join(__dirname, '..', '..');
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.start).toBe('node tools/start.mjs');
    const output = await startupOutput(process.execPath, [path.join(root, 'tools', 'start.mjs')]);
    expect(output).toContain('Server is up to date (same sources as its build).');
    expect(output).toContain('Web client is up to date (same sources as its build).');
    expect(output).not.toMatch(/Building the web client|sources changed/);
    expect(output).toMatch(/Karavan is listening on/);
  });
});
