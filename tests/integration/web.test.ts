import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { REPO_ROOT } from '../../server/src/config';
import { startTestApp, type TestApp } from '../support/app';
import { buildCampaign } from '../support/catalogue';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One GET without any decoding, so that Content-Encoding and the bytes are what the server sent. */
function get(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const directives = (csp: string | string[] | undefined) =>
  new Map(
    String(csp)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name!, values.join(' ')]),
  );

// A built client as Vite leaves it: index.html, a hashed bundle, each with .br and .gz copies.
const BUNDLE = `console.log(${JSON.stringify('караван '.repeat(500))});\n`;
const INDEX =
  '<!doctype html><html><body><div id="root">Караван загружается…</div><script src="/assets/index-AbC12_xy.js"></script></body></html>';
let clientDir: string;

function writeCompressed(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(content));
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(content));
}

beforeAll(() => {
  clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-client-'));
  writeCompressed(path.join(clientDir, 'index.html'), INDEX);
  writeCompressed(path.join(clientDir, 'assets', 'index-AbC12_xy.js'), BUNDLE);
  fs.writeFileSync(path.join(clientDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
});
afterAll(() => fs.rmSync(clientDir, { recursive: true, force: true }));

describe('The client files', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ KARAVAN_CLIENT_DIR: clientDir });
  });
  afterAll(() => app.close());

  test('When the browser accepts brotli, then the bundle goes out as brotli, cached for a year as immutable', async () => {
    const res = await get(`${app.url}/assets/index-AbC12_xy.js`, { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript; charset=utf-8$/i);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.vary).toMatch(/Accept-Encoding/);
    expect(zlib.brotliDecompressSync(res.body).toString()).toBe(BUNDLE);
  });

  test('When the browser accepts only gzip, then it gets gzip; with no encoding, the plain file', async () => {
    const gzip = await get(`${app.url}/assets/index-AbC12_xy.js`, { 'Accept-Encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzip.body).toString()).toBe(BUNDLE);

    const plain = await get(`${app.url}/assets/index-AbC12_xy.js`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(BUNDLE);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  test('When the app is opened at any client route, then index.html comes compressed and is never cached without revalidation', async () => {
    for (const url of ['/', '/shipments/42', '/index.html']) {
      const res = await get(`${app.url}${url}`, { Accept: 'text/html', 'Accept-Encoding': 'br, gzip' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8$/i);
      expect(res.headers['content-encoding']).toBe('br');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(zlib.brotliDecompressSync(res.body).toString()).toBe(INDEX);
    }
  });

  test('When a hashed asset of an older release is asked for, then it is a 404, not the app page', async () => {
    const res = await get(`${app.url}/assets/index-OldHash1.js`, { Accept: '*/*' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  test('When a pre-compressed copy is asked for by its own name, then it is not served as a file', async () => {
    const res = await get(`${app.url}/assets/index-AbC12_xy.js.br`, { Accept: '*/*' });
    expect(res.status).toBe(404);
  });

  test('When an unhashed file is asked for, then it is cached for an hour only', async () => {
    const res = await get(`${app.url}/favicon.svg`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
  });

  test('When a path is not valid percent-encoding, then the answer is a JSON 404, not a text error', async () => {
    const res = await get(`${app.url}/%E0%A4%A`, { Accept: 'application/json' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});

test('When the client is built, then every JavaScript and CSS asset has a brotli and a gzip copy next to it', () => {
  // `npm test` builds the client before Jest starts.
  const assets = path.join(REPO_ROOT, 'client', 'dist', 'assets');
  const files = fs.readdirSync(assets).filter((f) => /\.(js|css)$/.test(f));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    if (fs.statSync(path.join(assets, file)).size < 1024) continue;
    expect(fs.existsSync(path.join(assets, `${file}.br`))).toBe(true);
    expect(fs.existsSync(path.join(assets, `${file}.gz`))).toBe(true);
  }
  expect(fs.readFileSync(path.join(REPO_ROOT, 'client', 'dist', 'index.html'), 'utf8')).toMatch(
    /Караван загружается…[\s\S]*Karavan is loading…/,
  );
});

describe('Security headers', () => {
  test('When Karavan is reached over plain http, then the CSP does not upgrade requests and no HSTS is sent', async () => {
    const app = await startTestApp({ KARAVAN_CLIENT_DIR: clientDir });
    try {
      const res = await get(`${app.url}/`, { Accept: 'text/html' });
      const csp = directives(res.headers['content-security-policy']);
      expect(csp.has('upgrade-insecure-requests')).toBe(false);
      expect(csp.get('connect-src')).toBe("'self'");
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
      // Even when a client claims https: without TRUST_PROXY the header is not believed.
      const claimed = await get(`${app.url}/`, { Accept: 'text/html', 'X-Forwarded-Proto': 'https' });
      expect(claimed.headers['strict-transport-security']).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  test('When a trusted proxy says the request came over https, then HSTS and upgrade-insecure-requests are sent', async () => {
    const app = await startTestApp({ KARAVAN_CLIENT_DIR: clientDir, TRUST_PROXY: '1' });
    try {
      const res = await get(`${app.url}/api/openapi.json`, { 'X-Forwarded-Proto': 'https' });
      expect(directives(res.headers['content-security-policy']).has('upgrade-insecure-requests')).toBe(true);
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=31536000/);
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      const plain = await get(`${app.url}/api/openapi.json`, { 'X-Forwarded-Proto': 'http' });
      expect(plain.headers['strict-transport-security']).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  test('When PUBLIC_URL is an https address, then HSTS and upgrade-insecure-requests are always sent', async () => {
    const app = await startTestApp({ KARAVAN_CLIENT_DIR: clientDir, PUBLIC_URL: 'https://karavan.example.org' });
    try {
      const res = await get(`${app.url}/healthz`);
      expect(directives(res.headers['content-security-policy']).has('upgrade-insecure-requests')).toBe(true);
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=31536000/);
    } finally {
      await app.close();
    }
  });

  test('When MAP_TILE_URL is unset, then images may come from OpenStreetMap tiles only, and the client is told the URL and attribution', async () => {
    const app = await startTestApp({ KARAVAN_CLIENT_DIR: clientDir, MAP_TILE_URL: undefined as unknown as string });
    try {
      const res = await get(`${app.url}/`, { Accept: 'text/html' });
      expect(directives(res.headers['content-security-policy']).get('img-src')).toBe(
        "'self' data: https://tile.openstreetmap.org",
      );
      const config = await get(`${app.url}/api/client-config`);
      expect(config.status).toBe(200);
      expect(JSON.parse(config.body.toString())).toEqual({
        mapTiles: {
          url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
          attribution: '© OpenStreetMap contributors',
          attributionUrl: 'https://www.openstreetmap.org/copyright',
        },
        telegram: false,
      });
    } finally {
      await app.close();
    }
  });

  test('When MAP_TILE_URL is empty, then the client is told there is no base map and the CSP allows no image origin but its own', async () => {
    const app = await startTestApp({ KARAVAN_CLIENT_DIR: clientDir, MAP_TILE_URL: '' });
    try {
      const res = await get(`${app.url}/api/client-config`);
      expect(JSON.parse(res.body.toString())).toEqual({ mapTiles: null, telegram: false });
      expect(directives(res.headers['content-security-policy']).get('img-src')).toBe("'self' data:");
    } finally {
      await app.close();
    }
  });
});

describe('The shared needs page /needs/<id>', () => {
  let pageDir: string;
  beforeAll(() => {
    pageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-client-'));
    fs.writeFileSync(
      path.join(pageDir, 'index.html'),
      '<!doctype html><html><head><title>Karavan</title></head><body><div id="root"></div></body></html>',
    );
  });
  afterAll(() => fs.rmSync(pageDir, { recursive: true, force: true }));

  test('When PUBLIC_URL is unset, then og:url is left out, whatever Host the request names', async () => {
    const app = await startTestApp({ KARAVAN_CLIENT_DIR: pageDir });
    try {
      const campaign = await buildCampaign({ public: true });
      const res = await get(`${app.url}/needs/${campaign.id}`, { Accept: 'text/html', Host: 'evil.example' });
      expect(res.status).toBe(200);
      const html = res.body.toString('utf8');
      expect(html).toMatch(/<meta property="og:title"/);
      expect(html).not.toMatch(/og:url/);
      expect(html).not.toMatch(/evil\.example/);
    } finally {
      await app.close();
    }
  });

  test('When PUBLIC_URL is set, then og:url is built from it and never from the Host header', async () => {
    const app = await startTestApp({ KARAVAN_CLIENT_DIR: pageDir, PUBLIC_URL: 'https://karavan.example.org' });
    try {
      const campaign = await buildCampaign({ public: true });
      const res = await get(`${app.url}/needs/${campaign.id}`, { Accept: 'text/html', Host: 'evil.example' });
      const html = res.body.toString('utf8');
      expect(html).toContain(`<meta property="og:url" content="https://karavan.example.org/needs/${campaign.id}">`);
      expect(html).not.toMatch(/evil\.example/);
    } finally {
      await app.close();
    }
  });
});
