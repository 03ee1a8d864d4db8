import fs from 'node:fs';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { signedIn } from '../support/factories';
import { buildScene, createShipment, sendUpdate, type Scene } from '../support/shipments';
import { startTileServer, unreachableTileUrl, type TileServer } from '../support/tiles';

const BIG_SCREEN = { width: 1440, height: 1000 };
const SHOTS = 'test-results/screenshots';

let browser: Browser;
let app: TestApp | undefined;
let tiles: TileServer | undefined;
let context: BrowserContext;
let page: Page;
let pageErrors: Error[];
let cspViolations: string[];

beforeAll(async () => {
  browser = await launchChromium();
  fs.mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await context?.close();
  await app?.close();
  await tiles?.close();
  app = undefined;
  tiles = undefined;
  expect(pageErrors).toEqual([]);
});

async function openBrowser(url: string): Promise<void> {
  context = await browser.newContext({ baseURL: url, viewport: BIG_SCREEN });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  pageErrors = [];
  cspViolations = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  await page.exposeFunction('reportCspViolation', (text: string) => cspViolations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation(
        `${event.violatedDirective} ${event.blockedURI}`,
      ),
    );
  });
}

/** A campaign with `count` trucks on the road, each reported at `positions[i]`. */
async function trucksOnTheRoad(url: string, positions: { lat: number; lng: number }[]) {
  const organiser = await signedIn(url, { role: 'organiser' });
  const coordinator = await signedIn(url, { role: 'coordinator' });
  const scene: Scene = await buildScene(url, { stock: 100 * positions.length });
  await request(url)
    .patch(`/api/campaigns/${scene.campaign.id}`)
    .set(organiser.auth)
    .send({ targets: [{ itemId: scene.item.id, quantity: 5000 }] })
    .expect(200);
  const plates: string[] = [];
  for (const [index, position] of positions.entries()) {
    const plate = `01KG${String(100 + index)}ABC`;
    const shipment = await createShipment(url, organiser.auth, scene, {
      vehicle: { plate, kind: 'truck', capacityKg: 5000 },
    });
    expect((await sendUpdate(url, coordinator.auth, shipment.id, 'loading')).status).toBeLessThan(300);
    expect((await sendUpdate(url, scene.driver.auth, shipment.id, 'departed', { position })).status).toBeLessThan(300);
    plates.push(plate);
  }
  return { organiser, scene, plates };
}

async function openDashboard(campaignId: string, user: { user: { email: string }; password: string }) {
  await page.goto(`/dashboard?campaign=${campaignId}`);
  await page.getByLabel('Электронная почта').fill(user.user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(user.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Панель операции', level: 1 }).waitFor();
}

/** Whether every truck marker and every route point lies inside the map's box. */
async function everythingInView(): Promise<boolean> {
  return page.locator('.dashboard-map').evaluate((map) => {
    const box = map.getBoundingClientRect();
    const shapes = Array.from(map.querySelectorAll('.dashboard-truck, .truck-cluster, path.leaflet-interactive')).map(
      (element) => element.getBoundingClientRect(),
    );
    return (
      shapes.length > 0 &&
      shapes.every((r) => r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom)
    );
  });
}

/** The truck labels that can be seen, with their boxes. */
type Label = { text: string; left: number; right: number; top: number; bottom: number };

/**
 * The dashboard map once it has settled, read in one snapshot: no group animating, and every
 * truck either a marker of its own or counted in a group (in view or not); and when a marker
 * is in view, a label showing (the first label placed is never hidden, those that would cover
 * it are). Labels are laid out again each time a live update redraws a truck (its marker leaves
 * its group and comes back), so two separate reads could see two layouts.
 */
async function settledMap(trucks: number, need: { markers?: boolean } = {}) {
  const handle = await page.waitForFunction(
    ({ trucks, needMarkers }) => {
      const map = document.querySelector<HTMLElement>('.dashboard-map');
      if (!map || map.querySelector('.leaflet-cluster-anim')) return null;
      const markers = map.querySelectorAll('.dashboard-truck').length;
      const grouped = Array.from(map.querySelectorAll('.truck-cluster')).reduce(
        (sum, cluster) => sum + Number(cluster.textContent?.match(/\d+/)?.[0] ?? 0),
        0,
      );
      const labels = Array.from(map.querySelectorAll<HTMLElement>('.leaflet-tooltip.truck-label'))
        .filter((label) => getComputedStyle(label).visibility === 'visible')
        .map((label) => {
          const r = label.getBoundingClientRect();
          return { text: label.textContent ?? '', left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        });
      if (needMarkers && markers === 0) return null;
      if (markers > 0 && labels.length === 0) return null;
      // After a zoom, trucks outside the view are in no group and have no marker.
      if (!needMarkers && markers + grouped !== trucks) return null;
      return { markers, grouped, labels };
    },
    { trucks, needMarkers: need.markers === true },
    { timeout: 30_000 },
  );
  return (await handle.jsonValue())!;
}

function expectNoLabelCovers(labels: Label[]): void {
  for (const [i, a] of labels.entries())
    for (const b of labels.slice(i + 1))
      expect([a.text, b.text, a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom]).toEqual([
        a.text,
        b.text,
        false,
      ]);
}

test('When MAP_TILE_URL points at a tile server, then the dashboard map asks it for tiles, shows them and the CSP lets them in', async () => {
  tiles = await startTileServer();
  app = await startTestApp({ MAP_TILE_URL: tiles.template, MAP_TILE_ATTRIBUTION: '© Test tiles' });
  const { organiser, scene } = await trucksOnTheRoad(app.url, [{ lat: 42.95, lng: 74.65 }]);
  await openBrowser(app.url);

  const response = await page.goto('/');
  const csp = (await response!.allHeaders())['content-security-policy'] ?? '';
  const imgSrc = /img-src ([^;]*)/.exec(csp)?.[1]?.split(' ');
  expect(imgSrc).toEqual(["'self'", 'data:', new URL(tiles.template.replace(/\{.\}/g, '0')).origin]);

  await openDashboard(scene.campaign.id, organiser);
  await page.locator('.dashboard-map[data-tiles="online"]').waitFor();
  await page.locator('.dashboard-map img.leaflet-tile-loaded').first().waitFor();
  const shown = await page
    .locator('.dashboard-map img.leaflet-tile-loaded')
    .evaluateAll((images) => images.map((image) => (image as HTMLImageElement).naturalWidth));
  expect(shown.length).toBeGreaterThan(0);
  expect(shown.every((width) => width === 256)).toBe(true);
  expect(tiles.requested.length).toBeGreaterThan(0);
  expect(cspViolations).toEqual([]);
  expect(await page.getByTestId('tiles-offline').count()).toBe(0);
  await page.locator('.leaflet-control-attribution').getByText('© Test tiles').waitFor();
  // The truck and its whole route (Bishkek, the border, Almaty) are in view.
  await page.locator('.dashboard-truck').first().waitFor();
  expect(await everythingInView()).toBe(true);
  await page.locator('.dashboard-map').screenshot({ path: `${SHOTS}/map-tiles.png` });
});

test('When the tile server cannot be reached, then the map shows its trucks and routes on a plain background and says so', async () => {
  app = await startTestApp({ MAP_TILE_URL: await unreachableTileUrl() });
  const { organiser, scene, plates } = await trucksOnTheRoad(app.url, [{ lat: 42.95, lng: 74.65 }]);
  await openBrowser(app.url);
  await openDashboard(scene.campaign.id, organiser);

  await page.locator('.dashboard-map[data-tiles="offline"]').waitFor();
  await page.getByTestId('tiles-offline').waitFor();
  expect(await page.locator('.dashboard-map img.leaflet-tile-loaded').count()).toBe(0);
  // The route and the checkpoint are drawn, the truck is there with its label, all in view
  // (the shapes come with the shipments' data, which may arrive after the offline notice).
  await page.locator('.dashboard-map path.leaflet-interactive').nth(1).waitFor();
  expect(await page.locator('.dashboard-map path.leaflet-interactive').count()).toBeGreaterThanOrEqual(2);
  await page.locator('.leaflet-tooltip', { hasText: `${plates[0]} · выехала` }).waitFor();
  expect(await everythingInView()).toBe(true);
  expect(cspViolations).toEqual([]);
});

test('When MAP_TILE_URL is empty, then no tile is asked for, the CSP allows no other image origin and the points stay', async () => {
  app = await startTestApp({ MAP_TILE_URL: '' });
  const { organiser, scene, plates } = await trucksOnTheRoad(app.url, [{ lat: 42.95, lng: 74.65 }]);
  await openBrowser(app.url);
  const response = await page.goto('/');
  expect((await response!.allHeaders())['content-security-policy']).toContain("img-src 'self' data:;");
  await openDashboard(scene.campaign.id, organiser);
  await page.locator('.dashboard-map[data-tiles="off"]').waitFor();
  expect(await page.locator('.dashboard-map img.leaflet-tile').count()).toBe(0);
  await page.locator('.leaflet-tooltip', { hasText: plates[0] }).waitFor();
});

test('When many trucks are close together, then they are all in view, grouped or labelled, and no label covers another', async () => {
  app = await startTestApp({ MAP_TILE_URL: '' });
  // Eight trucks in a row a few kilometres apart (their labels would overlap), two at the very
  // same spot (a queue at the border).
  const positions = [
    ...Array.from({ length: 8 }, (_, i) => ({ lat: 43.0, lng: 74.75 + i * 0.12 })),
    { lat: 43.0386, lng: 74.7059 },
    { lat: 43.0386, lng: 74.7059 },
  ];
  const { organiser, scene, plates } = await trucksOnTheRoad(app.url, positions);
  await openBrowser(app.url);
  await openDashboard(scene.campaign.id, organiser);
  await page
    .locator(`[data-testid="shipments"] tr[data-shipment]`)
    .nth(positions.length - 1)
    .waitFor();
  await page.locator('.dashboard-truck, .truck-cluster').first().waitFor();
  // Clusters settle (markercluster marks the map pane while it animates).
  await page.waitForFunction(() => document.querySelector('.leaflet-cluster-anim') === null);
  // Every truck is in view, as a marker of its own or counted in a group.
  const atFit = await settledMap(plates.length);
  expect(await everythingInView()).toBe(true);
  expect(atFit.markers + atFit.grouped).toBe(plates.length);
  expect(atFit.grouped).toBeGreaterThanOrEqual(2); // the two at the border at least
  expectNoLabelCovers(atFit.labels);
  // At the zoom that fits everything every truck may be in a group: a tap on a group zooms in,
  // and the trucks it held get markers, with labels that do not cover each other.
  const { labels } =
    atFit.markers > 0
      ? atFit
      : await page
          .locator('.truck-cluster')
          .first()
          .click()
          .then(() => settledMap(plates.length, { markers: true }));
  expect(labels.length).toBeGreaterThan(0);
  expectNoLabelCovers(labels);

  // A truck whose label gave way shows it when tapped.
  const hidden = await page
    .locator('.leaflet-tooltip.truck-label.truck-label-hidden')
    .evaluateAll((elements) => elements.map((element) => element.textContent ?? ''));
  if (hidden.length > 0) {
    await page.locator('.dashboard-truck', { hasText: hidden[0]! }).click();
    await page.locator('.leaflet-tooltip.truck-label-open', { hasText: hidden[0]! }).waitFor();
    expect(
      await page.locator('.leaflet-tooltip.truck-label-open').evaluate((label) => getComputedStyle(label).visibility),
    ).toBe('visible');
  }
  await page.locator('.dashboard-map').screenshot({ path: `${SHOTS}/map-trucks.png` });

  // The groups say what they are in the language chosen since (their labels are made by the map
  // library, long after the page's first render).
  await page.getByTestId('map-fit').click();
  await page.locator('.truck-cluster').first().waitFor();
  await page.getByRole('group', { name: 'Язык' }).getByRole('button', { name: 'KK' }).click();
  await page.locator('html[lang="kk"]').waitFor();
  await page.waitForFunction(() => document.querySelector('.leaflet-cluster-anim') === null);
  const groupLabels = await page
    .locator('.truck-cluster .visually-hidden')
    .evaluateAll((elements) => elements.map((element) => element.textContent ?? ''));
  expect(groupLabels.length).toBeGreaterThan(0);
  for (const label of groupLabels) expect(label).toMatch(/^Мұндағы көліктер: \d+ — жақындату үшін басыңыз$/);
});
