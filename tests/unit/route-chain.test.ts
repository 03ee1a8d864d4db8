import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import mongoose from 'mongoose';
import Joi from 'joi';
import request from 'supertest';
import { defineRoute, mountRoutes, sequence, type Reply } from '../../server/src/lib/route';
import { errorHandler } from '../../server/src/lib/error-handler';
import { createLogger } from '../../server/src/lib/logger';

/** An app serving one chain at GET /x, with Karavan's error handler after it. */
function serve(handler: RequestHandler) {
  const app = express();
  app.get('/x', handler);
  app.use((_req, res) => void res.status(404).json({ code: 'NOT_FOUND' }));
  app.use(errorHandler(createLogger('silent')));
  return app;
}

describe('A route chain run as one handler (sequence)', () => {
  test('When every step calls next, then they run in order and the last answers', async () => {
    const seen: string[] = [];
    const step =
      (name: string): RequestHandler =>
      (_req, _res, next) => {
        seen.push(name);
        next();
      };
    const app = serve(sequence([step('a'), step('b'), (_req, res) => void res.json({ seen })]));
    expect((await request(app).get('/x')).body).toEqual({ seen: ['a', 'b'] });
  });

  test('When a step hands on an error, throws, or its promise fails, then the rest is skipped and the error handler answers', async () => {
    const never = jest.fn((_req: Request, res: Response) => void res.json({ reached: true }));
    const handed = serve(sequence([(_req, _res, next) => next(new Error('handed')), never]));
    const thrown = serve(
      sequence([
        () => {
          throw new Error('thrown');
        },
        never,
      ]),
    );
    const rejected = serve(
      sequence([
        async (_req: Request, _res: Response, _next: NextFunction) => {
          await Promise.resolve();
          throw new Error('rejected');
        },
        never,
      ]),
    );
    for (const app of [handed, thrown, rejected]) {
      const res = await request(app).get('/x');
      expect(res.status).toBe(500);
      expect(res.body.code).toBe('INTERNAL');
    }
    expect(never).not.toHaveBeenCalled();
  });

  test("When a step calls next('route'), then the rest of the chain is skipped and the request goes on past the route", async () => {
    const never = jest.fn((_req: Request, res: Response) => void res.json({ reached: true }));
    const app = serve(sequence([(_req, _res, next) => next('route'), never]));
    expect((await request(app).get('/x')).status).toBe(404);
    expect(never).not.toHaveBeenCalled();
  });
});

describe('The request deadline', () => {
  const slowRoutes = (answer: () => Promise<Reply>) => {
    const app = express();
    mountRoutes(
      app,
      [
        defineRoute({
          method: 'get',
          path: '/slow',
          tag: 'meta',
          summary: 'slow',
          access: 'public',
          timeoutMs: 300,
          responses: {},
          handler: answer,
        }),
        defineRoute({
          method: 'get',
          path: '/quick',
          tag: 'meta',
          summary: 'quick',
          access: 'public',
          responses: {},
          handler: () => ({ status: 200, body: { ok: true } }),
        }),
      ],
      {
        authenticate: (_req, _res, next) => next(),
        requireRight: () => (_req, _res, next) => next(),
        idempotent: async (_req, _res, run) => run(),
        timeoutMs: 60_000,
      },
    );
    app.use(errorHandler(createLogger('silent')));
    return app;
  };

  test('When a route does not answer in time, then the caller gets 503 with Retry-After, and the late answer is not sent', async () => {
    let late: (reply: Reply) => void = () => undefined;
    const app = slowRoutes(() => new Promise<Reply>((resolve) => (late = resolve)));
    const started = Date.now();
    const res = await request(app).get('/slow');
    const waited = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('DATABASE_UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('5');
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(5_000);
    late({ status: 200, body: { late: true } }); // nothing is written twice (that would throw)
    expect((await request(app).get('/quick')).body).toEqual({ ok: true });
  });

  test('When the database connection is lost, then every waiting request is answered 503 at once, before its deadline', async () => {
    let arrived = 0;
    const app = express();
    mountRoutes(
      app,
      [
        defineRoute({
          method: 'get',
          path: '/waits',
          tag: 'meta',
          summary: 'waits',
          access: 'public',
          responses: {},
          handler: () => {
            arrived += 1;
            return new Promise<Reply>(() => undefined);
          },
        }),
      ],
      {
        authenticate: (_req, _res, next) => next(),
        requireRight: () => (_req, _res, next) => next(),
        idempotent: async (_req, _res, run) => run(),
        timeoutMs: 60_000,
      },
    );
    app.use(errorHandler(createLogger('silent')));
    const server = app.listen(0);
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const waiting = [request(url).get('/waits'), request(url).get('/waits'), request(url).get('/waits')].map((r) =>
        r.then((res) => res),
      );
      // Every request is in its handler, waiting (a fixed pause was too short on a busy machine:
      // a request that came after the loss waited for its 60 s deadline).
      while (arrived < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      const started = Date.now();
      mongoose.connection.emit('disconnected');
      const answers = await Promise.all(waiting);
      expect(answers.map((a) => a.status)).toEqual([503, 503, 503]);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      server.close();
    }
  });
});

describe('Validation of path parameters (validate)', () => {
  test('When the same parameters come again, then each request gets what Joi gave, as its own copy, and a refused set is refused every time', async () => {
    const seen: unknown[] = [];
    const app = express();
    mountRoutes(
      app,
      [
        defineRoute({
          method: 'get',
          path: '/api/things/:code',
          tag: 'meta',
          summary: 'one',
          access: 'public',
          params: Joi.object({
            code: Joi.string()
              .trim()
              .lowercase()
              .pattern(/^[a-z]{3}$/)
              .required(),
          }),
          responses: {},
          handler: ({ params }) => {
            seen.push({ ...(params as object) });
            // A handler that changes its parameters changes only its own copy.
            (params as { code: string }).code = 'changed';
            return { status: 200, body: params };
          },
        }),
      ],
      {
        authenticate: (_req, _res, next) => next(),
        requireRight: () => (_req, _res, next) => next(),
        idempotent: async (_req, _res, run) => run(),
        timeoutMs: 5_000,
      },
    );
    app.use(errorHandler(createLogger('silent')));
    for (let i = 0; i < 3; i += 1) expect((await request(app).get('/api/things/ABC')).status).toBe(200);
    expect(seen).toEqual([{ code: 'abc' }, { code: 'abc' }, { code: 'abc' }]);
    for (let i = 0; i < 2; i += 1) {
      const refused = await request(app).get('/api/things/abcd');
      expect(refused.status).toBe(400);
      expect(refused.body.details).toEqual([
        expect.objectContaining({ path: 'params.code', message: expect.stringContaining('"code"') }),
      ]);
    }
    expect(seen).toHaveLength(3);
  });
});
