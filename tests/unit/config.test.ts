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
});
