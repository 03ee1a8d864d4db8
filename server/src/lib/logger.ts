import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  /** Short human lines instead of JSON. Default: when stdout is a terminal and no destination is given. */
  pretty?: boolean;
}

/**
 * In a terminal (`npm start` by hand): one short line per event, e.g.
 * `09:12:03 INFO  GET /api/users 200 12ms`. Elsewhere (a service manager, a container, a pipe):
 * JSON lines on stdout; every request-scoped line carries `reqId` (see lib/request-log.ts).
 */
export function createLogger(level: string, destination?: DestinationStream, options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? (destination === undefined && process.stdout.isTTY === true);
  return pino(
    {
      level,
      base: { service: 'karavan' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          '*.password',
          '*.currentPassword',
          '*.newPassword',
          '*.refreshToken',
          '*.accessToken',
        ],
        censor: '[redacted]',
      },
    },
    pretty ? prettyStream(destination) : destination,
  );
}

/** Query parameters whose values are secrets: their values never reach a log line. */
const SECRET_PARAM = /token|password|passwd|secret|key|auth|code|session|signature|sig$|otp|jwt|cookie|credential/i;

/** A JSON Web Token: three base64url parts (the last may be empty: an unsigned token). */
const JWT_SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;
/** A long random token (base64, base64url, hex): 32 or more such characters, letters and digits mixed. */
const TOKEN_SHAPE = /^[A-Za-z0-9_~+/.=-]{32,}$/;
const OBJECT_ID = /^[0-9a-f]{24}$/;

/** True for a value that looks like a secret whatever its parameter is called. */
export function looksLikeSecret(value: string): boolean {
  if (OBJECT_ID.test(value)) return false;
  if (JWT_SHAPE.test(value)) return true;
  return TOKEN_SHAPE.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

/**
 * The URL as it may be logged: values of auth-like query parameters (`?access_token=...`,
 * `?password=...`) are replaced by `[redacted]`, and so is any value shaped like a secret
 * (a JWT, a long random token) whatever its name (`?q=<a pasted token>`); the path, ids and
 * other parameters stay.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judge the raw name
      }
      if (eq === -1) return pair;
      let value = pair.slice(eq + 1);
      try {
        value = decodeURIComponent(value.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judge the raw value
      }
      return SECRET_PARAM.test(name) || looksLikeSecret(value) ? `${rawName}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

interface PrettyRecord {
  msg?: string;
  reqId?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

// A request's completion line reads `GET /api/users 200 12ms (reqId)`; other lines their message
// (with the request id when they belong to a request), then any extra fields on the same line.
function shortLine(log: Record<string, unknown>): string {
  const record = log as PrettyRecord;
  const id = record.reqId ? ` (${record.reqId})` : '';
  if (record.req?.method && record.res) {
    return `${record.req.method} ${record.req.url} ${record.res.statusCode} ${record.responseTime}ms${id}`;
  }
  return `${record.msg ?? ''}${id}`;
}

function prettyStream(destination?: DestinationStream): DestinationStream {
  return pinoPretty({
    destination: destination ?? 1,
    sync: true,
    colorize: destination === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service,req,res,responseTime,reqId,port,urls',
    messageFormat: shortLine,
    singleLine: true,
  });
}
