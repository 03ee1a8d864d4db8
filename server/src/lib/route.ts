import { createHash } from 'node:crypto';
import fresh from 'fresh';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type Joi from 'joi';
import type { ErrorDetail, Right, Role } from '@karavan/shared';
import { onDatabaseLost } from '../db/database';
import { ApiError } from './errors';

/** Who is calling: set by authentication, passed to every service function. */
export interface Actor {
  id: string;
  role: Role;
  email: string;
  mustChangePassword: boolean;
  /** The sign-in (session family) the caller's access token belongs to; unset outside HTTP and sockets. */
  sessionFamily?: string;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Reply {
  status: number;
  body?: unknown;
  /** A body that is not JSON (e.g. an HTML page), sent as is with `contentType`. */
  raw?: { contentType: string; content: string | Buffer };
  headers?: Record<string, string>;
}

export interface HandlerContext<B, Q, P> {
  /** Undefined only on public routes. */
  actor: Actor | undefined;
  body: B;
  query: Q;
  params: P;
  req: Request;
  res: Response;
}

export interface ResponseSpec {
  description: string;
  /** Joi schema of the body, converted for the OpenAPI document. */
  schema?: Joi.Schema;
  /** Media type of a body that is not JSON (e.g. `text/html`). */
  contentType?: string;
}

/** Everything about one route: access rule, input schemas, OpenAPI text and handler. */
export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: HttpMethod;
  /** Express path, e.g. `/api/users/:id`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** `public`, `authenticated` (any signed-in user) or the right the caller's role must have. */
  access: 'public' | 'authenticated' | Right;
  /** Reachable while the caller still has to replace a one-time password. */
  allowPendingPasswordChange?: boolean;
  body?: Joi.ObjectSchema<B>;
  query?: Joi.ObjectSchema<Q>;
  params?: Joi.ObjectSchema<P>;
  /**
   * The body is a file, not JSON (e.g. a photo): one of `contentTypes` (else 415), at most
   * `maxBytes` (else 413), read only once the caller is authenticated. The handler finds it in
   * `res.locals.upload` ({ bytes, contentType }); the Idempotency-Key fingerprints its SHA-256.
   */
  upload?: { contentTypes: readonly string[]; maxBytes: number };
  /** Honours the Idempotency-Key header (every POST that creates something). */
  idempotent?: boolean;
  /** Extra middleware run before validation, e.g. a rate limiter. */
  before?: RequestHandler[];
  /** How long the route may take before the caller gets a 503 (default: REQUEST_TIMEOUT_MS). */
  timeoutMs?: number;
  /** A rate limiter guards the route (in `before`): the document lists its 429. */
  rateLimited?: boolean;
  responses: Record<number, ResponseSpec>;
  handler(ctx: HandlerContext<B, Q, P>): Promise<Reply> | Reply;
}

/** Keeps the type link between a route's schemas and its handler. */
export function defineRoute<B = undefined, Q = undefined, P = undefined>(
  spec: RouteSpec<B, Q, P>,
): RouteSpec<unknown, unknown, unknown> {
  return spec as unknown as RouteSpec<unknown, unknown, unknown>;
}

export interface RouteMiddleware {
  authenticate: RequestHandler;
  requireRight(spec: RouteSpec): RequestHandler;
  /** Runs a create at most once per Idempotency-Key; replays return the first reply. */
  idempotent(req: Request, res: Response, run: () => Promise<Reply>): Promise<Reply>;
  /** Default deadline of a route, in ms (REQUEST_TIMEOUT_MS). */
  timeoutMs: number;
}

/** A request waiting for its answer, and when it gets a 503 instead (see deadline). */
interface Watch {
  res: Response;
  at: number;
  answer: () => void;
}
const watched = new Set<Watch>();
let sweeper: NodeJS.Timeout | undefined;
let watchingLoss = false;
/** How often the deadlines are checked: a request gets its 503 at most this much late. */
const SWEEP_MS = 50;

function sweep(): void {
  const now = performance.now();
  for (const watch of watched) {
    if (watch.res.headersSent || watch.res.destroyed) watched.delete(watch);
    else if (watch.at <= now) {
      watched.delete(watch);
      watch.answer();
    }
  }
  if (watched.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/** The request's deadline is over: it was answered (send and the error handler call this). */
export function releaseDeadline(res: Response): void {
  const watch = res.locals.deadline as Watch | undefined;
  if (watch) watched.delete(watch);
}

/**
 * Answers 503 when the route has not answered within `ms`: a frozen or unreachable database
 * must not hold a request (and the phone behind it) for minutes. The rest of the chain is then
 * skipped (see mountRoutes), so a late database answer does not start a write the caller was
 * told had failed. When the database goes away, every waiting request is answered at once.
 *
 * One sweep every SWEEP_MS checks every waiting request, instead of a timer, a database-loss
 * listener and two response listeners per request (about 4 % of a whole request's time,
 * `npm run bench` case 1). An answered request leaves the set when it is sent (releaseDeadline)
 * or, for one that streams its answer or lost its client, at the next sweep.
 */
export function deadline(ms: number): RequestHandler {
  // (named functions: CPU profiles show these names; see tools/bench/profile.mjs)
  return function watchDeadline(_req: Request, res: Response, next: NextFunction) {
    const watch: Watch = {
      res,
      at: performance.now() + ms,
      answer: () => {
        if (res.headersSent || res.locals.timedOut) return;
        res.locals.timedOut = true;
        next(
          new ApiError(
            503,
            'DATABASE_UNAVAILABLE',
            'The server could not answer in time: the database is slow or unavailable; retry shortly',
          ),
        );
      },
    };
    res.locals.deadline = watch;
    watched.add(watch);
    sweeper ??= setInterval(sweep, SWEEP_MS).unref();
    if (!watchingLoss) {
      watchingLoss = true;
      // The database went away: answer now rather than wait for the deadline.
      onDatabaseLost(() => {
        for (const waiting of [...watched]) {
          watched.delete(waiting);
          waiting.answer();
        }
      });
    }
    next();
  };
}

const VALIDATE_OPTIONS: Joi.ValidationOptions = { abortEarly: false, convert: true, errors: { wrap: { label: '"' } } };
/** Validation errors for rules the OpenAPI document cannot state, answered 422 (not 400) saying this. */
const SEMANTIC_TYPES = new Map([
  ['array.unique', 'A list repeats an entry'],
  ['unit.base', 'A pack unit is named like a base unit'],
]);

function toDetails(error: Joi.ValidationError, part: string): ErrorDetail[] {
  return error.details.map((d) => ({
    path: [part, ...d.path].join('.'),
    message: d.message,
    type: d.type,
  }));
}

/** How many path parameter sets of one route are kept validated (see validate). */
const KEPT_PARAMS = 1_000;

/**
 * A path's parameters as a key, when every one is text (they always are: Express gives strings),
 * for the validated copies kept by validate.
 */
function paramsKey(params: unknown): string | undefined {
  if (!params || typeof params !== 'object') return undefined;
  let key = '';
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== 'string') return undefined;
    key += `${name}\u0000${value}\u0000`;
  }
  return key;
}

/**
 * Validates params, query and body; the converted values go to res.locals (Express 5's req.query is
 * read-only). The options are applied to each schema once (Joi merges them at every call when they
 * are passed), and a route keeps the last KEPT_PARAMS path parameter sets that passed, as Joi gave
 * them when every value is text: the same shipment or campaign asked again and again (a driver's
 * screen, a dashboard) is not validated again; each request gets its own copy.
 */
export function validate(spec: Pick<RouteSpec, 'body' | 'query' | 'params'>): RequestHandler {
  const schemas = {
    params: spec.params?.prefs(VALIDATE_OPTIONS),
    query: spec.query?.prefs(VALIDATE_OPTIONS),
    body: spec.body?.prefs(VALIDATE_OPTIONS),
  };
  const keptParams = new Map<string, Record<string, string>>();
  return function validateInput(req: Request, res: Response, next: NextFunction) {
    const details: ErrorDetail[] = [];
    const key = schemas.params ? paramsKey(req.params) : undefined;
    const kept = key === undefined ? undefined : keptParams.get(key);
    for (const part of ['params', 'query', 'body'] as const) {
      if (part === 'params' && kept) {
        res.locals.params = { ...kept };
        continue;
      }
      const schema = schemas[part];
      const input: unknown = req[part];
      if (!schema) {
        const empty =
          input === undefined || (typeof input === 'object' && input !== null && Object.keys(input).length === 0);
        if (!empty && part !== 'params') {
          details.push({ path: part, message: `"${part}" is not allowed on this route`, type: 'object.unknown' });
        }
        res.locals[part] = undefined;
        continue;
      }
      const { error, value } = schema.validate(input ?? {});
      if (error) details.push(...toDetails(error, part));
      else res.locals[part] = value;
      if (part === 'params' && !error && key !== undefined && paramsKey(value) !== undefined) {
        if (keptParams.size >= KEPT_PARAMS) keptParams.delete(keptParams.keys().next().value!);
        keptParams.set(key, { ...(value as Record<string, string>) });
      }
    }
    if (details.length > 0) {
      // A list that repeats an entry (two targets for one item) matches its JSON Schema, which
      // cannot say "unique by key"; a pack unit named "Loaf " is a base unit only once trimmed and
      // lower-cased. Like other rules the document cannot state, these are a 422.
      next(
        details.every((d) => SEMANTIC_TYPES.has(d.type ?? ''))
          ? new ApiError(422, 'UNPROCESSABLE', SEMANTIC_TYPES.get(details[0]!.type!)!, details)
          : new ApiError(400, 'VALIDATION_FAILED', 'The request is not valid', details),
      );
      return;
    }
    next();
  };
}

/** An Express path (`/api/x/:id/y`) as a regular expression of the paths it serves. */
export const pathPattern = (path: string) => new RegExp(`^${path.replace(/:[A-Za-z]+/g, '[^/]+')}/?$`);

/** The raw body of an upload route (RouteSpec.upload): its type checked, its size limited. */
function readUpload(upload: NonNullable<RouteSpec['upload']>): RequestHandler[] {
  const raw = express.raw({ type: () => true, limit: upload.maxBytes });
  return [
    (req, _res, next) => {
      const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!upload.contentTypes.includes(type)) {
        next(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `Send the body as one of ${upload.contentTypes.join(', ')}`));
        return;
      }
      next();
    },
    raw,
    (req, res, next) => {
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (bytes.length === 0) {
        next(
          new ApiError(422, 'UNPROCESSABLE', 'The body is empty: send the file', [
            { path: 'body', message: 'is empty', type: 'any.required' },
          ]),
        );
        return;
      }
      const contentType = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      res.locals.upload = { bytes, contentType };
      req.body = undefined;
      next();
    },
  ];
}

/** After validation: what the Idempotency-Key fingerprints of an upload, the file's hash and type. */
const fingerprintUpload: RequestHandler = (req, res, next) => {
  const { bytes, contentType } = res.locals.upload as { bytes: Buffer; contentType: string };
  req.body = { sha256: createHash('sha256').update(bytes).digest('hex'), contentType };
  next();
};

/**
 * The routes' group of a path: its first two segments, lower-cased (Express matches paths without
 * regard to case or a trailing slash), e.g. `/api/shipments` for `/api/shipments/:id/updates`.
 */
export function routeGroup(path: string): string {
  const second = path.indexOf('/', 1);
  const third = second < 0 ? -1 : path.indexOf('/', second + 1);
  const prefix = third < 0 ? path : path.slice(0, third);
  return (prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix).toLowerCase();
}

/** A route as the dispatcher serves it. */
export interface MountedRoute {
  method: HttpMethod;
  path: string;
}

/** A middleware that serves the routes (`routes`: every one it serves, in order). */
export type RouteDispatch = RequestHandler & { routes: MountedRoute[] };

/** A parameter's value as Express's router gives it: URI-decoded, or a 400 when it cannot be. */
function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch (err) {
    if (err instanceof URIError) {
      err.message = `Failed to decode param '${value}'`;
      (err as URIError & { status: number }).status = 400;
    }
    throw err;
  }
}

/** Matches a request path's segments (segmentsOf) as Express 5 matches a route's path. */
export type PathMatcher = (segments: string[]) => Record<string, string> | undefined;

/** The segments of a request's path, one trailing slash ignored (the first is always ''). */
export const segmentsOf = (path: string) =>
  (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/');

/**
 * A route path made of fixed segments and whole-segment parameters (`/api/shipments/:id/updates`),
 * the only kind Karavan has; any other syntax of path-to-regexp is refused when routes are mounted.
 * Matched as Express 5 matches it: fixed segments in any ASCII case, a parameter one segment of at
 * least one character, URI-decoded (400 when it cannot be), one trailing slash allowed.
 */
export function pathMatcher(path: string): PathMatcher {
  if (!path.startsWith('/') || (path.endsWith('/') && path !== '/')) {
    throw new Error(`a route path starts and does not end with /: ${path}`);
  }
  const compiled = path
    .split('/')
    .slice(1)
    .map((part) => {
      if (/^:[A-Za-z_$][\w$]*$/.test(part)) return { param: part.slice(1) };
      if (/[:*?+!(){}[\]\\]/.test(part)) throw new Error(`a route path has whole-segment parameters only: ${path}`);
      return part.toLowerCase();
    });
  return (segments) => {
    if (segments.length !== compiled.length + 1) return undefined;
    const raw: [string, string][] = [];
    for (let i = 0; i < compiled.length; i += 1) {
      const part = compiled[i]!;
      const segment = segments[i + 1]!;
      if (typeof part !== 'string') {
        if (segment === '') return undefined;
        raw.push([part.param, segment]);
        continue;
      }
      if (segment.length !== part.length) return undefined;
      for (let k = 0; k < part.length; k += 1) {
        let c = segment.charCodeAt(k);
        if (c >= 65 && c <= 90) c += 32; // ASCII letters only, as a case-insensitive RegExp without the u flag
        if (c !== part.charCodeAt(k)) return undefined;
      }
    }
    const params: Record<string, string> = {};
    for (const [name, value] of raw) params[name] = decodeParam(value);
    return params;
  };
}

/**
 * Mounts routes with the fixed chain: authenticate -> requireRight -> before -> validate -> handler
 * (idempotent where marked), served as Express's router serves them but without its layers. The
 * routes are grouped by their first two segments (routeGroup); a request is matched against its
 * group's paths only, segment by segment. Within a group: a known path asked with a method it
 * does not take is 405 naming the ones it takes (GET brings HEAD), checked before any route, so
 * that `PATCH /campaigns/defaults` is not taken for `PATCH /campaigns/:id`; then the first route
 * whose method and path match takes it. Express's router (a layer per path for the 405s, one per
 * route, its `next` between them) was 6 % of a `/healthz` request's time and 5 % of a shipment
 * read's (`node tools/bench/profile.mjs`).
 */
export function mountRoutes(router: Pick<Router, 'use'>, routes: RouteSpec[], mw: RouteMiddleware): void {
  router.use(routeDispatch(routes, mw));
}

/** The middleware that serves the routes (see mountRoutes), to be placed where the caller needs it. */
export function routeDispatch(routes: RouteSpec[], mw: RouteMiddleware): RouteDispatch {
  interface KnownPath {
    path: string;
    match: PathMatcher;
    methods: string[];
    served: string[];
    allow: string;
  }
  interface Mounted {
    method: string;
    match: PathMatcher;
    chain: RequestHandler;
  }
  const groups = new Map<string, { paths: Map<string, KnownPath>; routes: Mounted[] }>();
  for (const spec of routes) {
    const group = routeGroup(spec.path);
    if (group.includes(':')) throw new Error(`a route's first two segments must be fixed: ${spec.path}`);
    const entry = groups.get(group) ?? { paths: new Map<string, KnownPath>(), routes: [] };
    groups.set(group, entry);
    const match = pathMatcher(spec.path);
    const known = entry.paths.get(spec.path) ?? { path: spec.path, match, methods: [], served: [], allow: '' };
    known.methods.push(spec.method.toUpperCase());
    // GET brings HEAD, named last (as before).
    known.served = [...known.methods, ...(known.methods.includes('GET') ? ['HEAD'] : [])];
    known.allow = known.served.join(', ');
    entry.paths.set(spec.path, known);
    entry.routes.push({ method: spec.method.toUpperCase(), match, chain: routeChain(spec, mw) });
  }
  const dispatch = ((req: Request, res: Response, next: NextFunction) => {
    const group = groups.get(routeGroup(req.path));
    if (!group) return next();
    const segments = segmentsOf(req.path);
    // HEAD is served by the GET route, as Express does.
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    let i = 0;
    const take = (err?: unknown): void => {
      if (err !== undefined && err !== null && err !== 'route') return next(err);
      try {
        while (i < group.routes.length) {
          const route = group.routes[i++]!;
          if (route.method !== method) continue;
          const params = route.match(segments);
          if (!params) continue;
          req.params = params;
          void route.chain(req, res, take);
          return;
        }
      } catch (error) {
        return next(error); // a parameter that is not valid percent-encoding (400)
      }
      next();
    };
    try {
      for (const known of group.paths.values()) {
        if (known.served.includes(req.method) || !known.match(segments)) continue;
        res.setHeader('Allow', known.allow);
        const message = `${req.method} is not allowed on ${known.path}; use ${known.allow}`;
        return next(new ApiError(405, 'METHOD_NOT_ALLOWED', message));
      }
    } catch (error) {
      return next(error);
    }
    take();
  }) as RouteDispatch;
  dispatch.routes = routes.map((spec) => ({ method: spec.method, path: spec.path }));
  return dispatch;
}

/** A route's chain (see mountRoutes) as one handler. */
function routeChain(spec: RouteSpec, mw: RouteMiddleware): RequestHandler {
  const chain: RequestHandler[] = [deadline(spec.timeoutMs ?? mw.timeoutMs)];
  if (spec.access !== 'public') chain.push(mw.authenticate, mw.requireRight(spec));
  if (spec.upload) chain.push(...readUpload(spec.upload));
  chain.push(...(spec.before ?? []), validate(spec));
  if (spec.upload) chain.push(fingerprintUpload);
  chain.push(async function handleRoute(req: Request, res: Response) {
    if (res.locals.timedOut || res.headersSent) return; // already answered 503: do nothing late
    const run = () =>
      spec.handler({
        actor: res.locals.actor as Actor | undefined,
        body: res.locals.body,
        query: res.locals.query,
        params: res.locals.params,
        req,
        res,
      });
    if (spec.idempotent) return send(res, await mw.idempotent(req, res, async () => run()));
    const reply = run();
    // A handler that answers at once (probes, kept documents) is sent without a turn of the
    // microtask queue for the chain's sake.
    send(res, reply instanceof Promise ? await reply : reply);
  });
  return sequence(chain);
}

/**
 * The route's chain as one handler, run as Express runs a route's handlers: each calls `next()`
 * to go on or `next(err)` to hand the error on (`'route'` skips the rest), and a thrown error or
 * a rejected promise is handed on. One layer instead of one per step: Express's route dispatch
 * of each step (its `next`, a method check, a promise check) was a measured share of a request.
 */
export function sequence(chain: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, out: NextFunction) => {
    let step = 0;
    const next = (err?: unknown) => {
      if (err === 'route') return out();
      if (err !== undefined && err !== null && err !== false) return out(err);
      const handler = chain[step++];
      if (!handler) return out();
      try {
        const result: unknown = handler(req, res, next);
        if (result instanceof Promise) result.catch((error: unknown) => out(error ?? new Error('Rejected promise')));
      } catch (error) {
        out(error);
      }
    };
    next();
  };
}

export function send(res: Response, reply: Reply): void {
  if (res.headersSent) return; // the deadline answered first
  releaseDeadline(res);
  if (reply.headers) res.set(reply.headers);
  res.status(reply.status);
  if (reply.raw) res.type(reply.raw.contentType).send(reply.raw.content);
  else if (reply.body === undefined) res.end();
  else sendJson(res, reply.body);
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** The weak ETag Express makes of the same bytes (the `etag` package's): their length, then SHA-1. */
export const weakEtag = (body: string | Buffer, length = Buffer.byteLength(body)) =>
  `W/"${length.toString(16)}-${createHash('sha1').update(body).digest('base64').slice(0, 27)}"`;

/**
 * `res.json(body)` as Express 5 answers it (the same bytes, Content-Type, Content-Length, weak
 * ETag, 304 for a fresh GET or HEAD, no body for HEAD, 204 and 304), without its generic steps:
 * each header looked up and set through Express's helpers, the Content-Type parsed and formatted
 * again for its charset, the body copied into a Buffer to be hashed. Those steps were about a
 * tenth of a `/healthz` request's time (`node tools/bench/profile.mjs /healthz`). A reply that
 * brings its own Content-Type or Transfer-Encoding, or a 205, goes through Express as before.
 * One difference: a reply marked `Cache-Control: no-store` gets no ETag (nothing keeps it to
 * revalidate).
 */
export function sendJson(res: Response, body: unknown): void {
  const text = JSON.stringify(body) as string | undefined;
  if (
    text === undefined ||
    res.hasHeader('Content-Type') ||
    res.hasHeader('Transfer-Encoding') ||
    res.statusCode === 205
  ) {
    res.json(body);
    return;
  }
  const length = Buffer.byteLength(text);
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', length);
  let etag = res.getHeader('ETag');
  // A reply no cache may keep (the health checks) is never revalidated: no tag to hash for it.
  if (etag === undefined && !String(res.getHeader('Cache-Control') ?? '').includes('no-store')) {
    etag = weakEtag(text, length);
    res.setHeader('ETag', etag);
  }
  const { req } = res;
  const status = res.statusCode;
  if (
    (req.method === 'GET' || req.method === 'HEAD') &&
    ((status >= 200 && status < 300) || status === 304) &&
    (req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined) &&
    fresh(req.headers, { etag, 'last-modified': res.getHeader('Last-Modified') as string | undefined })
  ) {
    res.statusCode = 304;
  }
  let chunk = text;
  if (res.statusCode === 204 || res.statusCode === 304) {
    res.removeHeader('Content-Type');
    res.removeHeader('Content-Length');
    chunk = '';
  }
  if (req.method === 'HEAD') res.end();
  else res.end(chunk);
}
