import type { Request, RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Security headers (helmet). Two of them only make sense when Karavan is reached over HTTPS:
 * `upgrade-insecure-requests` makes the browser fetch every script over https, and HSTS pins
 * the host to https. Sent over plain http (phones on the local network open
 * http://192.168.x.y:8080) the first leaves a blank page and the second is wrong, so both go
 * out only when the request came over HTTPS: a TLS socket, or `X-Forwarded-Proto: https` from a
 * trusted proxy (TRUST_PROXY), or PUBLIC_URL set to an https:// address. The same holds for
 * Cross-Origin-Opener-Policy, which browsers ignore (with a console error) on plain http.
 *
 * `connect-src 'self'`: the client talks to its own origin only (fetch and Socket.io's
 * WebSocket; CSP Level 3 browsers let 'self' match ws:/wss: of the same host and port).
 * `img-src 'self' data:` plus the map tile server's origin (MAP_TILE_URL), and nothing else.
 */
export function securityHeaders(options: { publicUrl?: string; tileSource?: string }): RequestHandler {
  const alwaysHttps = options.publicUrl?.startsWith('https://') ?? false;
  const headers = (https: boolean): [string, string][] => {
    const config: HelmetOptions = {
      contentSecurityPolicy: {
        directives: {
          'connect-src': ["'self'"],
          'img-src': ["'self'", 'data:', ...(options.tileSource ? [options.tileSource] : [])],
          'upgrade-insecure-requests': https ? [] : null,
        },
      },
      strictTransportSecurity: https ? { maxAge: 365 * 24 * 60 * 60, includeSubDomains: false } : false,
      // Browsers ignore it on an untrustworthy (plain http, not localhost) origin, with a console error.
      crossOriginOpenerPolicy: https,
    };
    return precomputed(helmet(config));
  };
  const overHttps = headers(true);
  const overHttp = headers(false);
  return function setSecurityHeaders(req: Request, res, next) {
    for (const [name, value] of alwaysHttps || req.secure ? overHttps : overHttp) res.setHeader(name, value);
    next();
  };
}

/**
 * The headers a helmet middleware sets, computed once: they depend only on its options (no
 * nonce, no function directive), so a request gets them from a list instead of a dozen
 * middlewares each building and setting its own (a measured share of every request's time).
 */
function precomputed(middleware: RequestHandler): [string, string][] {
  const set = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: unknown) => set.set(name, String(value)),
    removeHeader: (name: string) => set.delete(name),
  };
  let called = false;
  void middleware({} as Request, res as never, () => (called = true));
  if (!called) throw new Error('helmet did not finish synchronously: its headers cannot be computed once');
  return [...set];
}
