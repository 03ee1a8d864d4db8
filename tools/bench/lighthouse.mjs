// Lighthouse (mobile, default simulated throttling) on the phone pages, signed in as the demo user
// who uses each: `npm run bench:lighthouse -- [base URL] [page,page] [runs]`.
//
// The server must run with the demo seed (`npm run seed`); Debian's /usr/bin/chromium is driven
// (CHROME_PATH to change it). Lighthouse is not a dependency of the project (it is large and only
// measures): install it anywhere with `npm i -E lighthouse@12.2.3` and give its CLI in LIGHTHOUSE_CLI
// (default: resolved from this repository's node_modules).
//
// Each page is opened once signed in (the session, the saved query cache and the service worker
// are then on the device, as on a phone in use), and Lighthouse runs on that profile without
// resetting its storage.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const base = process.argv[2] ?? 'http://localhost:8080';
const pages = (process.argv[3] ?? 'driver,intake').split(',');
const runs = Number(process.argv[4] ?? 3);
const chromePath = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const password = process.env.KARAVAN_DEMO_PASSWORD ?? 'karavan-demo-2022';
const lighthouseCli = process.env.LIGHTHOUSE_CLI ?? require.resolve('lighthouse/cli/index.js');
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-lighthouse-'));

/** Who opens each page, and what the device remembers besides the session. */
const PAGES = {
  driver: { path: '/driver', user: 'nurlan@demo.karavan' },
  intake: {
    path: '/intake',
    user: 'bakyt@demo.karavan',
    // The collection point this phone works at (as chosen once on the page).
    prepare: async (page, token) => {
      const locations = await api('/api/locations?limit=200', token);
      const point = locations.items.find((location) => location.kind === 'collection_point' && location.active);
      if (point) await page.evaluate((id) => localStorage.setItem('karavan.intake.locationId', id), point.id);
    },
  },
};

async function api(route, token, body) {
  const response = await fetch(`${base}${route}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** A Chromium with a profile of its own, signed in on `name`'s page; resolves to its port. */
async function signedInBrowser(name, port) {
  const spec = PAGES[name];
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'karavan-lh-profile-'));
  const chrome = spawn(
    chromePath,
    [
      '--headless=new',
      `--remote-debugging-port=${port}`,
      `--user-data-dir=${profile}`,
      '--no-sandbox',
      '--no-first-run',
      'about:blank',
    ],
    { stdio: 'ignore' },
  );
  let browser;
  for (let attempt = 0; !browser; attempt++) {
    await sleep(500);
    browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`).catch((error) => {
      if (attempt > 40) throw error;
    });
  }
  const page = await browser.contexts()[0].newPage();
  // The client keeps the refresh token in localStorage (client/src/lib/session.ts).
  const tokens = await api('/api/auth/login', undefined, { email: spec.user, password });
  await page.goto(`${base}/`);
  await page.evaluate((token) => localStorage.setItem('karavan.refreshToken', token), tokens.refreshToken);
  await spec.prepare?.(page, tokens.accessToken);
  await page.goto(`${base}${spec.path}`);
  await page.locator('input[type=password]').waitFor({ state: 'detached', timeout: 30_000 });
  await page.waitForTimeout(4_000); // the query cache is saved (2 s throttle), the service worker installed
  await page.close();
  await browser.close();
  return { chrome, profile };
}

const round = (value) => Math.round(value);
const results = [];
let port = 9400 + Math.floor(Math.random() * 500);
for (const name of pages) {
  const spec = PAGES[name];
  if (!spec) throw new Error(`unknown page ${name}: ${Object.keys(PAGES).join(', ')}`);
  const { chrome, profile } = await signedInBrowser(name, port);
  try {
    for (let run = 1; run <= runs; run++) {
      const file = path.join(outDir, `${name}-${run}.json`);
      const load = os.loadavg()[0].toFixed(2);
      const lh = spawnSync(
        process.execPath,
        [
          lighthouseCli,
          `${base}${spec.path}`,
          `--port=${port}`,
          '--disable-storage-reset',
          '--only-categories=performance',
          '--output=json',
          `--output-path=${file}`,
          '--quiet',
        ],
        { stdio: 'inherit', env: { ...process.env, CHROME_PATH: chromePath } },
      );
      if (lh.status !== 0) throw new Error(`lighthouse failed on ${name}`);
      const report = JSON.parse(fs.readFileSync(file, 'utf8'));
      const audit = (id) => report.audits[id].numericValue;
      const row = {
        page: name,
        run,
        load,
        performance: round(report.categories.performance.score * 100),
        fcpMs: round(audit('first-contentful-paint')),
        lcpMs: round(audit('largest-contentful-paint')),
        tbtMs: round(audit('total-blocking-time')),
        cls: Number(audit('cumulative-layout-shift').toFixed(3)),
        url: report.finalDisplayedUrl,
      };
      results.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    chrome.kill();
    await sleep(500);
    fs.rmSync(profile, { recursive: true, force: true });
  }
  port++;
}
console.table(results.map(({ url: _url, ...row }) => row));
console.log(`reports in ${outDir}`);
