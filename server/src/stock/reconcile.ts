import mongoose, { type mongo } from 'mongoose';
import type { ReconcileDifference, ReconcileReport } from '@karavan/shared';
import { BALANCE_FIELDS, effectOf, TOTAL_FIELDS } from './ledger';
import { walkScope } from './ledger-index';

/** Sums in BigInt: exact at any size, so a difference of 1 is seen however large the totals grew. */
type Counts = Record<string, bigint>;
interface Computed {
  counts: Counts;
  /** Fields of the document should the fix have to create it. */
  fields: Record<string, unknown>;
}

/**
 * Recomputes every balance and campaign total from the ledger (one pass over the movements in
 * the order they were written, in JS: no aggregation needed) and compares them with the stored running totals.
 * Documents that an unfinished operation is still changing are left out (`inFlight`). With
 * `fix`, each differing number is set to the ledger's value (compare-and-set on the stored value,
 * so a concurrent operation is never overwritten).
 */
export async function reconcileStock(options: { fix?: boolean } = {}): Promise<ReconcileReport> {
  const balances = new Map<string, Computed>();
  const totals = new Map<string, Computed>();
  const add = (
    map: Map<string, Computed>,
    id: string,
    inc: Record<string, number>,
    fields: Record<string, unknown>,
  ) => {
    let entry = map.get(id);
    if (!entry) map.set(id, (entry = { counts: {}, fields }));
    for (const [field, value] of Object.entries(inc)) entry.counts[field] = (entry.counts[field] ?? 0n) + BigInt(value);
  };
  let movements = 0;
  // 1,000 movements per indexed query, never the whole movements collection at once.
  for await (const page of walkScope('all', 'oldest', 1_000)) {
    for (const m of page) {
      movements += 1;
      const effect = effectOf(m);
      if (effect.balance) {
        add(balances, effect.balance.id, effect.balance.inc, {
          locationId: m.locationId,
          lotId: m.lotId,
          itemId: m.itemId,
          campaignId: m.campaignId,
          expiresAt: m.expiresAt ?? null,
        });
      }
      add(totals, effect.total.id, effect.total.inc, { campaignId: m.campaignId, itemId: m.itemId });
    }
  }

  const differences: ReconcileDifference[] = [];
  let inFlight = 0;
  const compare = async (
    name: ReconcileDifference['collection'],
    computed: Map<string, Computed>,
    fields: readonly string[],
  ) => {
    // Any document with counters and markers (balances, campaign totals): read by field name.
    const collection = mongoose.connection.collection<mongo.Document>(name);
    const seen = new Set<string>();
    let stored = 0;
    for await (const doc of collection.find({})) {
      stored += 1;
      const id = String(doc._id);
      seen.add(id);
      if (Array.isArray(doc.ops) && doc.ops.length > 0) {
        inFlight += 1;
        continue;
      }
      const expected = computed.get(id)?.counts ?? {};
      for (const field of fields) {
        const have = Number(doc[field] ?? 0);
        const want = expected[field] ?? 0n;
        // A stored value that is not an integer (or too big to be exact) never equals the ledger's.
        if (Number.isInteger(have) && BigInt(have) === want) continue;
        differences.push({ collection: name, id, field, stored: have, fromLedger: Number(want) });
        if (options.fix) {
          await collection.updateOne(
            { _id: doc._id, ops: { $size: 0 }, [field]: doc[field] },
            { $set: { [field]: Number(want) } },
          );
        }
      }
    }
    for (const [id, entry] of computed) {
      if (seen.has(id)) continue;
      for (const field of fields) {
        const want = entry.counts[field] ?? 0n;
        if (want !== 0n) differences.push({ collection: name, id, field, stored: 0, fromLedger: Number(want) });
      }
      if (options.fix && fields.some((f) => (entry.counts[f] ?? 0n) !== 0n)) {
        const counts = Object.fromEntries(fields.map((f) => [f, Number(entry.counts[f] ?? 0n)]));
        await collection.insertOne({ _id: id as never, ...entry.fields, ...counts, ops: [] }).catch((err: unknown) => {
          if ((err as { code?: number }).code !== 11000) throw err;
        });
      }
    }
    return stored;
  };
  const balanceCount = await compare('balances', balances, BALANCE_FIELDS);
  const totalCount = await compare('campaign_totals', totals, TOTAL_FIELDS);
  return {
    checkedAt: new Date().toISOString(),
    movements,
    balances: balanceCount,
    campaignTotals: totalCount,
    differences,
    inFlight,
    fixed: Boolean(options.fix) && differences.length > 0,
  };
}
