import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { redactUrl, type Logger } from './logger';

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's id (X-Request-Id). */
    id: string;
    /** A logger whose lines carry the request's id. */
    log: Logger;
  }
}

/** A client's X-Request-Id is taken only in this strict form; anything else gets a fresh UUID. */
const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;
/** Probes: asked every few seconds by a load balancer, never logged. */
const PROBES = new Set(['/healthz', '/readyz']);

type Level = 'error' | 'info' | 'debug';

/**
 * The request id and one log line per request. Every request gets an id (the client's
 * X-Request-Id when well formed, else a UUID), sent back in X-Request-Id; `req.log` is a child
 * logger whose every line carries `reqId`, made only when something logs through it. When the
 * response is done, one line says what happened: `request completed` (debug below 400, info for
 * 4xx), `request errored` (error: 5xx or an error the handler reported in `res.err`), or
 * `request aborted` (info: the client went away first). It is built only when its level is
 * enabled, from plain fields: the request is never serialised whole (pino-http made two child
 * loggers and serialised the request for each request, logged or not).
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    req.id = id;
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', {
      configurable: true,
      get: () => (child ??= logger.child({ reqId: id })),
    });
    if (PROBES.has(req.url)) return next();

    const started = performance.now();
    const done = () => {
      res.removeListener('finish', done);
      res.removeListener('close', done);
      const err = (res as { err?: unknown }).err;
      const aborted = !res.writableFinished;
      const failed = err !== undefined || res.statusCode >= 500;
      const level: Level = failed ? 'error' : aborted || res.statusCode >= 400 ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          reqId: id,
          req: { id, method: req.method, url: redactUrl(req.originalUrl) },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - started),
          ...(failed ? { err: err ?? new Error(`failed with status code ${res.statusCode}`) } : {}),
        },
        failed ? 'request errored' : aborted ? 'request aborted' : 'request completed',
      );
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
