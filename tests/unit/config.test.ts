import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../../server/src/config';

describe('loadConfig', () => {
  test('When nothing is set, then the defaults apply: port 8080 and the embedded database', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, mongodbUri: undefined, redisUrl: undefined, corsOrigins: [] });
  });

  test('When KARAVAN_TIME_ZONE is unset, then campaigns default to Asia/Bishkek; an IANA zone is taken; anything else fails naming it', () => {
    expect(loadConfig({}).timeZone).toBe('Asia/Bishkek');
    expect(loadConfig({ KARAVAN_TIME_ZONE: 'Asia/Almaty' }).timeZone).toBe('Asia/Almaty');
    expect(() => loadConfig({ KARAVAN_TIME_ZONE: 'Bishkek' })).toThrow(/"KARAVAN_TIME_ZONE" must be an IANA time zone/);
  });

  test('When KARAVAN_LABEL_KEY is an Ed25519 PEM (also on one line with \\n) or private JWK, then it is the label key; anything else fails naming it', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const x = (publicKey.export({ format: 'jwk' }) as { x: string }).x;
    const publicX = (key: ReturnType<typeof loadConfig>['labelKey']) =>
      (createPublicKey(key!).export({ format: 'jwk' }) as { x: string }).x;
    expect(loadConfig({}).labelKey).toBeUndefined();
    expect(publicX(loadConfig({ KARAVAN_LABEL_KEY: pem }).labelKey)).toBe(x);
    expect(publicX(loadConfig({ KARAVAN_LABEL_KEY: pem.trim().replace(/\n/g, '\\n') }).labelKey)).toBe(x);
    const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
    expect(publicX(loadConfig({ KARAVAN_LABEL_KEY: jwk }).labelKey)).toBe(x);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    expect(() => loadConfig({ KARAVAN_LABEL_KEY: rsa.toString() })).toThrow(/"KARAVAN_LABEL_KEY" must be an Ed25519/);
    expect(() => loadConfig({ KARAVAN_LABEL_KEY: 'secret' })).toThrow(ConfigError);
  });

  test('When PORT is not a port, then it fails naming PORT', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/"PORT"/);
  });

  test('When MONGODB_URI is not a MongoDB URI, then it fails naming MONGODB_URI', () => {
    expect(() => loadConfig({ MONGODB_URI: 'http://localhost:27017' })).toThrow(/"MONGODB_URI"/);
    expect(loadConfig({ MONGODB_URI: 'mongodb://db:27017/karavan' }).mongodbUri).toBe('mongodb://db:27017/karavan');
  });

  test('When only one of the admin variables is set, then it fails naming both', () => {
    expect(() => loadConfig({ KARAVAN_ADMIN_PASSWORD: 'long enough password' })).toThrow(/KARAVAN_ADMIN_EMAIL/);
  });

  test('When the admin password is too short, then it fails naming it', () => {
    expect(() => loadConfig({ KARAVAN_ADMIN_EMAIL: 'a@b.org', KARAVAN_ADMIN_PASSWORD: 'short' })).toThrow(
      /KARAVAN_ADMIN_PASSWORD/,
    );
  });

  test('When the admin password is one of the most common ones, then it fails naming it', () => {
    expect(() => loadConfig({ KARAVAN_ADMIN_EMAIL: 'a@b.org', KARAVAN_ADMIN_PASSWORD: 'Password123' })).toThrow(
      /"KARAVAN_ADMIN_PASSWORD" is one of the most common passwords/,
    );
    expect(
      loadConfig({ KARAVAN_ADMIN_EMAIL: 'a@b.org', KARAVAN_ADMIN_PASSWORD: 'steppe caravan at dawn' }).adminPassword,
    ).toBe('steppe caravan at dawn');
  });

  test('When CORS_ORIGINS lists origins, then they are parsed; a path or junk fails naming it', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.org, http://localhost:5173' }).corsOrigins).toEqual([
      'https://a.org',
      'http://localhost:5173',
    ]);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.org/path' })).toThrow(/"CORS_ORIGINS"/);
  });

  test('When JWT_SECRET is short, then it fails naming it', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/"JWT_SECRET"/);
  });

  test('When several variables are bad, then all are named at once', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(/"PORT".*"LOG_LEVEL"/);
  });

  test('When MAP_TILE_URL is unset, then the base map is OpenStreetMap with its attribution', () => {
    expect(loadConfig({}).mapTiles).toEqual({
      url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
      attribution: '© OpenStreetMap contributors',
      attributionUrl: 'https://www.openstreetmap.org/copyright',
      cspSource: 'https://tile.openstreetmap.org',
    });
  });

  test('When MAP_TILE_URL is empty, then there is no base map', () => {
    expect(loadConfig({ MAP_TILE_URL: '' }).mapTiles).toBeUndefined();
  });

  test('When MAP_TILE_URL names another server, then the CSP source is its origin only ({s} as a wildcard)', () => {
    expect(loadConfig({ MAP_TILE_URL: 'http://127.0.0.1:8111/tiles/{z}/{x}/{y}.png' }).mapTiles?.cspSource).toBe(
      'http://127.0.0.1:8111',
    );
    const tiles = loadConfig({
      MAP_TILE_URL: 'https://{s}.tiles.example.org/{z}/{x}/{y}{r}.png?key=1',
      MAP_TILE_ATTRIBUTION: '© Example Maps',
      MAP_TILE_ATTRIBUTION_URL: '',
    }).mapTiles;
    expect(tiles).toMatchObject({ cspSource: 'https://*.tiles.example.org', attribution: '© Example Maps' });
    expect(tiles?.attributionUrl).toBeUndefined();
  });

  test('When MAP_TILE_URL is not an http(s) template with {z}, {x} and {y}, then it fails naming it', () => {
    for (const bad of [
      'https://tile.openstreetmap.org/',
      'ftp://tiles.example.org/{z}/{x}/{y}.png',
      'javascript:{z}{x}{y}',
      "https://tiles.example.org; script-src 'unsafe-inline'/{z}/{x}/{y}",
      'https://a*b.example.org/{z}/{x}/{y}.png',
    ])
      expect(() => loadConfig({ MAP_TILE_URL: bad })).toThrow(/"MAP_TILE_URL"/);
  });

  test('When the SMS gateway is not set, then the SMS channel is off; set in full, it is on', () => {
    expect(loadConfig({}).sms).toBeUndefined();
    const sms = {
      SMS_GATEWAY_URL: 'http://192.168.1.20:8080',
      SMS_GATEWAY_USER: 'sms',
      SMS_GATEWAY_PASSWORD: 'gateway password',
      SMS_WEBHOOK_SECRET: 'a signing key',
    };
    expect(loadConfig(sms).sms).toEqual({
      url: 'http://192.168.1.20:8080',
      user: 'sms',
      password: 'gateway password',
      secret: 'a signing key',
    });
  });

  test('When the SMS gateway is set in part, or its URL or key is wrong, then it fails naming the variables', () => {
    expect(() => loadConfig({ SMS_GATEWAY_URL: 'http://192.168.1.20:8080' })).toThrow(/SMS_WEBHOOK_SECRET/);
    const rest = { SMS_GATEWAY_USER: 'sms', SMS_GATEWAY_PASSWORD: 'pw', SMS_WEBHOOK_SECRET: 'a signing key' };
    expect(() => loadConfig({ ...rest, SMS_GATEWAY_URL: 'ftp://phone' })).toThrow(/"SMS_GATEWAY_URL"/);
    expect(() => loadConfig({ ...rest, SMS_GATEWAY_URL: 'http://phone:8080', SMS_WEBHOOK_SECRET: 'short' })).toThrow(
      /"SMS_WEBHOOK_SECRET"/,
    );
  });
});
