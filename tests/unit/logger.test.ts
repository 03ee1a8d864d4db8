import { Writable } from 'node:stream';
import { createLogger } from '../../server/src/lib/logger';

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
