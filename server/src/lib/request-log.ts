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
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    const fields = req as unknown as LogFields;
    fields.id = id;
    fields[BASE_LOGGER] = logger;
    fields[CHILD_LOGGER] = undefined;
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

const BASE_LOGGER = Symbol('karavan.requestLogger');
const CHILD_LOGGER = Symbol('karavan.requestChildLogger');
interface LogFields {
  id: string;
  [BASE_LOGGER]: Logger;
  [CHILD_LOGGER]: Logger | undefined;
}

// `req.log` is a getter on Express's request prototype, made once: defining it on every request
// (a closure and an accessor per request) turned each request object into a slower shape, and
// cost about 3 % of a whole request's time (`npm run bench`, case 1).
Object.defineProperty(express.request, 'log', {
  configurable: true,
  get(this: Partial<LogFields>): Logger | undefined {
    const base = this[BASE_LOGGER];
    return base && (this[CHILD_LOGGER] ??= base.child({ reqId: this.id }));
  },
});
