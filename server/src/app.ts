import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import compression from 'compression';
import cors from 'cors';
import express, { type RequestHandler } from 'express';
import { rateLimit, type Options as RateLimitOptions } from 'express-rate-limit';
import { LOCALES, type Locale } from '@karavan/shared';
import { authRoutes, createAuthService, createPassport, requireRight, type AuthLimiters } from './auth';
import { VERSION, type Config } from './config';
import { databaseConnected, pingDatabase } from './db/database';
import { settled } from './db/idempotency';
import { healthRoutes } from './health/health.routes';
import { ApiError } from './lib/errors';
import { errorHandler, notFound, requireJsonBody } from './lib/error-handler';
import { createEventBus, type EventBus } from './lib/events';
import { createIdempotency } from './lib/idempotency';
import { deriveKey } from './lib/secrets';
import type { Logger } from './lib/logger';
import { requestLog } from './lib/request-log';
import { defineRoute, routeDispatch, pathPattern, sequence, type RouteSpec } from './lib/route';
import { buildOpenApiDocument } from './openapi/openapi';
import { attachRealtime, type RealtimeServer } from './realtime/realtime';
import type { RedisLink } from './realtime/redis';
import { createUsersService, usersRoutes } from './users';
import { createItemsService, itemsRoutes } from './items';
import { createLocationsService, locationsRoutes } from './locations';
import { createCampaignsService, campaignsRoutes, setDefaultTimeZone } from './campaigns';
import { createVolunteersService, volunteersRoutes } from './volunteers';
import { stockRoutes, type StockService } from './stock';
import { donationsRoutes } from './donations';
import { eventsRoutes } from './realtime/events.routes';
import { createWatermark } from './realtime/watermark';
import type { LiveEvents } from './realtime/live-events';
import { getCampaign, publicActiveCampaignIds } from './campaigns';
import { createTelegram, telegramRoutes, type Telegram } from './channels/telegram';
import { shipmentsRoutes } from './shipments';
import { createDevicesService, devicesRoutes } from './devices';
import {
  boardDataScript,
  createDashboardService,
  dashboardRoutes,
  needsBoardHtml,
  needsPageHtml,
  withRootContent,
} from './dashboard';
import { createPledgesService, pledgesRoutes } from './pledges';
import { registerRoomAuthoriser } from './realtime/rooms';
import { exportsRoutes } from './exports';
import { createDocumentsService, documentsRoutes } from './documents';
import { createLabelKeyring, createLabelsService, labelsRoutes } from './labels';
import { explainDisabledAccounts } from './lib/account-disabled';
import { clientAssets, clientDirectory } from './web/client-assets';
import { pageAssets, readClientManifest, withPageAssets } from './web/page-assets';
import { securityHeaders } from './web/security-headers';
import { createKernelServices } from './wiring';
import { channelsRoutes, createChannelsService, relayRoutes, RAW_BODY_PATHS, type RawBodyRequest } from './channels';
import { CLIENT_CONFIG_PATH, clientConfigRoutes } from './web/client-config.routes';

export interface KaravanOptions {
  config: Config;
  logger: Logger;
  /** The token signing secret (resolved at boot, see settings). */
  jwtSecret: string;
  /** With REDIS_URL: rate limits and socket rooms shared by every instance. */
  redis?: RedisLink;
  ping?: () => Promise<boolean>;
  /** false: serve only the API, without the web client or the warning that it is not built (seeds, scripts). */
  serveClient?: boolean;
}

export interface Karavan {
  app: express.Express;
  server: http.Server;
  io: RealtimeServer;
  routes: RouteSpec[];
  events: EventBus;
  /** Live events being stored and sent; `idle()` waits until all queued ones are out. */
  live: LiveEvents;
  /** The stock service (`checkExpiry()` runs the expiry alerts pass now, e.g. in tests). */
  stock: StockService;
  /** The Telegram bot and channel post, when TELEGRAM_BOT_TOKEN is set (`poster.tick()` runs a round now). */
  telegram: Telegram | undefined;
  /** Stops accepting, lets in-flight requests finish, closes sockets. The database stays open. */
  close(): Promise<void>;
}

/** Builds the HTTP app, Socket.io and every component on an open database connection. */
export function createKaravan(options: KaravanOptions): Karavan {
  const { config, logger } = options;
  // A campaign that names no time zone reads times on KARAVAN_TIME_ZONE's clock.
  setDefaultTimeZone(config.timeZone);
  const events = createEventBus();
  // Where the live-event log is complete, for catch-ups (marks shared through Redis when set).
  const watermark = createWatermark(options.redis?.seqMarks);
  const auth = createAuthService(
    {
      secret: options.jwtSecret,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      cacheSeconds: config.authCacheSeconds,
    },
    events,
  );
  const users = createUsersService(events);
  const passport = createPassport(auth, options.jwtSecret);
  const { stock, donations, shipments } = createKernelServices(events);
  const labels = createLabelsService({ shipments, signer: createLabelKeyring(config.labelKey) });
  const dashboard = createDashboardService(events, stock, logger, { cacheSeconds: config.publicCacheSeconds });
  const pledges = createPledgesService(
    events,
    { stock, donations },
    { perCampaignPerHour: config.pledgeCampaignHourlyLimit },
  );
  // Messages by SMS and Telegram, read with one command language (channels/).
  const channels = createChannelsService({ shipments, donations, dashboard, logger, sms: config.sms });
  // The Telegram bot and the drive's channel post (off without TELEGRAM_BOT_TOKEN).
  const telegram = config.telegram
    ? createTelegram(config.telegram, {
        channels,
        campaigns: publicActiveCampaignIds,
        text: async (campaignId, language) => {
          const link = config.publicUrl ? `${config.publicUrl.replace(/\/+$/, '')}/needs/${campaignId}` : null;
          try {
            return (await dashboard.summary(campaignId, language, link)).text;
          } catch (err) {
            if (err instanceof ApiError && err.status === 404) return null;
            throw err;
          }
        },
        logger,
      })
    : undefined;
  // `shipment:<id>`: whoever may read any shipment, and the shipment's assigned driver.
  registerRoomAuthoriser('shipment', (actor, id) => shipments.mayWatch(actor, id));

  const limiter = (name: string, limit: number, message: string, extra: Partial<RateLimitOptions> = {}) =>
    rateLimit({
      windowMs: config.loginRateWindowSeconds * 1000,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      ...(options.redis ? { store: options.redis.rateLimitStore(`${name}:`) } : {}),
      handler: (_req, _res, next) => next(new ApiError(429, 'RATE_LIMITED', message)),
      ...extra,
    }) as RequestHandler;
  const limiters: AuthLimiters = {
    login: limiter('login', config.loginRateLimit, 'Too many sign-in attempts; wait a minute'),
    refresh: limiter('refresh', config.refreshRateLimit, 'Too many requests; wait a minute'),
    // Per user, after authentication: guessing the current password is limited like sign-in.
    passwordChange: limiter('password', config.loginRateLimit, 'Too many password attempts; wait a minute', {
      keyGenerator: (_req, res) => `user:${(res.locals.actor as { id: string }).id}`,
      skipSuccessfulRequests: true,
    }),
  };

  const routes: RouteSpec[] = [
    ...healthRoutes(options.ping ?? (() => pingDatabase())),
    ...authRoutes(auth, passport, limiters),
    ...usersRoutes(users),
    ...itemsRoutes(createItemsService()),
    ...locationsRoutes(createLocationsService()),
    ...campaignsRoutes(createCampaignsService(events)),
    ...volunteersRoutes(createVolunteersService(events)),
    ...donationsRoutes(donations),
    ...stockRoutes(stock),
    ...eventsRoutes(watermark),
    ...shipmentsRoutes(shipments),
    ...dashboardRoutes(dashboard, config.publicUrl),
    ...pledgesRoutes(
      pledges,
      // Per address (the proxy's X-Forwarded-For with TRUST_PROXY), for everybody pledging without an account.
      limiter('pledge', config.pledgeRateLimit, 'Too many pledges from this address; try again later', {
        windowMs: 3_600_000,
      }),
    ),
    ...exportsRoutes(),
    ...labelsRoutes(labels, config.publicUrl),
    ...documentsRoutes(createDocumentsService({ shipments, donations, stock, labels, publicUrl: config.publicUrl })),
    ...clientConfigRoutes(config),
    ...telegramRoutes(telegram, config.telegram),
    ...channelsRoutes(channels, config.sms),
    ...devicesRoutes(createDevicesService()),
    ...relayRoutes(shipments),
  ];
  // Every write by a signed-in user counts against that user's write budget (shared by every
  // instance through Redis). Runs after authentication (the key is the user), before validation.
  const writes = limiter('write', config.writeRateLimit, 'Too many changes in a short time; retry after a moment', {
    windowMs: config.writeRateWindowSeconds * 1000,
    keyGenerator: (_req, res) => `user:${(res.locals.actor as { id: string }).id}`,
  });
  for (const spec of routes) {
    if (spec.method === 'get' || spec.access === 'public') continue;
    spec.before = [writes, ...(spec.before ?? [])];
    spec.rateLimited = true;
  }
  let openApi: unknown;
  routes.push(
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      tag: 'meta',
      summary: 'This OpenAPI 3.1 document',
      access: 'public',
      responses: { 200: { description: 'The document' } },
      handler: () => ({ status: 200, body: (openApi ??= buildOpenApiDocument(routes, VERSION)) }),
    }),
  );

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  const crossOrigin = cors({
    origin: (origin, callback) => callback(null, !origin || config.corsOrigins.includes(origin)),
    exposedHeaders: ['X-Request-Id', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy', 'Retry-After'],
    maxAge: 600,
  });
  // API answers are compressed (gzip or brotli, as the client accepts) over slow links: a truck
  // list or the feed history is ~100 kB of JSON. Not the sign-in answers, which hold tokens next
  // to what the caller sent (BREACH); the client's files are served compressed ahead of time.
  const compress = compression({
    threshold: 1024,
    filter: (req, res) => !req.originalUrl.startsWith('/api/auth/') && compression.filter(req, res),
  });
  // JSON.parse keeps a `__proto__` key as an own property, which the validator's copy then turns
  // into the object's prototype. Our own API refuses such a body as malformed (400), never read;
  // the webhooks of outside services (Telegram, the SMS gateway: /api/channels/), whose formats are
  // theirs and grow, drop the key instead and read the rest.
  const json = (onProto: 'refuse' | 'drop') =>
    express.json({
      limit: config.bodyLimit,
      strict: true,
      reviver: (key, value: unknown) => {
        if (key !== '__proto__') return value;
        if (onProto === 'drop') return undefined;
        throw new SyntaxError('"__proto__" is not allowed as a key');
      },
      // The decoder turns bytes that are not UTF-8 into U+FFFD without a word, which would be
      // saved as such: such a body is refused (400) before it is decoded.
      verify: (req, _res, buf, encoding) => {
        if (/^utf-?8$/i.test(encoding) && !isUtf8(buf)) {
          throw new ApiError(400, 'MALFORMED_JSON', 'The request body is not valid UTF-8');
        }
        // A webhook's signature is over the bytes as sent, not over the parsed JSON.
        if (RAW_BODY_PATHS.some((p) => ((req as express.Request).originalUrl ?? '').startsWith(p)))
          (req as RawBodyRequest).rawBody = buf;
      },
    });
  const parseWebhook = json('drop');
  const parseJson = json('refuse');
  const webhooks = RAW_BODY_PATHS.map((p) => p.replace(/\/$/, ''));
  const uploads = routes.filter((r) => r.upload).map((r) => pathPattern(r.path));

  // Every request passes these first, as one layer (see `sequence`): the router's step from one
  // layer to the next was a measured share of every request (`node tools/bench/profile.mjs`).
  // Paths are matched as Express matches a mount path: any case, whole segments.
  const under = (req: express.Request, prefix: string) => {
    const path = req.path.toLowerCase();
    return path === prefix || path.startsWith(`${prefix}/`);
  };
  const idempotent = createIdempotency(deriveKey(options.jwtSecret, 'idempotency'));
  const dispatch = routeDispatch(routes, {
    authenticate: explainDisabledAccounts(passport.authenticate, options.jwtSecret),
    requireRight,
    idempotent,
    timeoutMs: config.requestTimeoutMs,
  });
  // The routes too, as the last step of the same layer (`routes`: what it serves, for the tests).
  app.use(
    Object.assign(
      sequence([
        requestLog(logger),
        securityHeaders({ publicUrl: config.publicUrl, tileSource: config.mapTiles?.cspSource }),
        // A request without Origin is not a cross-origin one (the app's own pages, phones' API
        // calls, probes): it gets only the `Vary: Origin` caches need, not the cors package.
        function crossOriginRequests(req, res, next) {
          if (req.headers.origin !== undefined) return crossOrigin(req, res, next);
          res.setHeader('Vary', 'Origin');
          next();
        },
        function compressApi(req, res, next) {
          if (under(req, '/api')) compress(req, res, next);
          else next();
        },
        requireJsonBody(uploads),
        // A request without a body (every GET among them) skips the parsers: they would only find
        // that out. The first parser to read a body marks it read.
        function parseBody(req, res, next) {
          if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
            return next();
          }
          (webhooks.some((w) => under(req, w)) ? parseWebhook : parseJson)(req, res, next);
        },
        // The database is known to be away: fail fast (503 + Retry-After) rather than hold the request.
        function refuseWithoutDatabase(req, _res, next) {
          if (!under(req, '/api') || databaseConnected()) return next();
          const path = req.path.toLowerCase().replace(/\/$/, '');
          if (path === '/api/openapi.json' || path === CLIENT_CONFIG_PATH) return next();
          next(new ApiError(503, 'DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly'));
        },
        dispatch,
      ]),
      { routes: dispatch.routes },
    ),
  );

  app.use('/api', notFound);
  app.use('/socket.io', notFound);

  if (options.serveClient === false) {
    // (seeds and scripts: no pages to serve)
  } else if (clientDirectory(config.clientDir)) {
    // A shared needs link: the page's title and preview tags name the campaign.
    const clientDir = config.clientDir;
    // The board page's own files, named in its HTML at once (page-assets.ts).
    const needsAssets = pageAssets(readClientManifest(clientDir) ?? {}, ['src/features/needs/index.ts']);
    // (middleware, not a route: it is a page, not part of the API document)
    app.use((req, res, next) => {
      const match = /^\/needs\/([0-9a-f]{24})\/?$/.exec(req.path);
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !match || !req.accepts('html')) return next();
      const id = match[1]!;
      void dashboard
        .preview(id)
        .then(async (campaign) => {
          if (!campaign) return next();
          // The language chosen in the app (its cookie), else the browser's, else Russian: the app
          // goes on in the same language when it takes the page over (client/src/i18n).
          const chosen = /(?:^|;\s*)karavan_lang=([a-z]{2})(?:;|$)/.exec(req.headers.cookie ?? '')?.[1];
          const lang = (LOCALES.find((l) => l === chosen) ?? (req.acceptsLanguages(...LOCALES) || 'ru')) as Locale;
          const [index, board] = await Promise.all([
            fs.promises.readFile(path.join(clientDir, 'index.html'), 'utf8'),
            dashboard.publicBoard(id),
          ]);
          // Only the configured address: the Host header is the client's to choose (a poisoned cache).
          const base = config.publicUrl?.replace(/\/+$/, '');
          const url = base ? `${base}/needs/${id}` : null;
          const image = base ? `${base}/api/public/campaigns/${id}/og.png` : null;
          res.setHeader('Cache-Control', 'no-cache');
          // The board itself is in the page (read before the app's files arrive on a slow link).
          res.setHeader('Vary', 'Accept-Language, Cookie');
          const page = withRootContent(
            needsPageHtml(index, campaign, url, image),
            needsBoardHtml(board.dto, lang),
            boardDataScript(board.dto),
          );
          res.type('html').send(withPageAssets(page, needsAssets));
        })
        .catch(next);
    });
    app.use(clientAssets(config.clientDir));
  } else {
    logger.warn({ clientDir: config.clientDir }, 'client not built: only the API is served (npm run build)');
  }
  app.use(notFound);
  app.use(errorHandler(logger));

  const server = http.createServer(app);
  const realtime = attachRealtime(server, {
    auth,
    users,
    events,
    logger,
    corsOrigins: config.corsOrigins,
    snapshots: {
      rows: (locationId, lotIds) => stock.rowsAt(locationId, lotIds),
      progress: async (campaignId, seq) => {
        try {
          return await stock.progress(await getCampaign(campaignId), seq);
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) return null;
          throw err;
        }
      },
    },
    timeoutMs: config.requestTimeoutMs,
    watermark,
  });
  options.redis?.useForSockets(realtime.io);

  // Lots running out (48 h, 24 h left, expired) are announced once each, by whichever instance
  // notices first (see stock.checkExpiry).
  const checkExpiry = () => stock.checkExpiry().catch((err: unknown) => logger.warn({ err }, 'expiry check failed'));
  const expiryTimer =
    config.expiryCheckSeconds > 0 ? setInterval(() => void checkExpiry(), config.expiryCheckSeconds * 1000) : null;
  expiryTimer?.unref();
  // A campaign closed while this process was down, or whose purge was cut short: its pledges'
  // contacts are purged now (the close itself purges them at once).
  void pledges.purgeClosed().catch((err: unknown) => logger.warn({ err }, 'pledge contact purge failed'));
  telegram?.start();

  return {
    app,
    server,
    io: realtime.io,
    live: realtime.live,
    routes,
    events,
    stock,
    telegram,
    close: () =>
      new Promise<void>((resolve) => {
        if (expiryTimer) clearInterval(expiryTimer);
        void telegram?.close();
        realtime.detach();
        // Closes every socket, then the HTTP server, which waits for in-flight requests; then
        // lets the live events already queued be stored.
        void realtime.io.close(() => {
          Promise.all([realtime.live.idle(), settled()]).then(() => resolve(), resolve);
        });
        server.closeIdleConnections();
      }),
  };
}
