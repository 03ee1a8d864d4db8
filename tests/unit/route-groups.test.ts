import express from 'express';
import request from 'supertest';
import {
  defineRoute,
  mountRoutes,
  pathMatcher,
  routeGroup,
  segmentsOf,
  type RouteSpec,
} from '../../server/src/lib/route';

describe('Route groups', () => {
  test('When a path is grouped, then its group is its first two segments, lower-cased, without a trailing slash', () => {
    expect(routeGroup('/api/shipments/:id/updates')).toBe('/api/shipments');
    expect(routeGroup('/api/shipments/')).toBe('/api/shipments');
    expect(routeGroup('/API/Shipments')).toBe('/api/shipments');
    expect(routeGroup('/healthz')).toBe('/healthz');
    expect(routeGroup('/healthz/')).toBe('/healthz');
    expect(routeGroup('/')).toBe('/');
  });

  test('When routes are mounted in groups, then every path is served as Express serves it (any case, a trailing slash), and another method is 405 before a route with a parameter takes it', async () => {
    const reply = (body: string) => () => ({ status: 200, body: { body } });
    const routes: RouteSpec[] = [
      defineRoute({
        method: 'get',
        path: '/healthz',
        tag: 'meta',
        summary: 'up',
        access: 'public',
        responses: {},
        handler: reply('up'),
      }),
      defineRoute({
        method: 'get',
        path: '/api/things/defaults',
        tag: 'meta',
        summary: 'd',
        access: 'public',
        responses: {},
        handler: reply('defaults'),
      }),
      defineRoute({
        method: 'patch',
        path: '/api/things/:id',
        tag: 'meta',
        summary: 'p',
        access: 'public',
        responses: {},
        handler: reply('patched'),
      }),
      defineRoute({
        method: 'get',
        path: '/api/things/:id',
        tag: 'meta',
        summary: 'g',
        access: 'public',
        responses: {},
        handler: reply('one'),
      }),
    ];
    const app = express();
    const router = express.Router();
    mountRoutes(router, routes, {
      authenticate: (_req, _res, next) => next(),
      requireRight: () => (_req, _res, next) => next(),
      idempotent: async (_req, _res, run) => run(),
      timeoutMs: 5_000,
    });
    app.use(router);
    app.use((_req, res) => void res.status(404).json({ code: 'NOT_FOUND' }));
    app.use(
      (err: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
        void res.status(err.status ?? 500).json({ status: err.status }),
    );
    expect((await request(app).get('/healthz')).body).toEqual({ body: 'up' });
    expect((await request(app).get('/HEALTHZ/')).body).toEqual({ body: 'up' });
    expect((await request(app).get('/api/Things/defaults')).body).toEqual({ body: 'defaults' });
    expect((await request(app).get('/api/things/42')).body).toEqual({ body: 'one' });
    expect((await request(app).patch('/api/things/42')).body).toEqual({ body: 'patched' });
    const refused = await request(app).patch('/api/things/defaults');
    expect(refused.status).toBe(405);
    expect(refused.headers.allow).toBe('GET, HEAD');
    expect((await request(app).get('/api/other/1')).status).toBe(404);
  });

  test('When a path has parameters, then they are matched and decoded as Express 5 does: one whole segment each, percent-decoded (400 when that fails), HEAD served by GET', async () => {
    const routes: RouteSpec[] = [
      defineRoute({
        method: 'get',
        path: '/api/things/:id/parts/:partId',
        tag: 'meta',
        summary: 'part',
        access: 'public',
        responses: {},
        handler: ({ req }) => ({ status: 200, body: req.params }),
      }),
      defineRoute({
        method: 'get',
        path: '/api/things/:id',
        tag: 'meta',
        summary: 'one',
        access: 'public',
        responses: {},
        handler: ({ req }) => ({ status: 200, body: req.params }),
      }),
    ];
    const app = express();
    mountRoutes(app, routes, {
      authenticate: (_req, _res, next) => next(),
      requireRight: () => (_req, _res, next) => next(),
      idempotent: async (_req, _res, run) => run(),
      timeoutMs: 5_000,
    });
    app.use((_req, res) => void res.status(404).json({ code: 'NOT_FOUND' }));
    app.use(
      (err: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
        void res.status(err.status ?? 500).json({ status: err.status }),
    );
    expect((await request(app).get('/api/things/%D0%A5%D0%BB%D0%B5%D0%B1/PARTS/a%2Fb/')).body).toEqual({
      id: 'Хлеб',
      partId: 'a/b',
    });
    expect((await request(app).get('/api/things/7')).body).toEqual({ id: '7' });
    expect((await request(app).get('/api/things/%E0%A4%A')).status).toBe(400);
    expect((await request(app).get('/api/things//parts/1')).status).toBe(404);
    expect((await request(app).get('/api/things/7//')).status).toBe(404);
    expect((await request(app).get('/api/things/7/parts')).status).toBe(404);
    // The Kelvin sign lower-cases to "k" but is no ASCII letter: a RegExp's /i does not take it.
    expect((await request(app).get('/api/things/7/par\u212Ats/1')).status).toBe(404);
    const head = await request(app).head('/api/things/7');
    expect(head.status).toBe(200);
    expect(head.text).toBeUndefined();
    const post = await request(app).post('/api/things/7');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  test('When a route path uses more of path-to-regexp than whole-segment parameters, then mounting it is refused', () => {
    for (const path of ['/api/things/:id.png', '/api/things/*rest', '/api/things{/:id}', '/api/things/']) {
      expect(() => pathMatcher(path)).toThrow(/route path/);
    }
    expect(pathMatcher('/api/things/:id/labels.pdf')(segmentsOf('/API/things/x/Labels.PDF'))).toEqual({ id: 'x' });
  });
});
