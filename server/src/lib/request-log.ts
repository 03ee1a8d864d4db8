import { randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
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
  return function logRequest(req, res, next) {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    const locals = res.locals as LogLocals;
    locals.requestId = id;
    locals.requestLogger = logger;
    if (PROBES.has(req.url)) return next();

    const started = performance.now();
    // 'close' follows 'finish' on every response, and comes alone when the client went away.
    res.once('close', () => {
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
    });
    next();
  };
}

/** Where a request's id and logger are kept: the response's locals (see below). */
interface LogLocals {
  requestId?: string;
  requestLogger?: Logger;
  requestChildLogger?: Logger;
}

// `req.id` and `req.log` are getters on Express's request prototype, made once, reading the
// response's locals. Adding properties to the request object, or defining an accessor on it, is
// slow in V8 (Node's request has many fields already): the three stores of the id and the logger
// took three quarters of this middleware's time, about 3 % of a /healthz request's (profiled with
// `node tools/bench/profile.mjs /healthz`). `res.locals` is a dictionary made for such values.
const localsOf = (req: { res?: { locals?: unknown } }) => req.res?.locals as LogLocals | undefined;
Object.defineProperty(express.request, 'id', {
  configurable: true,
  get(this: { res?: { locals?: unknown } }): string | undefined {
    return localsOf(this)?.requestId;
  },
});
Object.defineProperty(express.request, 'log', {
  configurable: true,
  get(this: { res?: { locals?: unknown } }): Logger | undefined {
    const locals = localsOf(this);
    const base = locals?.requestLogger;
    return base && (locals.requestChildLogger ??= base.child({ reqId: locals.requestId }));
  },
});
