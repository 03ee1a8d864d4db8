import fs from 'node:fs';
import request from 'supertest';
import { wallClock } from '@karavan/shared';
import { startTestApp, type TestApp } from '../support/app';
import { stockWorld, type StockWorld } from '../support/stock';

/*
 * The channel cards and text of a public board (issue 20). The PNGs are written to
 * test-results/screenshots/ (CI's artifacts) in all four languages, to be looked at.
 */

const SHOTS = 'test-results/screenshots';
const PUBLIC_URL = 'https://karavan.example.org';
let app: TestApp;
let w: StockWorld;

beforeAll(async () => {
  app = await startTestApp({ PUBLIC_URL });
  w = await stockWorld(app.url);
  fs.mkdirSync(SHOTS, { recursive: true });
  await request(app.url)
    .patch(`/api/locations/${w.point.id}`)
    .set(w.organiser.auth)
    .send({
      address: 'Бишкек, ул. Киевская 1',
      position: { lat: 42.8746, lng: 74.5698 },
      openingHours: 'Пн–Вс 8:00–20:00',
    })
    .expect(200);
  await request(app.url)
    .patch(`/api/campaigns/${w.campaign.id}`)
    .set(w.organiser.auth)
    .send({
      public: true,
      name: {
        ru: 'Хлеб и молоко детям',
        en: 'Bread and milk for children',
        ky: 'Балдарга нан жана сүт',
        kk: 'Балаларға нан мен сүт',
      },
    })
    .expect(200);
  await w.donate([{ itemId: w.bread.id, quantity: 3_000 }]);
  const today = wallClock(new Date(), w.campaign.timeZone).date;
  await request(app.url)
    .post(`/api/public/campaigns/${w.campaign.id}/pledges`)
    .send({ itemId: w.milk.id, quantity: 10, unit: 'crate', locationId: w.point.id, day: today, name: 'Айгуль' })
    .expect(201);
  await request(app.url)
    .patch(`/api/campaigns/${w.campaign.id}/needs/${w.kefir.id}`)
    .set(w.organiser.auth)
    .send({ enough: true })
    .expect(404); // (kefir is not a target: nothing to switch)
});
afterAll(() => app.close());

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const binary = (path: string) =>
  request(app.url)
    .get(path)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });

describe('GET /api/public/campaigns/:id/card.png and og.png', () => {
  test.each(['ru', 'en', 'ky', 'kk'])(
    'When the %s card is asked for, then it is a 1080×1080 PNG and an Open Graph 1200×630 PNG',
    async (lang) => {
      const card = await binary(`/api/public/campaigns/${w.campaign.id}/card.png?lang=${lang}`).expect(200);
      expect(card.headers['content-type']).toBe('image/png');
      expect(card.headers['cache-control']).toBe('public, max-age=60');
      expect(pngSize(card.body as Buffer)).toEqual({ width: 1080, height: 1080 });
      fs.writeFileSync(`${SHOTS}/card-${lang}.png`, card.body as Buffer);
      const og = await binary(`/api/public/campaigns/${w.campaign.id}/og.png?lang=${lang}`).expect(200);
      expect(pngSize(og.body as Buffer)).toEqual({ width: 1200, height: 630 });
      fs.writeFileSync(`${SHOTS}/og-${lang}.png`, og.body as Buffer);
    },
  );

  test('When the numbers have not changed, then the card is a 304; when an item is marked enough, then it is drawn anew', async () => {
    const path = `/api/public/campaigns/${w.campaign.id}/card.png?lang=ru`;
    const first = await binary(path).expect(200);
    const etag = first.headers.etag as string;
    await request(app.url).get(path).set('If-None-Match', etag).expect(304);
    await request(app.url)
      .patch(`/api/campaigns/${w.campaign.id}/needs/${w.milk.id}`)
      .set(w.organiser.auth)
      .send({ enough: true })
      .expect(200);
    const after = await binary(path).expect(200);
    expect(after.headers.etag).not.toBe(etag);
    expect(Buffer.compare(after.body as Buffer, first.body as Buffer)).not.toBe(0);
    fs.writeFileSync(`${SHOTS}/card-ru-enough.png`, after.body as Buffer);
    await request(app.url)
      .patch(`/api/campaigns/${w.campaign.id}/needs/${w.milk.id}`)
      .set(w.organiser.auth)
      .send({ enough: false })
      .expect(200);
  });

  test('When the language is unknown or the campaign not public, then it is 400 or 404', async () => {
    expect((await request(app.url).get(`/api/public/campaigns/${w.campaign.id}/card.png?lang=de`)).status).toBe(400);
    const hidden = await request(app.url)
      .post('/api/campaigns')
      .set(w.organiser.auth)
      .send({ name: 'Закрытая', status: 'active' })
      .expect(201);
    expect((await request(app.url).get(`/api/public/campaigns/${hidden.body.id}/card.png`)).status).toBe(404);
    expect((await request(app.url).get(`/api/public/campaigns/${hidden.body.id}/summary.txt`)).status).toBe(404);
  });
});

describe('GET /api/public/campaigns/:id/summary.txt', () => {
  test('When the text is asked for, then it says what is needed, what is enough, where and when, with the link, and no personal data', async () => {
    await request(app.url)
      .patch(`/api/campaigns/${w.campaign.id}/needs/${w.milk.id}`)
      .set(w.organiser.auth)
      .send({ enough: true })
      .expect(200);
    const res = await request(app.url).get(`/api/public/campaigns/${w.campaign.id}/summary.txt`).expect(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    // (numbers are grouped with no-break spaces, which keep them on one line in a channel)
    const text = res.text.replace(/[\u00a0\u202f]/g, ' ');
    expect(text.split('\n')[0]).toBe('📢 Хлеб и молоко детям');
    expect(text).toContain(`⛔ Хватает — больше не несите: ${w.milk.name.ru}`);
    expect(text).toContain(`🟠 ${w.bread.name.ru} — Ещё нужно: 12 000 бух.`);
    expect(text).toContain('собрано 3 000 бух.');
    expect(text).toContain('• Пункт приёма');
    expect(text).toContain('Бишкек, ул. Киевская 1');
    expect(text).toContain('🗺 https://www.openstreetmap.org/?mlat=42.8746&mlon=74.5698');
    expect(text).toMatch(/🕒 Данные на \d\d\.\d\d\.\d{4} \d\d:\d\d/);
    expect(text).toContain(`👉 Подробнее и обещать принести: ${PUBLIC_URL}/needs/${w.campaign.id}`);
    expect(text).not.toContain('Айгуль');

    const kk = await request(app.url).get(`/api/public/campaigns/${w.campaign.id}/summary.txt?lang=kk`).expect(200);
    const kkText = kk.text.replace(/[\u00a0\u202f]/g, ' ');
    expect(kkText).toContain('📢 Балаларға нан мен сүт');
    expect(kkText).toContain('⛔ Жеткілікті — енді әкелмеңіз');
    expect(kkText).toContain('Әлі қажет: 12 000 бөлке');
  });

  test('When the needs link is opened on a slow link, then the page itself already says what is needed, what is enough and where, in the browser language, with no contact person', async () => {
    const res = await request(app.url)
      .get(`/needs/${w.campaign.id}`)
      .set('Accept', 'text/html')
      .set('Accept-Language', 'kk-KZ,kk;q=0.9,ru;q=0.8')
      .expect(200);
    expect(res.headers.vary).toMatch(/Accept-Language/);
    const html = res.text.replace(/[\u00a0\u202f]/g, ' ');
    // In #root, where the loading screen was: the app replaces it once its files have arrived.
    const root = /<div id="root">([\s\S]*?)<\/div><script type="application\/json"/.exec(html)?.[1] ?? '';
    expect(root).toMatch(/^<main class="board-static" lang="kk"/);
    expect(root).not.toContain('class="boot"');
    expect(root).toContain('<h1>Балаларға нан мен сүт</h1>');
    expect(root).toContain('⛔ Жеткілікті — енді әкелмеңіз');
    expect(root).toContain('Әлі қажет: 12 000 бөлке');
    expect(root).toContain('Бишкек, ул. Киевская 1');
    expect(root).toContain('https://www.openstreetmap.org/?mlat=42.8746&amp;mlon=74.5698');
    expect(root).not.toContain('Айгуль');
    // Without a language the browser accepts, Russian.
    const ru = await request(app.url).get(`/needs/${w.campaign.id}`).set('Accept', 'text/html').expect(200);
    expect(ru.text.replace(/[\u00a0\u202f]/g, ' ')).toContain('Ещё нужно: 12 000 бух.');
  });

  test('When the needs link is opened on a slow link, then the app gets the board with the page and all its files are asked for at once', async () => {
    const res = await request(app.url).get(`/needs/${w.campaign.id}`).set('Accept', 'text/html').expect(200);
    const [head, body] = res.text.split('</head>') as [string, string];
    // The board's data for the app, the same as the API's (no second round trip before the app shows it).
    const data = /<script type="application\/json" id="board-data">([^<]*)<\/script>/.exec(body)?.[1];
    const api = await request(app.url).get(`/api/public/campaigns/${w.campaign.id}`).expect(200);
    expect(JSON.parse(data ?? 'null')).toEqual(api.body);
    // The page's own script is named in the head (fetched with the app's, not after it)...
    expect(head).toMatch(/<link rel="modulepreload" crossorigin href="\/assets\/page-needs-[\w-]+\.js">/);
    // ... and no stylesheet holds back the board's first paint: they come after it.
    expect(head).not.toContain('rel="stylesheet"');
    const afterRoot = body.slice(body.indexOf('id="board-data"'));
    expect(afterRoot).toMatch(/<link rel="stylesheet" crossorigin href="\/assets\/index-[\w-]+\.css">/);
    expect(afterRoot).toMatch(/<link rel="stylesheet" crossorigin href="\/assets\/needs-[\w-]+\.css">/);
  });

  test('When a shared link is opened, then its preview names the Open Graph card', async () => {
    // (the page is the built client's index.html with the campaign's tags added)
    const res = await request(app.url).get(`/needs/${w.campaign.id}`).set('Accept', 'text/html').expect(200);
    expect(res.text).toContain(
      `<meta property="og:image" content="${PUBLIC_URL}/api/public/campaigns/${w.campaign.id}/og.png">`,
    );
    expect(res.text).toContain('<meta name="twitter:card" content="summary_large_image">');
  });
});
