import Joi from 'joi';
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_TIME_ZONE, LOCALES, timeZone, type Locale } from '@karavan/shared';
import { passwordProblem } from './lib/passwords';
import type { SmsSettings } from './channels';

/** The repository root, from server/src or server/dist alike. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

export interface Config {
  env: 'production' | 'development' | 'test';
  port: number;
  host: string;
  /** Unset: the embedded database is started and used. */
  mongodbUri: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  /** Unset: a secret is generated once and kept in the database, shared by every instance. */
  jwtSecret: string | undefined;
  accessTokenTtlSeconds: number;
  /** How long a checked access token's user and session are remembered (0: checked on every request). */
  authCacheSeconds: number;
  refreshTokenTtlSeconds: number;
  corsOrigins: string[];
  logLevel: string;
  loginRateLimit: number;
  loginRateWindowSeconds: number;
  /** Refresh and sign-out calls allowed per client address and LOGIN_RATE_WINDOW_SECONDS. */
  refreshRateLimit: number;
  /**
   * Writes (POST, PUT, PATCH, DELETE by a signed-in user) allowed per user and
   * WRITE_RATE_WINDOW_SECONDS. Generous: a phone replaying a day's outbox or a busy intake desk
   * stays well under it; a runaway script or a stolen token does not.
   */
  writeRateLimit: number;
  writeRateWindowSeconds: number;
  /** Pledges one address may make per hour (the public pledge form). */
  pledgeRateLimit: number;
  /** New pledges one campaign takes per hour, from every address together. */
  pledgeCampaignHourlyLimit: number;
  /** How long one computed public board is served to everybody (dropped sooner when its numbers change). */
  publicCacheSeconds: number;
  bodyLimit: string;
  trustProxy: number;
  /** Where users reach Karavan, e.g. https://karavan.example.org; https:// turns on HSTS and upgrade-insecure-requests. */
  publicUrl: string | undefined;
  shutdownTimeoutMs: number;
  /** How long a request may take (waiting for the database, mostly) before it gets a 503. */
  requestTimeoutMs: number;
  clientDir: string;
  /** How often the server looks for lots with 48 h or 24 h left or just expired (0: never). */
  expiryCheckSeconds: number;
  /** IANA time zone of a campaign that names none (KARAVAN_TIME_ZONE, default Asia/Bishkek). */
  timeZone: string;
  /**
   * The base map under the dashboard's, the needs page's and the places' maps: a Leaflet URL
   * template (`{z}`, `{x}`, `{y}`, optional `{s}` subdomain and `{r}` retina suffix), its
   * attribution, and the CSP source the browser may load images from. Undefined: no base map
   * (the maps show their points on a plain background).
   */
  mapTiles: MapTiles | undefined;
  /**
   * The deployment's label-signing key (Ed25519), from KARAVAN_LABEL_KEY (a PKCS#8 PEM or a private
   * JWK). Unset: one is generated once and kept in the database, shared by every instance.
   */
  labelKey: KeyObject | undefined;
  /**
   * The SMS channel (an "SMS Gateway for Android" phone): its API, basic-auth user and password,
   * and the webhook signing key. Undefined: the channel is off (its webhook answers 404).
   */
  sms: SmsSettings | undefined;
  /** The Telegram bot and channel post (TELEGRAM_*); undefined: off. */
  telegram: TelegramConfig | undefined;
}

export interface TelegramConfig {
  token: string;
  /** The Bot API's root (tests point it at a fake server). */
  apiRoot: string;
  /** Set: updates come to POST /api/channels/telegram/webhook with this secret; unset: long polling. */
  webhookSecret: string | undefined;
  /** The drive's channel (`@name` or its numeric id), where one message per campaign is kept up to date. */
  channelId: string | undefined;
  channelLanguage: Locale;
  /** A channel message is edited at most this often. */
  editIntervalSeconds: number;
}

export interface MapTiles {
  url: string;
  attribution: string;
  attributionUrl: string | undefined;
  /** `https://tile.openstreetmap.org`, or `https://*.tile.example.org` for a `{s}` template. */
  cspSource: string;
}

/** OpenStreetMap's standard tiles (https://operations.osmfoundation.org/policies/tiles/). */
export const DEFAULT_MAP_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
export const DEFAULT_MAP_TILE_ATTRIBUTION = '© OpenStreetMap contributors';
export const DEFAULT_MAP_TILE_ATTRIBUTION_URL = 'https://www.openstreetmap.org/copyright';

/**
 * The CSP source of a tile URL template: its scheme, host and port, with a `{s}` subdomain
 * turned into `*.`; undefined when the template is not an http(s) URL with {z}, {x} and {y}.
 */
export function tileCspSource(template: string): string | undefined {
  if (!['{z}', '{x}', '{y}'].every((part) => template.includes(part))) return undefined;
  const match = /^(https?):\/\/([^/?#]+)(?:[/?#]|$)/.exec(template);
  if (!match) return undefined;
  const scheme = match[1]!;
  const authority = match[2]!;
  const wildcard = authority.startsWith('{s}.');
  const host = wildcard ? authority.slice(4) : authority;
  // Letters, digits, dots and dashes (or a bracketed IPv6 address) and a port: nothing that
  // could end a CSP source or add a directive.
  if (!/^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) return undefined;
  try {
    const parsed = new URL(`${scheme}://${host}`);
    return `${scheme}://${wildcard ? '*.' : ''}${parsed.host}`;
  } catch {
    return undefined;
  }
}

/**
 * An Ed25519 private key from a PKCS#8 PEM (its line breaks may be written `\\n`, as one-line
 * environment files do) or a private JWK; undefined when it is neither.
 */
export function parseLabelKey(value: string): KeyObject | undefined {
  try {
    const text = value.trim();
    const key = text.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(text) as JsonWebKey, format: 'jwk' })
      : createPrivateKey(text.replace(/\\n/g, '\n'));
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

const envSchema = Joi.object({
  NODE_ENV: Joi.string().valid('production', 'development', 'test').default('development'),
  PORT: Joi.number().port().default(8080),
  HOST: Joi.string().default('0.0.0.0'),
  MONGODB_URI: Joi.string()
    .uri({ scheme: ['mongodb', 'mongodb+srv'] })
    .empty(''),
  KARAVAN_DATA_DIR: Joi.string().default(path.join(REPO_ROOT, 'data')),
  REDIS_URL: Joi.string()
    .uri({ scheme: ['redis', 'rediss'] })
    .empty(''),
  KARAVAN_ADMIN_EMAIL: Joi.string().email({ tlds: false }).lowercase().empty(''),
  KARAVAN_ADMIN_PASSWORD: Joi.string()
    .min(10)
    .max(200)
    .empty('')
    .custom((value: string, helpers) => (passwordProblem(value) ? helpers.error('password.common') : value))
    .messages({ 'password.common': '{{#label}} is one of the most common passwords; choose a less guessable one' }),
  JWT_SECRET: Joi.string().min(32).empty(''),
  ACCESS_TOKEN_TTL_SECONDS: Joi.number().integer().min(5).max(86_400).default(900),
  AUTH_CACHE_SECONDS: Joi.number().integer().min(0).max(300).default(30),
  REFRESH_TOKEN_TTL_SECONDS: Joi.number()
    .integer()
    .min(300)
    .max(365 * 86_400)
    .default(30 * 86_400),
  CORS_ORIGINS: Joi.string()
    .empty('')
    .default([])
    .custom((value: string, helpers) => {
      const origins = value
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const origin of origins) {
        if (!/^https?:\/\/[^/\s]+$/.test(origin)) return helpers.error('any.invalid');
      }
      return origins;
    })
    .messages({
      'any.invalid': '"CORS_ORIGINS" must be a comma-separated list of origins such as https://karavan.example.org',
    }),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  LOGIN_RATE_LIMIT: Joi.number().integer().min(1).max(10_000).default(10),
  LOGIN_RATE_WINDOW_SECONDS: Joi.number().integer().min(1).max(86_400).default(60),
  REFRESH_RATE_LIMIT: Joi.number().integer().min(1).max(100_000).default(60),
  WRITE_RATE_LIMIT: Joi.number().integer().min(1).max(10_000_000).default(600),
  WRITE_RATE_WINDOW_SECONDS: Joi.number().integer().min(1).max(86_400).default(60),
  PLEDGE_RATE_LIMIT: Joi.number().integer().min(1).max(100_000).default(20),
  PLEDGE_CAMPAIGN_HOURLY_LIMIT: Joi.number().integer().min(1).max(10_000_000).default(3_000),
  PUBLIC_CACHE_SECONDS: Joi.number().integer().min(0).max(300).default(15),
  BODY_LIMIT: Joi.string()
    .pattern(/^\d+(b|kb|mb)$/i)
    .default('100kb'),
  TRUST_PROXY: Joi.number().integer().min(0).max(10).default(0),
  PUBLIC_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .empty(''),
  SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(100).max(120_000).default(10_000),
  REQUEST_TIMEOUT_MS: Joi.number().integer().min(500).max(120_000).default(5_000),
  KARAVAN_CLIENT_DIR: Joi.string().default(path.join(REPO_ROOT, 'client', 'dist')),
  // Empty turns the base map off; unset is OpenStreetMap's.
  MAP_TILE_URL: Joi.string()
    .allow('')
    .default(DEFAULT_MAP_TILE_URL)
    .custom((value: string, helpers) => (value === '' || tileCspSource(value) ? value : helpers.error('any.invalid')))
    .messages({
      'any.invalid':
        '"MAP_TILE_URL" must be an http(s) tile URL template with {z}, {x} and {y}, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png, or empty to turn the base map off',
    }),
  MAP_TILE_ATTRIBUTION: Joi.string().trim().max(300).default(DEFAULT_MAP_TILE_ATTRIBUTION),
  MAP_TILE_ATTRIBUTION_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .allow('')
    .default(DEFAULT_MAP_TILE_ATTRIBUTION_URL),
  KARAVAN_LABEL_KEY: Joi.string()
    .empty('')
    .custom((value: string, helpers) => (parseLabelKey(value) ? value : helpers.error('any.invalid')))
    .messages({
      'any.invalid':
        '"KARAVAN_LABEL_KEY" must be an Ed25519 private key: a PKCS#8 PEM (openssl genpkey -algorithm ed25519) or a private JWK',
    }),
  EXPIRY_CHECK_SECONDS: Joi.number().integer().min(0).max(3600).default(60),
  KARAVAN_TIME_ZONE: timeZone()
    .empty('')
    .default(DEFAULT_TIME_ZONE)
    .messages({ 'any.only': '"KARAVAN_TIME_ZONE" must be an IANA time zone such as Asia/Bishkek' }),
  // Telegram (all but the token are optional; nothing is on without the token).
  TELEGRAM_BOT_TOKEN: Joi.string()
    .pattern(/^\d+:[\w-]{20,}$/)
    .empty('')
    .messages({ 'string.pattern.base': '"TELEGRAM_BOT_TOKEN" must be a bot token from @BotFather (123456:ABC...)' }),
  TELEGRAM_API_ROOT: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .empty('')
    .default('https://api.telegram.org'),
  TELEGRAM_WEBHOOK_SECRET: Joi.string()
    .pattern(/^[\w-]{16,256}$/)
    .empty('')
    .messages({ 'string.pattern.base': '"TELEGRAM_WEBHOOK_SECRET" must be 16 to 256 letters, digits, _ or -' }),
  TELEGRAM_CHANNEL_ID: Joi.string()
    .pattern(/^(-?\d+|@[A-Za-z]\w{3,})$/)
    .empty('')
    .messages({ 'string.pattern.base': '"TELEGRAM_CHANNEL_ID" must be @channelname or the channel\'s numeric id' }),
  TELEGRAM_CHANNEL_LANGUAGE: Joi.string()
    .valid(...LOCALES)
    .default('ru'),
  TELEGRAM_EDIT_INTERVAL_SECONDS: Joi.number().integer().min(1).max(86_400).default(180),
  SMS_GATEWAY_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .empty(''),
  SMS_GATEWAY_USER: Joi.string().max(200).empty(''),
  SMS_GATEWAY_PASSWORD: Joi.string().max(200).empty(''),
  SMS_WEBHOOK_SECRET: Joi.string().min(8).max(500).empty(''),
})
  .with('TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_BOT_TOKEN')
  .with('TELEGRAM_CHANNEL_ID', 'TELEGRAM_BOT_TOKEN')
  .and('KARAVAN_ADMIN_PASSWORD', 'KARAVAN_ADMIN_EMAIL')
  .and('SMS_GATEWAY_URL', 'SMS_GATEWAY_USER', 'SMS_GATEWAY_PASSWORD', 'SMS_WEBHOOK_SECRET')
  .unknown(true);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and checks the environment; throws a ConfigError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { error, value } = envSchema.validate(env, { abortEarly: false, convert: true });
  if (error) {
    throw new ConfigError(`Invalid configuration: ${error.details.map((d) => d.message).join('; ')}`);
  }
  const v = value as Record<string, unknown>;
  return {
    env: v.NODE_ENV as Config['env'],
    port: v.PORT as number,
    host: v.HOST as string,
    mongodbUri: v.MONGODB_URI as string | undefined,
    dataDir: path.resolve(v.KARAVAN_DATA_DIR as string),
    redisUrl: v.REDIS_URL as string | undefined,
    adminEmail: v.KARAVAN_ADMIN_EMAIL as string | undefined,
    adminPassword: v.KARAVAN_ADMIN_PASSWORD as string | undefined,
    jwtSecret: v.JWT_SECRET as string | undefined,
    accessTokenTtlSeconds: v.ACCESS_TOKEN_TTL_SECONDS as number,
    authCacheSeconds: v.AUTH_CACHE_SECONDS as number,
    refreshTokenTtlSeconds: v.REFRESH_TOKEN_TTL_SECONDS as number,
    corsOrigins: v.CORS_ORIGINS as string[],
    logLevel: v.LOG_LEVEL as string,
    loginRateLimit: v.LOGIN_RATE_LIMIT as number,
    loginRateWindowSeconds: v.LOGIN_RATE_WINDOW_SECONDS as number,
    refreshRateLimit: v.REFRESH_RATE_LIMIT as number,
    writeRateLimit: v.WRITE_RATE_LIMIT as number,
    writeRateWindowSeconds: v.WRITE_RATE_WINDOW_SECONDS as number,
    pledgeRateLimit: v.PLEDGE_RATE_LIMIT as number,
    pledgeCampaignHourlyLimit: v.PLEDGE_CAMPAIGN_HOURLY_LIMIT as number,
    publicCacheSeconds: v.PUBLIC_CACHE_SECONDS as number,
    bodyLimit: v.BODY_LIMIT as string,
    trustProxy: v.TRUST_PROXY as number,
    publicUrl: v.PUBLIC_URL as string | undefined,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS as number,
    requestTimeoutMs: v.REQUEST_TIMEOUT_MS as number,
    clientDir: path.resolve(v.KARAVAN_CLIENT_DIR as string),
    mapTiles:
      v.MAP_TILE_URL === ''
        ? undefined
        : {
            url: v.MAP_TILE_URL as string,
            attribution: v.MAP_TILE_ATTRIBUTION as string,
            attributionUrl: (v.MAP_TILE_ATTRIBUTION_URL as string) || undefined,
            cspSource: tileCspSource(v.MAP_TILE_URL as string)!,
          },
    expiryCheckSeconds: v.EXPIRY_CHECK_SECONDS as number,
    timeZone: v.KARAVAN_TIME_ZONE as string,
    sms: v.SMS_GATEWAY_URL
      ? {
          url: v.SMS_GATEWAY_URL as string,
          user: v.SMS_GATEWAY_USER as string,
          password: v.SMS_GATEWAY_PASSWORD as string,
          secret: v.SMS_WEBHOOK_SECRET as string,
        }
      : undefined,
    telegram: v.TELEGRAM_BOT_TOKEN
      ? {
          token: v.TELEGRAM_BOT_TOKEN as string,
          apiRoot: (v.TELEGRAM_API_ROOT as string).replace(/\/+$/, ''),
          webhookSecret: v.TELEGRAM_WEBHOOK_SECRET as string | undefined,
          channelId: v.TELEGRAM_CHANNEL_ID as string | undefined,
          channelLanguage: v.TELEGRAM_CHANNEL_LANGUAGE as Locale,
          editIntervalSeconds: v.TELEGRAM_EDIT_INTERVAL_SECONDS as number,
        }
      : undefined,
    labelKey: v.KARAVAN_LABEL_KEY ? parseLabelKey(v.KARAVAN_LABEL_KEY as string) : undefined,
  };
}
