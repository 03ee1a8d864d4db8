import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import express from 'express';
import expressStaticGzip from 'express-static-gzip';

/** Vite names every bundled asset `assets/<name>-<hash>.<ext>`: its content never changes. */
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const YEAR_SECONDS = 365 * 24 * 60 * 60;

/** The built client directory, or undefined when it has no index.html (client not built). */
export function clientDirectory(dir: string): string | undefined {
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}

/**
 * Serves the built client. `npm run build` writes a brotli (`.br`) and gzip (`.gz`) copy next to
 * every text asset; the one the browser accepts goes out with its Content-Encoding (brotli
 * preferred), else the plain file. Hashed assets are cached for a year (`immutable`);
 * index.html is revalidated on every load (`no-cache`), so a new release is picked up at once;
 * other files (favicon) for an hour. Any other GET that wants HTML gets index.html
 * (client-side routes); a missing `/assets/` file is a 404, never index.html.
 */
export function clientAssets(dir: string): express.Router {
  const serve = expressStaticGzip(dir, {
    enableBrotli: true,
    orderPreference: ['br', 'gzip'],
    index: false,
    serveStatic: {
      index: false,
      cacheControl: false,
      setHeaders: (res: ServerResponse, file: string) => {
        const relative = path
          .relative(dir, file)
          .split(path.sep)
          .join('/')
          .replace(/\.(br|gz)$/, '');
        res.setHeader(
          'Cache-Control',
          relative === 'index.html'
            ? 'no-cache'
            : HASHED_ASSET.test(relative)
              ? `public, max-age=${YEAR_SECONDS}, immutable`
              : 'public, max-age=3600',
        );
      },
    },
  }) as express.RequestHandler;

  const router = express.Router();
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    try {
      decodeURIComponent(req.path);
    } catch {
      return next(); // not a file name: the JSON 404 answers
    }
    // Never serve a pre-compressed copy under its own name, nor index.html as a file.
    if (/\.(br|gz)$/.test(req.path)) return next();
    return serve(req, res, next);
  });
  // Client-side routes: any other GET that wants HTML gets the app (through the same static
  // server, so compressed and with no-cache).
  router.get(/^\/(?!api\/|socket\.io\/|assets\/).*/, (req, res, next) => {
    if (!req.accepts('html')) return next();
    const original = req.url;
    req.url = '/index.html';
    serve(req, res, (err?: unknown) => {
      req.url = original;
      next(err);
    });
  });
  return router;
}
