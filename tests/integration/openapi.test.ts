import { spawnSync } from 'node:child_process';
import type { Router } from 'express';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { toOpenApiPath } from '../../server/src/openapi/openapi';
import type { RouteDispatch } from '../../server/src/lib/route';

let app: TestApp;
let doc: {
  openapi: string;
  paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>>;
};
beforeAll(async () => {
  app = await startTestApp();
  doc = (await request(app.url).get('/api/openapi.json').expect(200)).body;
});
afterAll(() => app.close());

/** Every route Express actually serves, read from its router stacks. */
function mountedRoutes(): string[] {
  const found: string[] = [];
  const walk = (stack: Router['stack']) => {
    for (const layer of stack) {
      if (layer.route) {
        const methods = Object.keys((layer.route as unknown as { methods: Record<string, boolean> }).methods);
        const { path } = layer.route;
        // `_all` is the 405 answer for other methods (see mountRoutes), not a route.
        if (typeof path === 'string') methods.filter((m) => m !== '_all').forEach((m) => found.push(`${m} ${path}`));
      } else if ((layer.handle as unknown as Router).stack) {
        walk((layer.handle as unknown as Router).stack);
      } else if ((layer.handle as unknown as RouteDispatch).routes) {
        // The API's routes (see mountRoutes): served by one dispatcher, which lists them.
        for (const { method, path } of (layer.handle as unknown as RouteDispatch).routes)
          found.push(`${method} ${path}`);
      }
    }
  };
  walk((app.karavan.app as unknown as { router: Router }).router.stack);
  return found;
}

describe('GET /api/openapi.json', () => {
  test('When the document is fetched, then it is valid OpenAPI 3.1', () => {
    const validation = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { Validator } from '@seriousme/openapi-schema-validator';
         let input = ''; for await (const chunk of process.stdin) input += chunk;
         const result = await new Validator().validate(JSON.parse(input));
         process.stdout.write(JSON.stringify(result));`,
      ],
      { input: JSON.stringify(doc), encoding: 'utf8' },
    );
    expect(doc.openapi).toBe('3.1.0');
    expect(JSON.parse(validation.stdout)).toEqual({ valid: true });
  });

  test('When a route is mounted, then the document describes it', () => {
    const mounted = mountedRoutes();
    expect(mounted.length).toBeGreaterThan(10);
    const missing = mounted.filter((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return !doc.paths[toOpenApiPath(path)]?.[method];
    });
    expect(missing).toEqual([]);
  });

  test('When a route needs a sign-in, then the document says so and lists 401 and 403', () => {
    const listUsers = doc.paths['/api/users']!.get!;
    expect(listUsers.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(listUsers.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(doc.paths['/api/auth/login']!.post!.security).toEqual([]);
  });

  test('When a route is rate-limited, then the document lists its 429', () => {
    for (const [path, method] of [
      ['/api/auth/login', 'post'],
      ['/api/auth/refresh', 'post'],
      ['/api/auth/logout', 'post'],
      ['/api/users/me/password', 'put'],
    ] as const) {
      expect(Object.keys(doc.paths[path]![method]!.responses)).toContain('429');
    }
  });
});
