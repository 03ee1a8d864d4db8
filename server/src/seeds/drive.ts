import { createHash } from 'node:crypto';
import type { CampaignDto, LocationDto, Role, ShipmentStatus, ShipmentUpdateRequest } from '@karavan/shared';
import { createCampaignsService } from '../campaigns';
import { Campaign } from '../campaigns/campaigns.model';
import { type DonationsService } from '../donations';
import { Donation } from '../donations/donations.model';
import { Item } from '../items/items.model';
import type { Actor } from '../lib/route';
import { byRussianName } from '../lib/text-search';
import { presentLocation } from '../locations';
import { Location } from '../locations/locations.model';
import { type ShipmentsService } from '../shipments';
import { Shipment } from '../shipments/shipments.model';
import type { StockService } from '../stock';
import { User } from '../users/users.model';

/*
 * The January 2022 drive, replayed as demo data through the same services as the API: donations
 * over four days at the Bishkek collection points, then four trucks to Almaty through the Ak-Zhol
 * checkpoint, one at each stage (delivered with a small shortfall written off, at the border,
 * loading, planned). The story is anchored to the day the seed runs (the last four days), so
 * that perishable goods are still good, the dashboard is live and the trucks can be moved on.
 *
 * Idempotent by natural keys: a donation carries its demo key in its note, a shipment's key is
 * kept in `demo_seed` (written right after it is created), and every status update has an id
 * derived from its key (the shipments service answers a repeated id with the first answer).
 */

/** The Russian name of the demo campaign (seeds/demo.json). */
export const DRIVE_CAMPAIGN = 'Гуманитарная помощь Казахстану, январь 2022';

const HOUR = 3_600_000;

/** A deterministic pseudo-random sequence (mulberry32), so every run plans the same drive. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID (v4 layout) derived from a key: the same demo status update always has the same id. */
export function demoUuid(key: string): string {
  const h = createHash('sha256').update(`karavan-demo:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const DONORS = [
  { kind: 'organisation', name: 'Пекарня «Нан-Ай»' },
  { kind: 'person', name: 'Асель Жумалиева' },
  { kind: 'anonymous' },
  { kind: 'organisation', name: 'Молочный завод «Ак-Суу»' },
  { kind: 'person', name: 'Ivan Petrov', locale: 'en' },
  { kind: 'organisation', name: 'Хлебокомбинат Бишкек' },
  { kind: 'person', name: 'Нургуль Сыдыкова' },
  { kind: 'anonymous' },
  { kind: 'organisation', name: 'Kyrgyz Dairy Cooperative', locale: 'en' },
  { kind: 'person', name: 'Бакыт Осмонов' },
  { kind: 'organisation', name: 'Студенты КРСУ' },
  { kind: 'person', name: 'Айбек Мамытов' },
] as const;

export interface DriveResult {
  donations: { created: number; existing: number };
  shipments: { created: number; existing: number };
  updates: number;
}

interface Services {
  donations: DonationsService;
  shipments: ShipmentsService;
  stock: StockService;
}

async function actorOf(email: string): Promise<Actor> {
  const user = await User.findOne({ email }).lean();
  if (!user) throw new Error(`the demo drive needs the user ${email} (seeds/demo.json)`);
  return { id: user._id.toHexString(), role: user.role as Role, email, mustChangePassword: false };
}

async function locationNamed(name: string): Promise<LocationDto> {
  const doc = await Location.findOne(byRussianName(name));
  if (!doc) throw new Error(`the demo drive needs the location "${name}" (seeds/demo.json)`);
  return presentLocation(doc);
}

/** The demo shipments' keys and ids, one document (`_id` is its natural key). */
const seedState = () =>
  Shipment.db.collection<{ _id: string; anchor: Date; shipments: Record<string, string> }>('demo_seed');

/**
 * Records the drive: donations, then shipments. `now` anchors the story (default: the current
 * hour). Running it again adds nothing.
 */
export async function seedDrive(services: Services, now = new Date()): Promise<DriveResult> {
  const result: DriveResult = {
    donations: { created: 0, existing: 0 },
    shipments: { created: 0, existing: 0 },
    updates: 0,
  };
  const campaignDoc = await Campaign.findOne(byRussianName(DRIVE_CAMPAIGN)).lean();
  if (!campaignDoc) throw new Error(`the demo drive needs the campaign "${DRIVE_CAMPAIGN}" (seeds/demo.json)`);
  const campaign = { id: campaignDoc._id.toHexString() } as Pick<CampaignDto, 'id'>;
  const item = async (ru: string) => {
    const doc = await Item.findOne({ 'name.ru': ru }).lean();
    if (!doc) throw new Error(`the demo drive needs the item "${ru}"`);
    return doc._id.toHexString();
  };
  const bread = await item('Хлеб');
  const milk = await item('Молоко');
  const kefir = await item('Кефир');
  const points = await Promise.all(
    ['Пункт сбора «Ала-Тоо»', 'Пункт сбора «Вефа»', 'Пункт сбора «Ошский базар»'].map(locationNamed),
  );
  const checkpoint = await locationNamed('КПП «Ак-Жол»');
  const almaty = await locationNamed('Пункт выдачи Алматы');
  const alatau = await locationNamed('Пункт выдачи Алматы — Алатау');
  const coordinators = [await actorOf('bakyt@demo.karavan'), await actorOf('dana@demo.karavan')];
  // Who works where (a pledge's donor contact is shown only to the people of its point): Bakyt at
  // Ala-Too and the Osh bazaar, Dana at Vefa, as their donations below.
  await User.updateOne({ email: 'bakyt@demo.karavan' }, { $set: { locationIds: [points[0]!.id, points[2]!.id] } });
  await User.updateOne({ email: 'dana@demo.karavan' }, { $set: { locationIds: [points[1]!.id] } });
  const nurlan = await actorOf('nurlan@demo.karavan');
  const erlan = await actorOf('erlan@demo.karavan');

  // Day 0 of the story starts four days before the hour the seed first ran; day 3 is that day.
  // The anchor is kept, so that a later run replays exactly the same requests.
  const state = (await seedState().findOne({ _id: 'drive' })) ?? {
    _id: 'drive',
    anchor: new Date(Math.floor(now.getTime() / HOUR) * HOUR),
    shipments: {},
  };
  await seedState().updateOne({ _id: 'drive' }, { $setOnInsert: { anchor: state.anchor } }, { upsert: true });
  const anchor = state.anchor ?? new Date(Math.floor(now.getTime() / HOUR) * HOUR);
  const start = anchor.getTime() - 4 * 24 * HOUR;
  // The campaign runs over the story's days (from the day before the first donation to a week on).
  const startsAt = new Date(Math.floor(start / (24 * HOUR)) * 24 * HOUR).toISOString();
  if (campaignDoc.startsAt?.toISOString() !== startsAt) {
    await createCampaignsService().update(await actorOf('aigul@demo.karavan'), campaign.id, {
      startsAt,
      endsAt: new Date(Math.floor(start / (24 * HOUR)) * 24 * HOUR + 12 * 24 * HOUR).toISOString(),
    });
  }
  const at = (hoursFromStart: number) =>
    new Date(Math.min(start + hoursFromStart * HOUR, anchor.getTime(), now.getTime()));
  /** A planned time, which may lie ahead. */
  const plannedAt = (hoursFromStart: number) => new Date(start + hoursFromStart * HOUR);

  const DAY = 24 * HOUR;
  const nextMidnight = Math.floor(anchor.getTime() / DAY) * DAY + DAY;

  // ---- Donations: 12 a day for four days, round the three collection points.
  const random = prng(2022_01_06);
  for (let n = 0; n < 48; n += 1) {
    const day = Math.floor(n / 12);
    const point = points[n % 3]!;
    const donor = DONORS[n % DONORS.length]!;
    const big = donor.kind === 'organisation';
    const receivedAt = at(day * 24 + 8 + (n % 12) + random());
    const lines: { itemId: string; quantity: number; unit?: string; expiresAt?: string }[] = [];
    // Bread keeps three days: it is collected on the last three, as it was baked for the trucks.
    // Its lots are kept by the UTC day (expiry rounded down), so each day's bread is given the
    // expiry of a day still ahead when the seed first runs: day 1's lands in tomorrow's lot
    // (inside the 24 h alert window), day 2's in the next (the 48 h window), day 3's later.
    // Nothing is expired on the day the seed runs.
    if (day > 0)
      lines.push({
        itemId: bread,
        quantity: big ? 20 + Math.floor(random() * 40) : 4 + Math.floor(random() * 10),
        unit: 'tray',
        expiresAt: new Date(nextMidnight + (day - 1) * DAY + HOUR).toISOString(),
      });
    if (n % 2 === 0 || big)
      lines.push({
        itemId: milk,
        quantity: big ? 35 + Math.floor(random() * 20) : 4 + Math.floor(random() * 10),
        unit: 'crate',
      });
    if (n % 3 !== 1)
      lines.push({
        itemId: kefir,
        quantity: big ? 150 + Math.floor(random() * 200) : 20 + Math.floor(random() * 60),
        unit: 'pack',
      });
    const note = `Демо-данные: пожертвование ${n + 1}`;
    if (await Donation.exists({ note })) {
      result.donations.existing += 1;
      continue;
    }
    if (receivedAt.getTime() > now.getTime()) continue;
    await services.donations.record(coordinators[n % 3 === 1 ? 1 : 0]!, {
      campaignId: campaign.id,
      locationId: point.id,
      receivedAt: receivedAt.toISOString(),
      donor: {
        kind: donor.kind,
        ...('name' in donor ? { name: donor.name } : {}),
        ...('locale' in donor ? { locale: donor.locale } : {}),
      },
      lines,
      note,
    });
    result.donations.created += 1;
  }

  // ---- Shipments, each as far along as its story goes.
  const pos = (l: LocationDto) => (l.position ? { position: { lat: l.position.lat, lng: l.position.lng } } : {});

  /** What the origin has (not reserved, not expired) up to `wanted`. */
  const upTo = async (origin: LocationDto, itemId: string, wanted: number) => {
    const pick = await services.stock.pickLotsFefo(origin.id, campaign.id, itemId, wanted);
    return wanted - pick.missing;
  };

  interface Plan {
    key: string;
    origin: LocationDto;
    destination: LocationDto;
    driver: Actor | null;
    vehicle: { plate: string; kind: string; capacityKg: number } | null;
    departHour: number;
    lines: [string, number][];
    steps: { status: ShipmentStatus; hour: number; by: 'coordinator' | 'driver'; note?: string; delivered?: boolean }[];
  }
  const plans: Plan[] = [
    {
      key: 'truck-1-delivered',
      origin: points[0]!,
      destination: almaty,
      driver: nurlan,
      vehicle: { plate: '01KG123ABC', kind: 'Фура', capacityKg: 10_000 },
      departHour: 60,
      lines: [
        [bread, 3000],
        [milk, 2400],
        [kefir, 1200],
      ],
      steps: [
        { status: 'loading', hour: 57, by: 'coordinator' },
        { status: 'departed', hour: 60, by: 'driver', note: 'Выехали из Бишкека' },
        { status: 'at_checkpoint', hour: 62, by: 'driver', note: 'Очередь на КПП, около 40 машин' },
        { status: 'departed', hour: 68, by: 'driver', note: 'Граница пройдена' },
        { status: 'arrived', hour: 74, by: 'driver' },
        { status: 'delivered', hour: 75, by: 'driver', delivered: true },
      ],
    },
    {
      key: 'van-2-at-border',
      origin: points[1]!,
      destination: alatau,
      driver: erlan,
      vehicle: { plate: '01KG456DEF', kind: 'ГАЗель', capacityKg: 1500 },
      departHour: 90,
      lines: [
        [bread, 600],
        [milk, 480],
      ],
      steps: [
        { status: 'loading', hour: 88, by: 'coordinator' },
        { status: 'departed', hour: 90, by: 'driver' },
        { status: 'at_checkpoint', hour: 92, by: 'driver', note: 'Ждём досмотра на Ак-Жол' },
      ],
    },
    {
      key: 'truck-3-loading',
      origin: points[0]!,
      destination: almaty,
      driver: null,
      vehicle: { plate: '01KG789GHI', kind: 'Фура', capacityKg: 8000 },
      departHour: 98,
      lines: [
        [bread, 1500],
        [milk, 1200],
        [kefir, 600],
      ],
      steps: [{ status: 'loading', hour: 95, by: 'coordinator' }],
    },
    {
      key: 'truck-4-planned',
      origin: points[2]!,
      destination: alatau,
      driver: null,
      vehicle: null,
      departHour: 110,
      lines: [
        [milk, 1800],
        [kefir, 500],
      ],
      steps: [],
    },
  ];

  for (const plan of plans) {
    let id = state.shipments[plan.key];
    if (id && (await Shipment.exists({ _id: id }))) {
      result.shipments.existing += 1;
    } else {
      const lines = [];
      for (const [itemId, wanted] of plan.lines) {
        const quantity = await upTo(plan.origin, itemId, wanted);
        if (quantity > 0) lines.push({ itemId, quantity });
      }
      if (lines.length === 0) continue;
      const created = await services.shipments.create(coordinators[0]!, {
        campaignId: campaign.id,
        originId: plan.origin.id,
        destinationId: plan.destination.id,
        driverId: plan.driver?.id ?? null,
        vehicle: plan.vehicle,
        plannedDepartureAt: plannedAt(plan.departHour).toISOString(),
        route: [checkpoint.id],
        lines,
      });
      id = created.id;
      state.shipments[plan.key] = id;
      await seedState().updateOne({ _id: 'drive' }, { $set: { [`shipments.${plan.key}`]: id } }, { upsert: true });
      result.shipments.created += 1;
    }
    for (const step of plan.steps) {
      const when = at(step.hour);
      const actor = step.by === 'driver' && plan.driver ? plan.driver : coordinators[0]!;
      const place =
        step.status === 'at_checkpoint' || (step.status === 'departed' && step.note === 'Граница пройдена')
          ? checkpoint
          : step.status === 'arrived' || step.status === 'delivered'
            ? plan.destination
            : plan.origin;
      const update: ShipmentUpdateRequest = {
        id: demoUuid(`${plan.key}:${step.status}:${step.hour}`),
        status: step.status,
        at: when.toISOString(),
        ...pos(place),
        ...(step.note ? { note: step.note } : {}),
        ...(step.status === 'at_checkpoint' ? { checkpointId: checkpoint.id } : {}),
      };
      if (step.delivered) {
        // A small shortfall: a tray of bread crushed, a crate of milk split on the road.
        const shipment = await services.shipments.get(actor, id);
        update.receivedBy = 'Дана Сейткали, пункт выдачи Алматы';
        update.lines = shipment.lines.map((l) =>
          l.itemId === bread
            ? { itemId: l.itemId, received: l.quantity - 20, reason: 'damaged' as const }
            : l.itemId === milk
              ? { itemId: l.itemId, received: l.quantity - 12, reason: 'spoiled' as const }
              : { itemId: l.itemId, received: l.quantity },
        );
        update.note = 'Один лоток хлеба раздавлен, один ящик молока протёк';
      }
      await services.shipments.report(actor, id, update);
      result.updates += 1;
    }
  }
  return result;
}
