import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type {
  CampaignDto,
  CreateDonationRequest,
  DonationDto,
  ItemDto,
  LocationDto,
  ReconcileReport,
} from '@karavan/shared';
import { reconcileStock } from '../../server/src/stock/reconcile';
import { signedIn } from './factories';

const tag = () => randomBytes(4).toString('hex');
type Auth = { Authorization: string };

async function post<T>(url: string, auth: Auth, path: string, body: object): Promise<T> {
  const res = await request(url).post(path).set(auth).send(body);
  if (res.status !== 201) throw new Error(`POST ${path} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

/**
 * A small world made through the API: an organiser, a coordinator and a driver; bread (loaf,
 * tray of 20, keeps 72 h), milk (litre, crate of 12, keeps 120 h), kefir (litre, keeps 36 h:
 * hourly lots), water (piece, not perishable); a collection point, a warehouse and a
 * distribution point; an active campaign with targets for bread and milk.
 */
export async function stockWorld(url: string) {
  const [organiser, coordinator, driver] = await Promise.all([
    signedIn(url, { role: 'organiser' }),
    signedIn(url, { role: 'coordinator' }),
    signedIn(url, { role: 'driver' }),
  ]);
  const t = tag();
  const item = (body: object) => post<ItemDto>(url, organiser.auth, '/api/items', body);
  const bread = await item({
    name: { ru: `Хлеб ${t}`, en: `Bread ${t}` },
    baseUnit: 'loaf',
    packs: [{ unit: 'tray', size: 20 }],
    perishable: true,
    shelfLifeHours: 72,
  });
  const milk = await item({
    name: { ru: `Молоко ${t}`, en: `Milk ${t}` },
    baseUnit: 'litre',
    packs: [{ unit: 'crate', size: 12 }],
    perishable: true,
    shelfLifeHours: 120,
  });
  const kefir = await item({
    name: { ru: `Кефир ${t}`, en: `Kefir ${t}` },
    baseUnit: 'litre',
    perishable: true,
    shelfLifeHours: 36,
  });
  const water = await item({ name: { ru: `Вода ${t}`, en: `Water ${t}` }, baseUnit: 'piece', perishable: false });
  const location = (name: string, kind: string) =>
    post<LocationDto>(url, organiser.auth, '/api/locations', { name: `${name} ${t}`, kind });
  const point = await location('Пункт приёма', 'collection_point');
  const warehouse = await location('Склад', 'warehouse');
  const distribution = await location('Пункт раздачи', 'distribution_point');
  const campaign = await post<CampaignDto>(url, organiser.auth, '/api/campaigns', {
    name: `Январь 2022 ${t}`,
    status: 'active',
    targets: [
      { itemId: bread.id, quantity: 15_000 },
      { itemId: milk.id, quantity: 1_250, unit: 'crate' },
    ],
  });
  const donate = (
    lines: CreateDonationRequest['lines'],
    extra: Partial<CreateDonationRequest> = {},
    auth = coordinator.auth,
  ) =>
    post<DonationDto>(url, auth, '/api/donations', { campaignId: campaign.id, locationId: point.id, lines, ...extra });
  return {
    organiser,
    coordinator,
    driver,
    bread,
    milk,
    kefir,
    water,
    point,
    warehouse,
    distribution,
    campaign,
    donate,
  };
}
export type StockWorld = Awaited<ReturnType<typeof stockWorld>>;

/** Runs the reconcile and expects the running totals to match the ledger exactly. */
export async function expectLedgerConsistent(): Promise<ReconcileReport> {
  const report = await reconcileStock();
  expect(report.differences).toEqual([]);
  expect(report.inFlight).toBe(0);
  return report;
}

/** Expects donated = onHand + inTransit + delivered + writtenOff for every item of the campaign. */
export async function expectProgressInvariant(url: string, auth: Auth, campaignId: string) {
  const res = await request(url).get(`/api/campaigns/${campaignId}/progress`).set(auth).expect(200);
  for (const item of res.body.items as {
    donated: number;
    onHand: number;
    inTransit: number;
    delivered: number;
    writtenOff: number;
  }[]) {
    expect(item.donated).toBe(item.onHand + item.inTransit + item.delivered + item.writtenOff);
  }
  return res.body;
}
