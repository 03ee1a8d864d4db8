import express, { type Request, type Response } from 'express';
import compression from 'compression';
import request from 'supertest';
import { sendJson } from '../../server/src/lib/route';

/**
 * Two apps answering the same way, one through Express's res.json and one through sendJson: what a
 * client sees (status, body, and the headers that matter to it) must be the same.
 */
function apps(answer: (req: Request, res: Response, json: (body: unknown) => void) => void) {
  const make = (json: (res: Response, body: unknown) => void) => {
    const app = express();
    app.use(compression({ threshold: 0 }));
    app.all('/x', (req, res) => answer(req, res, (body) => json(res, body)));
    return app;
  };
  return {
    express: make((res, body) => void res.json(body)),
    ours: make((res, body) => sendJson(res, body)),
  };
}

const HEADERS = ['content-type', 'content-length', 'etag', 'content-encoding', 'transfer-encoding', 'vary'];
const seen = (r: request.Response) => ({
  status: r.status,
  text: r.text,
  headers: Object.fromEntries(HEADERS.map((h) => [h, r.headers[h]])),
});

async function same(
  answer: Parameters<typeof apps>[0],
  ask: (agent: ReturnType<typeof request>) => request.Test,
): Promise<ReturnType<typeof seen>> {
  const both = apps(answer);
  const theirs = seen(await ask(request(both.express)));
  const mine = seen(await ask(request(both.ours)));
  expect(mine).toEqual(theirs);
  return mine;
}

describe('JSON replies (sendJson) as Express 5 sends them', () => {
  const body = { status: 'ok', name: 'Кефир 1 л', items: [1, 2, { nested: null }] };
  const plain = (_req: Request, res: Response, json: (b: unknown) => void) => {
    res.status(200);
    json(body);
  };

  test('When a JSON body is answered, then its bytes, type, length and weak ETag are what Express sends (also compressed)', async () => {
    const got = await same(plain, (a) => a.get('/x').set('Accept-Encoding', 'identity'));
    expect(JSON.parse(got.text)).toEqual(body);
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(got.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(body)));
    expect(got.headers.etag).toMatch(/^W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/);
    await same(plain, (a) => a.get('/x').set('Accept-Encoding', 'gzip'));
    for (const value of [null, 'a string', 0, [], false]) {
      await same(
        (_req, _res, json) => json(value),
        (a) => a.get('/x'),
      );
    }
  });

  test("When a GET or HEAD names the reply's ETag, then it is 304 without a body; another tag, or another method, gets the whole reply", async () => {
    const first = await same(plain, (a) => a.get('/x'));
    const etag = first.headers.etag as string;
    const revalidated = await same(plain, (a) => a.get('/x').set('If-None-Match', etag));
    expect(revalidated.status).toBe(304);
    expect(revalidated.text).toBe('');
    expect((await same(plain, (a) => a.head('/x').set('If-None-Match', etag))).status).toBe(304);
    expect((await same(plain, (a) => a.get('/x').set('If-None-Match', 'W/"1-other"'))).status).toBe(200);
    expect((await same(plain, (a) => a.get('/x').set('If-None-Match', `"x", ${etag}`))).status).toBe(304);
    const posted = await same(plain, (a) => a.post('/x').set('If-None-Match', etag));
    expect(posted.status).toBe(200);
    expect(JSON.parse(posted.text)).toEqual(body);
  });

  test('When a reply is marked no-store, then it carries no ETag, and a GET naming a tag gets the whole reply', async () => {
    const app = express();
    app.get('/x', (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      sendJson(res, body);
    });
    const r = await request(app).get('/x');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers.etag).toBeUndefined();
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(body)));
    const again = await request(app).get('/x').set('If-None-Match', 'W/"1f-a"');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(body);
  });

  test('When the answer is HEAD, 204, 205, an error status, or carries its own ETag or Content-Type, then it is sent as Express sends it', async () => {
    const head = await same(plain, (a) => a.head('/x'));
    expect(head.text).toBeUndefined();
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(body))));
    for (const status of [201, 204, 205, 404, 409]) {
      await same(
        (_req, res, json) => {
          res.status(status);
          json(body);
        },
        (a) => a.get('/x'),
      );
    }
    const own = await same(
      (_req, res, json) => {
        res.setHeader('ETag', 'W/"own"');
        json(body);
      },
      (a) => a.get('/x').set('If-None-Match', 'W/"own"'),
    );
    expect(own.status).toBe(304);
    const typed = await same(
      (_req, res, json) => {
        res.type('application/problem+json');
        json(body);
      },
      (a) => a.get('/x'),
    );
    expect(typed.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });
});
