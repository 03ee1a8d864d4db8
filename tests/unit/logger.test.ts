import { Writable } from 'node:stream';
import { createLogger, redactUrl } from '../../server/src/lib/logger';

function capture(pretty: boolean) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger('info', sink, { pretty });
  return { logger, lines };
}

/** Lets the pretty stream pass what was logged on to the sink. */
const flushed = () => new Promise((resolve) => setImmediate(resolve));

describe('createLogger', () => {
  test('When pretty, then a finished request is one short line with its request id', async () => {
    const { logger, lines } = capture(true);
    logger.info(
      { reqId: 'r-1', req: { method: 'GET', url: '/api/users' }, res: { statusCode: 200 }, responseTime: 12 },
      'request completed',
    );
    await flushed();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: GET \/api\/users 200 12ms \(r-1\)\n$/);
  });

  test('When pretty, then the listening line shows its message only, and a password is still redacted', async () => {
    const { logger, lines } = capture(true);
    logger.info({ port: 8080, urls: ['http://localhost:8080'] }, 'Karavan is listening on http://localhost:8080');
    logger.warn({ body: { password: 'secret-value' } }, 'odd');
    await flushed();
    expect(lines[0]).toMatch(/INFO: Karavan is listening on http:\/\/localhost:8080\n$/);
    expect(lines[1]).not.toContain('secret-value');
  });

  test('When not pretty, then every line is JSON', () => {
    const { logger, lines } = capture(false);
    logger.info({ port: 8080 }, 'Karavan is listening on http://localhost:8080');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 30,
      port: 8080,
      msg: 'Karavan is listening on http://localhost:8080',
    });
  });
});

describe('redactUrl', () => {
  const jwt =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2NWYwMDAwMDAwMDAwMDAwMDAwMDAwMDEiLCJyb2xlIjoib3JnYW5pc2VyIn0.3q2-7wQk0nV7eG9mX4lq1m3z5b8_2yKcZ0dP1aXvQwE';
  test('When a JWT comes in a query parameter with a harmless name, then its value is redacted by its shape', () => {
    expect(redactUrl(`/api/items?q=${jwt}&limit=20`)).toBe('/api/items?q=[redacted]&limit=20');
  });
  test('When a long random token comes in any parameter, then its value is redacted, percent-encoded or not', () => {
    const token = 'Zk3pQ9xR2vT8mW4nB7cY1sD6fG0hJ5kL';
    expect(redactUrl(`/api/users?q=${token}`)).toBe('/api/users?q=[redacted]');
    expect(redactUrl(`/api/users?q=${encodeURIComponent(`${token}+/==`)}`)).toBe('/api/users?q=[redacted]');
    expect(redactUrl(`/x?state=${'a1b2c3d4'.repeat(8)}`)).toBe('/x?state=[redacted]');
  });
  test('When values are ids, dates, words or short numbers, then they stay readable', () => {
    const url =
      '/api/donations?campaignId=65f0000000000000000000a1&from=2026-01-01T00:00:00.000Z&q=%D0%9C%D0%BE%D0%BB%D0%BE%D0%BA%D0%BE&limit=50&status=delivered';
    expect(redactUrl(url)).toBe(url);
    expect(redactUrl('/api/users?q=averyveryverylongwordwithoutanydigitsatall')).toBe(
      '/api/users?q=averyveryverylongwordwithoutanydigitsatall',
    );
  });
  test('When a parameter is named like a secret, then its value is redacted as before', () => {
    expect(redactUrl('/api/users/me?access_token=abc')).toBe('/api/users/me?access_token=[redacted]');
  });
});
