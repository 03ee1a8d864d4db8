import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Page } from 'playwright-core';
import { signedIn } from '../support/factories';

export type Auth = { Authorization: string };
export interface Named {
  id: string;
  name: string;
}
export interface Item {
  id: string;
  name: { ru: string; en: string };
}

export const TABLET = { width: 1024, height: 768 };
export const LAPTOP = { width: 1366, height: 800 };
const SCREENSHOTS = path.resolve(__dirname, '../../test-results/screenshots');

export async function post<T>(url: string, auth: Auth, route: string, body: object): Promise<T> {
  const res = await request(url).post(route).set(auth).send(body);
  if (res.status !== 201) throw new Error(`POST ${route}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

/** A campaign with milk at a collection point, a warehouse and a checkpoint, and people to sign in as. */
export async function makeWorld(url: string) {
  const [organiser, coordinator] = await Promise.all([
    signedIn(url, { role: 'organiser' }),
    signedIn(url, { role: 'coordinator' }),
  ]);
  const tag = Math.random().toString(16).slice(2, 8);
  const milk = await post<Item>(url, organiser.auth, '/api/items', {
    name: { ru: `Молоко ${tag}`, en: `Milk ${tag}` },
    baseUnit: 'litre',
    packs: [{ unit: 'crate', size: 12 }],
    perishable: true,
    shelfLifeHours: 240,
  });
  // Names come back translated ({ ru, en, ky, kk }); the screens here are in Russian.
  const russian = (named: { id: string; name: { ru: string } }): Named => ({ ...named, name: named.name.ru });
  const place = async (name: string, kind: string) =>
    russian(await post(url, organiser.auth, '/api/locations', { name, kind }));
  const point = await place(`Пункт ${tag}`, 'collection_point');
  const warehouse = await place(`Склад ${tag}`, 'warehouse');
  const checkpoint = await place(`КПП ${tag}`, 'checkpoint');
  const campaign = russian(
    await post(url, organiser.auth, '/api/campaigns', {
      name: `Кампания ${tag}`,
      status: 'active',
      targets: [{ itemId: milk.id, quantity: 1000 }],
    }),
  );
  return { tag, organiser, coordinator, milk, point, warehouse, checkpoint, campaign };
}
export type World = Awaited<ReturnType<typeof makeWorld>>;

/** Opens a page signed out, signs in there, and waits for the page's heading. */
export async function signInAt(page: Page, to: string, who: { user: { email: string }; password: string }) {
  await page.goto(to);
  await page.getByRole('heading', { name: 'Вход' }).waitFor();
  await page.getByLabel('Электронная почта').fill(who.user.email);
  await page.getByLabel('Пароль', { exact: true }).fill(who.password);
  await page.keyboard.press('Enter');
}

export { seriousViolations } from '../support/axe';

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export { choose } from '../support/select';

export function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
