import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { newTestDatabaseUri } from '../support/test-db';

// The real server process, as `npm start` runs it (built by `npm test` before Jest starts).
const ROOT = path.join(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'server', 'dist', 'main.js');
const RESET = path.join(ROOT, 'server', 'dist', 'scripts', 'reset-password.js');

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

async function startServer(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const check = () => {
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`server exited:\n${output}`)));
  });
  const stop = () => {
    child.kill('SIGTERM');
    return exited;
  };
  return { child, url, output: () => output, exited, stop };
}

const databases: string[] = [];
function freshDatabase(): string {
  const uri = newTestDatabaseUri();
  databases.push(new URL(uri).pathname.slice(1));
  return uri;
}
describe('The server process', () => {
  afterAll(async () => {
    for (const name of databases) await mongoose.connection.getClient().db(name).dropDatabase();
  });

  test('When KARAVAN_ADMIN_EMAIL and KARAVAN_ADMIN_PASSWORD are set on an empty database, then that organiser can sign in', async () => {
    const server = await startServer({
      MONGODB_URI: freshDatabase(),
      KARAVAN_ADMIN_EMAIL: 'Chief@Karavan.Example',
      KARAVAN_ADMIN_PASSWORD: 'a strong first password',
    });
    try {
      const res = await request(server.url)
        .post('/api/auth/login')
        .send({ email: 'chief@karavan.example', password: 'a strong first password' });
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ role: 'organiser', mustChangePassword: false });
      expect(server.output()).not.toMatch(/shown ONCE/);
    } finally {
      await server.stop();
    }
  });

  test('When no admin is configured, then a one-time password is printed once and must be changed', async () => {
    const uri = freshDatabase();
    const first = await startServer({ MONGODB_URI: uri });
    expect(await first.stop()).toBe(0);
    const password = /password: (\S+)/.exec(first.output())?.[1];
    expect(password).toBeDefined();

    const second = await startServer({ MONGODB_URI: uri });
    try {
      expect(second.output()).not.toMatch(/shown ONCE/);
      const res = await request(second.url).post('/api/auth/login').send({ email: 'admin@karavan.local', password });
      expect(res.status).toBe(200);
      expect(res.body.user.mustChangePassword).toBe(true);
    } finally {
      await second.stop();
    }
  });

  test('When SIGTERM arrives during a request, then the request completes and the process exits 0', async () => {
    const server = await startServer({
      MONGODB_URI: freshDatabase(),
      KARAVAN_ADMIN_EMAIL: 'chief@karavan.example',
      KARAVAN_ADMIN_PASSWORD: 'a strong first password',
    });
    // A request whose body is still arriving when SIGTERM comes is surely in flight.
    const body = JSON.stringify({ email: 'chief@karavan.example', password: 'a strong first password' });
    const { port } = new URL(server.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.write(
      `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(server.child.exitCode).toBeNull(); // still waiting for the request
    socket.write(body.slice(10));
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/shutting down/);
    await expect(request(server.url).get('/healthz')).rejects.toThrow();
  });

  test('When the demo seed runs twice, then its accounts exist once and can sign in', async () => {
    const uri = freshDatabase();
    const seed = () =>
      spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'server', 'dist', 'seeds', 'run.js')], {
        env: { PATH: process.env.PATH, MONGODB_URI: uri, KARAVAN_DEMO_PASSWORD: 'demo password 1' },
        encoding: 'utf8',
      });
    const first = seed();
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/5 user\(s\) created, 0 already there/);
    expect(first.stdout).toMatch(
      /15 item\(s\), location\(s\), campaign\(s\) and volunteer\(s\) created, 0 already there/,
    );
    const second = seed().stdout;
    expect(second).toMatch(/0 user\(s\) created, 5 already there/);
    expect(second).toMatch(/0 item\(s\), location\(s\), campaign\(s\) and volunteer\(s\) created, 15 already there/);

    const server = await startServer({ MONGODB_URI: uri });
    try {
      const res = await request(server.url)
        .post('/api/auth/login')
        .send({ email: 'nurlan@demo.karavan', password: 'demo password 1' });
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ role: 'driver', mustChangePassword: false });
      const organiser = await request(server.url)
        .post('/api/auth/login')
        .send({ email: 'aigul@demo.karavan', password: 'demo password 1' });
      const campaigns = await request(server.url)
        .get('/api/campaigns')
        .set('Authorization', `Bearer ${organiser.body.accessToken}`);
      expect(campaigns.body.items[0].targets.map((t: { quantity: number }) => t.quantity)).toEqual([
        15000, 15000, 5000,
      ]);
      const drivers = await request(server.url)
        .get('/api/volunteers')
        .query({ skill: 'CE' })
        .set('Authorization', `Bearer ${organiser.body.accessToken}`);
      expect(drivers.body.items).toEqual([
        expect.objectContaining({ name: 'Нурлан Токтогулов', userId: res.body.user.id }),
      ]);
      // The database was not empty, so no first organiser was made.
      expect(server.output()).not.toMatch(/shown ONCE/);
    } finally {
      await server.stop();
    }
  });

  test('When NODE_ENV is production, then the demo seed refuses without --force and runs with it', async () => {
    const uri = freshDatabase();
    const seed = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'server', 'dist', 'seeds', 'run.js'), ...args], {
        env: { PATH: process.env.PATH, MONGODB_URI: uri, NODE_ENV: 'production' },
        encoding: 'utf8',
      });
    const refused = seed();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/NODE_ENV is production.*--force/s);
    const db = mongoose.connection.getClient().db(new URL(uri).pathname.slice(1));
    expect(await db.collection('users').countDocuments()).toBe(0);
    const forced = seed('--force');
    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(/5 user\(s\) created/);
  });

  test('When the production image is built, then demo seeds are left out of it', () => {
    const root = path.join(__dirname, '..', '..');
    const dockerignore = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    expect(dockerignore).toContain('seeds');
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).not.toMatch(/^COPY[ \t]+([^\n]*[ \t])?seeds\b/m);
    expect(dockerfile).toMatch(/rm -rf server\/dist\/seeds/);
  });

  test('When an organiser lost their password, then `npm run reset-password` with the server stopped prints a one-time password that must be changed', async () => {
    // No MONGODB_URI: the server and the script both use the embedded database in this directory.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-reset-'));
    try {
      const env = { KARAVAN_DATA_DIR: dataDir };
      const first = await startServer({
        ...env,
        KARAVAN_ADMIN_EMAIL: 'chief@karavan.example',
        KARAVAN_ADMIN_PASSWORD: 'a password now lost',
      });
      expect(await first.stop()).toBe(0);

      const reset = spawnSync('npm', ['run', '--silent', 'reset-password', '--', 'Chief@Karavan.Example'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
        encoding: 'utf8',
      });
      expect(reset.stderr).not.toMatch(/failed|Error/);
      expect(reset.status).toBe(0);
      const password = /password: (\S+)/.exec(reset.stdout)?.[1];
      expect(password).toBeDefined();

      const unknown = spawnSync(process.execPath, [RESET, 'nobody@karavan.example'], {
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
      });
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toMatch(/No user has the email nobody@karavan.example/);

      const second = await startServer(env);
      try {
        const old = await request(second.url)
          .post('/api/auth/login')
          .send({ email: 'chief@karavan.example', password: 'a password now lost' });
        expect(old.status).toBe(401);
        const res = await request(second.url)
          .post('/api/auth/login')
          .send({ email: 'chief@karavan.example', password });
        expect(res.status).toBe(200);
        expect(res.body.user.mustChangePassword).toBe(true);
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  test('When reset-password runs while the user is signed in, then every session of theirs ends', async () => {
    const uri = freshDatabase();
    const server = await startServer({
      MONGODB_URI: uri,
      KARAVAN_ADMIN_EMAIL: 'chief@karavan.example',
      KARAVAN_ADMIN_PASSWORD: 'a strong first password',
    });
    try {
      const tokens = (
        await request(server.url)
          .post('/api/auth/login')
          .send({ email: 'chief@karavan.example', password: 'a strong first password' })
      ).body as { accessToken: string; refreshToken: string };
      const reset = spawnSync(process.execPath, [RESET, 'chief@karavan.example'], {
        env: { PATH: process.env.PATH, MONGODB_URI: uri },
        encoding: 'utf8',
      });
      expect(reset.status).toBe(0);
      expect(
        (await request(server.url).get('/api/users/me').set('Authorization', `Bearer ${tokens.accessToken}`)).status,
      ).toBe(401);
      expect(
        (await request(server.url).post('/api/auth/refresh').send({ refreshToken: tokens.refreshToken })).status,
      ).toBe(401);
    } finally {
      await server.stop();
    }
  });

  test('When a configuration variable is bad, then the process exits 1 naming it', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/"PORT" must be a number/);
  });
});
