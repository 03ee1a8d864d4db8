import { Types, type mongo } from 'mongoose';
import { collectionOf } from '../db/collections';
import { SingleBar, Presets } from 'cli-progress';
import { createCampaignsService } from '../campaigns';
import { Campaign } from '../campaigns/campaigns.model';
import { counterId, hourStart } from '../dashboard';
import { DonationCounter } from '../dashboard/dashboard.model';
import { type DonationDoc } from '../donations';
import { Donation } from '../donations/donations.model';
import { createItemsService } from '../items';
import { Item } from '../items/items.model';
import type { Actor } from '../lib/route';
import { byRussianName } from '../lib/text-search';
import { createLocationsService } from '../locations';
import { Location } from '../locations/locations.model';
import { effectOf, ensureLot, lotExpiry, type MovementDoc } from '../stock';
import { Balance, CampaignTotal, Movement } from '../stock/stock.model';

/*
 * Large synthetic data for benchmarks: `npm run seed -- --scale N` records N donations (one to
 * three lines each, so about 2N ledger entries) in a campaign of its own, spread over 30 days and
 * 24 collection points. It writes in bulk, not through the per-operation engine, yet keeps every
 * invariant the engine keeps: each donation's `received` movements (ids `${donationId}:${n}`,
 * the donation's id as op id, as the donations service makes them; the movements' declared
 * indexes serve the ledger's readers), balances and campaign totals incremented by
 * `effectOf` (the engine's own definition), the dashboard's hourly donation counters, and the
 * donation documents. `npm run reconcile`
 * proves it. Only additions are written, so no guard can fail; the live events are left out
 * (nobody is watching a benchmark being built).
 */

const BATCH = 2_000;
const DAYS = 30;
const HOUR = 3_600_000;

interface Progress {
  start(total: number): void;
  update(done: number): void;
  stop(): void;
}

/** A progress bar on a terminal; plain lines (every 10%) otherwise, e.g. in CI logs. */
export function progressReporter(out: NodeJS.WriteStream = process.stdout, label = 'donations'): Progress {
  if (out.isTTY) {
    const bar = new SingleBar(
      { format: `{bar} {percentage}% | {value}/{total} ${label} | {eta_formatted} left`, stream: out },
      Presets.shades_classic,
    );
    return { start: (total) => bar.start(total, 0), update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let total = 0;
  let next = 0;
  return {
    start(t) {
      total = t;
      next = 0;
    },
    update(done) {
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (percent >= next) {
        out.write(`${done}/${total} ${label} (${percent}%)\n`);
        next = percent - (percent % 10) + 10;
      }
    },
    stop() {},
  };
}

export interface SyntheticResult {
  campaignId: string;
  donations: number;
  movements: number;
  ms: number;
}

type Doc = mongo.Document;

/** Records `count` synthetic donations in bulk (see the comment above). */
export async function seedSynthetic(
  actor: Actor,
  count: number,
  progress: Progress = progressReporter(),
  now = new Date(),
): Promise<SyntheticResult> {
  const started = Date.now();
  const name = `Synthetic load ${count} (${now.toISOString().slice(0, 16)})`;
  const items = createItemsService();
  const itemIds: { id: string; shelfLifeHours: number | null }[] = [];
  for (const [ru, en, baseUnit, shelf] of [
    ['Синтетический хлеб', 'Synthetic bread', 'loaf', 72],
    ['Синтетическое молоко', 'Synthetic milk', 'litre', 168],
    ['Синтетическая вода', 'Synthetic water', 'litre', null],
  ] as const) {
    const existing = await Item.findOne({ 'name.ru': ru }).lean();
    const id = existing
      ? existing._id.toHexString()
      : (
          await items.create(actor, {
            name: { ru, en },
            baseUnit,
            perishable: shelf !== null,
            ...(shelf !== null ? { shelfLifeHours: shelf } : {}),
          })
        ).id;
    itemIds.push({ id, shelfLifeHours: shelf });
  }
  const locations = createLocationsService();
  const points: string[] = [];
  for (let n = 1; n <= 24; n += 1) {
    const pointName = `Synthetic point ${String(n).padStart(2, '0')}`;
    const existing = await Location.findOne(byRussianName(pointName)).lean();
    points.push(
      existing
        ? existing._id.toHexString()
        : (
            await locations.create(actor, {
              name: pointName,
              kind: 'collection_point',
              position: { lat: 42.8 + n / 100, lng: 74.5 + n / 100 },
            })
          ).id,
    );
  }
  const campaignName = (await Campaign.exists(byRussianName(name))) ? `${name} #${Date.now()}` : name;
  const campaign = await createCampaignsService().create(actor, {
    name: campaignName,
    status: 'active',
    targets: itemIds.map((i) => ({ itemId: i.id, quantity: count * 50 })),
  });

  const start = now.getTime() - DAYS * 24 * HOUR;
  const span = DAYS * 24 * HOUR;
  const donations = collectionOf(Donation);
  const movements = collectionOf(Movement);
  let written = 0;
  let movementCount = 0;
  progress.start(count);
  for (let first = 0; first < count; first += BATCH) {
    const size = Math.min(BATCH, count - first);
    const docs: DonationDoc[] = [];
    const batchMovements: MovementDoc[] = [];
    const balanceInc = new Map<string, { inc: Record<string, number>; insert: Doc }>();
    const totalInc = new Map<string, { inc: Record<string, number>; insert: Doc }>();
    const hourInc = new Map<string, { inc: Record<string, number>; insert: Doc }>();
    const add = (map: typeof balanceInc, id: string, inc: Record<string, number>, insert: Doc) => {
      const entry = map.get(id) ?? { inc: {}, insert };
      for (const [f, v] of Object.entries(inc)) entry.inc[f] = (entry.inc[f] ?? 0) + v;
      map.set(id, entry);
    };
    for (let k = 0; k < size; k += 1) {
      const n = first + k;
      // Received times increase with n.
      const receivedAt = new Date(start + Math.floor(((n + 0.5) / count) * span));
      const id =
        Types.ObjectId.createFromTime(Math.floor(receivedAt.getTime() / 1000))
          .toHexString()
          .slice(0, 8) + new Types.ObjectId().toHexString().slice(8);
      const locationId = points[n % points.length]!;
      const lineCount = 1 + (n % 3);
      const lines: DonationDoc['lines'] = [];
      for (let l = 0; l < lineCount; l += 1) {
        const item = itemIds[(n + l) % itemIds.length]!;
        const expiresAt = item.shelfLifeHours
          ? lotExpiry(new Date(receivedAt.getTime() + item.shelfLifeHours * HOUR), item.shelfLifeHours)
          : null;
        const lot = await ensureLot(campaign.id, item.id, expiresAt);
        lines.push({ itemId: item.id, quantity: 1 + ((n * 7 + l * 13) % 60), lotId: lot.id, expiresAt });
      }
      const hour = hourStart(receivedAt);
      add(
        hourInc,
        counterId(campaign.id, hour),
        { donations: 1, quantity: lines.reduce((sum, l) => sum + l.quantity, 0) },
        {
          campaignId: campaign.id,
          hour,
        },
      );
      docs.push({
        _id: id,
        campaignId: campaign.id,
        locationId,
        receivedAt,
        receivedBy: actor.id,
        donor: { kind: 'anonymous', name: null, phone: null, consentToContact: false, locale: null },
        lines,
        note: null,
        opId: id,
        voiding: null,
        voided: null,
        createdAt: receivedAt,
      });
      lines.forEach((line, i) => {
        const m: MovementDoc = {
          _id: `${id}:${i}`,
          opId: id,
          at: receivedAt,
          actorId: actor.id,
          kind: 'received',
          locationId,
          itemId: line.itemId,
          campaignId: campaign.id,
          lotId: line.lotId,
          expiresAt: line.expiresAt,
          quantity: line.quantity,
          reason: null,
          note: null,
          donationId: id,
          shipmentId: null,
        };
        batchMovements.push(m);
        const effect = effectOf(m);
        add(balanceInc, effect.balance!.id, effect.balance!.inc, {
          locationId,
          lotId: m.lotId,
          itemId: m.itemId,
          campaignId: m.campaignId,
          expiresAt: m.expiresAt,
        });
        add(totalInc, effect.total.id, effect.total.inc, { campaignId: m.campaignId, itemId: m.itemId });
      });
    }
    // Ledger first (the engine's commit point), then the running totals and the donations: a
    // crash part-way leaves what `npm run reconcile -- --fix` completes.
    await movements.insertMany(batchMovements, { ordered: false });
    const upserts = (map: typeof balanceInc, fields: readonly string[]) =>
      [...map].map(([id, { inc, insert }]) => ({
        updateOne: {
          filter: { _id: id } as Doc,
          update: {
            $inc: inc,
            $setOnInsert: {
              ...insert,
              ...Object.fromEntries(fields.filter((f) => !(f in inc)).map((f) => [f, 0])),
              ops: [],
            },
          } as Doc,
          upsert: true,
        },
      }));
    await Balance.collection.bulkWrite(upserts(balanceInc, ['onHand', 'reserved', 'available']), { ordered: false });
    await CampaignTotal.collection.bulkWrite(
      upserts(totalInc, ['donated', 'onHand', 'reserved', 'inTransit', 'delivered', 'writtenOff']),
      { ordered: false },
    );
    await DonationCounter.collection.bulkWrite(
      [...hourInc].map(([id, { inc, insert }]) => ({
        updateOne: { filter: { _id: id } as Doc, update: { $inc: inc, $setOnInsert: insert } as Doc, upsert: true },
      })),
      { ordered: false },
    );
    await donations.insertMany(docs, { ordered: false });
    written += size;
    movementCount += batchMovements.length;
    progress.update(written);
  }
  progress.stop();
  return { campaignId: campaign.id, donations: written, movements: movementCount, ms: Date.now() - started };
}
