import http from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { createLogger } from '../../server/src/lib/logger';
import { requestLog } from '../../server/src/lib/request-log';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
}

function app(level: string) {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      done();
    },
  });
  const logger = createLogger(level, sink, { pretty: false });
  const served = express();
  served.use(requestLog(logger));
  served.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  served.get('/ok', (req, res) => {
    req.log.info('inside the handler');
    res.json({ ok: true });
  });
  served.get('/missing', (_req, res) => void res.status(404).json({ code: 'NOT_FOUND' }));
  served.get('/broken', (_req, res) => void res.status(500).json({ code: 'INTERNAL' }));
  served.get('/slow', () => undefined); // never answers: the client gives up
  return { served, lines };
}

describe('One log line per request', () => {
  test('When a request is answered, then its line says how, at a level by its status, and every line of it carries its id', async () => {
    const { served, lines } = app('info');
    await request(served).get('/ok').set('X-Request-Id', 'trace-ok-0001').expect(200);
    await request(served).get('/missing?token=abc').set('X-Request-Id', 'trace-404-0001').expect(404);
    await request(served).get('/broken').set('X-Request-Id', 'trace-500-0001').expect(500);
    await request(served).get('/healthz').expect(200);
    await new Promise((resolve) => setImmediate(resolve));
    // 2xx is debug (not at info), 4xx info, 5xx error; probes are never logged.
    expect(lines.map((l) => [l.reqId, l.level, l.msg])).toEqual([
      ['trace-ok-0001', 30, 'inside the handler'],
      ['trace-404-0001', 30, 'request completed'],
      ['trace-500-0001', 50, 'request errored'],
    ]);
    expect(lines[1]!.req).toEqual({ id: 'trace-404-0001', method: 'GET', url: '/missing?token=[redacted]' });
    expect(lines[1]!.res).toEqual({ statusCode: 404 });
  });

  test('When debug is on, then a 2xx request is logged too, and a request id that is not well formed is replaced', async () => {
    const { served, lines } = app('debug');
    const res = await request(served).get('/ok').set('X-Request-Id', 'bad id!').expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.reqId, l.msg])).toEqual([
      [res.headers['x-request-id'], 'inside the handler'],
      [res.headers['x-request-id'], 'request completed'],
    ]);
  });

  test('When the client goes away before the answer, then the line says the request was aborted', async () => {
    const { served, lines } = app('info');
    const server = served.listen(0);
    try {
      const { port } = server.address() as { port: number };
      await new Promise<void>((resolve) => {
        const req = http.get({ port, path: '/slow', headers: { 'X-Request-Id': 'trace-gone-0001' } });
        req.on('error', () => resolve());
        setTimeout(() => req.destroy(), 100);
      });
      const deadline = Date.now() + 2_000;
      while (!lines.some((l) => l.msg === 'request aborted') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(lines.map((l) => [l.reqId, l.level, l.msg])).toEqual([['trace-gone-0001', 30, 'request aborted']]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
