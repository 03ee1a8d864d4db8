import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// Debian's docker-compose (installed by .ci/run) validates a compose file without a Docker engine.
const root = path.join(__dirname, '..', '..');
const compose = (...args: string[]) =>
  spawnSync(
    'docker-compose',
    [
      '--project-directory',
      root,
      '-f',
      path.join(root, 'docker-compose.yml'),
      '--env-file',
      path.join(root, '.env.example'),
      ...args,
    ],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    },
  );

describe('docker-compose.yml', () => {
  test('When docker-compose checks it, then it is valid, with and without the scale profile', () => {
    const plain = compose('config', '-q');
    expect(plain.error).toBeUndefined();
    expect(plain.stderr).toBe('');
    expect(plain.status).toBe(0);
    const scaled = compose('--profile', 'scale', 'config', '-q');
    expect(scaled.stderr).toBe('');
    expect(scaled.status).toBe(0);
  });

  test('When it is resolved, then MongoDB keeps its data in a named volume and every service has a health check', () => {
    const services = compose('config', '--services').stdout.trim().split('\n').sort();
    expect(services).toEqual(['karavan', 'karavan-2', 'mongo', 'proxy', 'redis']);
    const resolved = compose('--profile', 'scale', 'config').stdout;
    expect(resolved).toMatch(/image: mongo:7/);
    expect(resolved).toMatch(/mongo-data:\/data\/db|source: mongo-data/);
    expect(resolved).toMatch(/^volumes:\n {2}mongo-data: \{\}/m);
    expect(resolved.match(/healthcheck:/g)?.length).toBeGreaterThanOrEqual(4);
    expect(resolved).toMatch(/readyz/);
    // Redis, the second instance and the proxy only with `--profile scale`.
    expect(resolved.match(/profiles:\n\s+- scale/g)).toHaveLength(3);
    expect(resolved).toMatch(/deploy\/nginx\.conf:\/etc\/nginx\/conf\.d\/default\.conf:ro/);
  });

  test('When the example environment is read, then it names every setting and holds no secret', () => {
    const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    for (const name of [
      'PUBLIC_URL',
      'TRUST_PROXY',
      'JWT_SECRET',
      'KARAVAN_ADMIN_EMAIL',
      'KARAVAN_ADMIN_PASSWORD',
      'REDIS_URL',
    ]) {
      expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
    }
    // Secrets are left empty.
    expect(example).toMatch(/^JWT_SECRET=$/m);
    expect(example).toMatch(/^KARAVAN_ADMIN_PASSWORD=$/m);
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n')).toContain('.env');
  });

  test('When the proxy is configured, then Socket.io gets the WebSocket upgrade and both instances serve the API', () => {
    const nginx = fs.readFileSync(path.join(root, 'deploy', 'nginx.conf'), 'utf8');
    expect(nginx).toMatch(
      /location \/socket\.io\/ \{[^}]*proxy_set_header Upgrade \$http_upgrade;[^}]*proxy_set_header Connection \$connection_upgrade;/s,
    );
    expect(nginx).toMatch(/upstream karavan_api \{[^}]*server karavan:8080[^}]*server karavan-2:8080/s);
  });

  test('When the image is built, then it runs as a non-root user with production dependencies only and checks /readyz', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM .* AS build$/m);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    // `npm run build` is tools/build.mjs: the build stage has it beside the sources it builds.
    const build = (
      JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { build: string } }
    ).scripts.build;
    const script = /^node (tools\/\S+\.mjs)/.exec(build)?.[1];
    expect(script).toBeDefined();
    expect(dockerfile).toMatch(new RegExp(`^COPY ${script!.replace(/[.]/g, '\\.')} tools/$`, 'm'));
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\/readyz/m);
  });
});
