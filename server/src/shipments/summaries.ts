import { LRUCache } from 'lru-cache';
import type { mongo, Types } from 'mongoose';
import type { ShipmentSummaryDto } from '@karavan/shared';
import { ApiError } from '../lib/errors';
import { weakEtag } from '../lib/route';
import { shipments, type ShipmentRecord } from './shipments.model';
import { presentShipment, presentShipmentSummary, SUMMARY_PROJECTION } from './shipments.presenter';

/*
 * The shipments list's rows, kept as JSON text by shipment id and `version`.
 *
 * Every write of a shipment increments its `version` (the compare-and-set of context.ts, the
 * kernel's claim and its release, the applied pending change), so the row kept under an id and
 * a version is what presenting that document again would give: a kept row is never stale and
 * nothing has to be forgotten when a shipment changes, on this instance or on any other. A list
 * reads the page's ids and versions (its index walk and 50 small documents), then, in a second
 * read, only the documents whose rows are not kept.
 *
 * Why: a page is 50 documents of about 1.3 kB with names in four languages. Decoding them (the
 * driver's BSON parser) took 1.2 ms, presenting them 0.1 ms and writing the page as JSON 0.8 ms,
 * most of the server's own time for the list at 20,000 shipments (see bench/README).
 */

/**
 * How many rows one instance keeps (about 1,400 characters each, two bytes a character when a name
 * is Cyrillic: at most about 16 MB of heap), a hundred pages of 50: every list people have open.
 */
const KEPT_ROWS = 5_000;
const KEPT_CHARS = 8 * 1024 * 1024;

export interface SummaryPage {
  /** Each row as JSON text, in the list's order. */
  rows: string[];
  total: number;
}

export interface SummaryRows {
  /** One page of the shipments `filter` selects, newest first. */
  page(filter: mongo.Filter<ShipmentRecord>, offset: number, limit: number): Promise<SummaryPage>;
}

export function createSummaryRows({ max = KEPT_ROWS, maxChars = KEPT_CHARS } = {}): SummaryRows {
  const kept = new LRUCache<string, string>({ max, maxSize: maxChars, sizeCalculation: (row) => row.length });
  const key = (id: string, version: number) => `${id}:${version}`;

  return {
    async page(filter, offset, limit) {
      const [heads, total] = await Promise.all([
        shipments()
          .find(filter, { projection: { _id: 1, version: 1 } })
          .sort({ createdAt: -1, _id: -1 })
          .skip(offset)
          .limit(limit)
          .toArray(),
        shipments().countDocuments(filter),
      ]);
      const rows = new Map<string, string>();
      const missing: ShipmentRecord['_id'][] = [];
      for (const head of heads) {
        const id = head._id.toHexString();
        const row = kept.get(key(id, head.version));
        if (row === undefined) missing.push(head._id);
        else rows.set(id, row);
      }
      if (missing.length > 0) {
        // The list's filter again (it never names `_id`): a shipment changed since the first read
        // (given to another driver, of another status now) is left out, not shown where it no
        // longer belongs.
        const docs = await shipments()
          .find({ ...filter, _id: { $in: missing } }, { projection: SUMMARY_PROJECTION })
          .toArray();
        for (const doc of docs) {
          const id = doc._id.toHexString();
          const row = JSON.stringify(presentShipmentSummary(doc));
          kept.set(key(id, doc.version), row);
          rows.set(id, row);
        }
      }
      return {
        rows: heads.map((h) => rows.get(h._id.toHexString())).filter((row): row is string => row !== undefined),
        total,
      };
    },
  };
}

/** A page of rows as the JSON text of `Page<ShipmentSummaryDto>`. */
export const pageJson = (page: SummaryPage, limit: number, offset: number): string =>
  `{"items":[${page.rows.join(',')}],"total":${page.total},"limit":${limit},"offset":${offset}}`;

/** The rows as objects (for callers inside the server). */
export const parseRows = (page: SummaryPage): ShipmentSummaryDto[] =>
  page.rows.map((row) => JSON.parse(row) as ShipmentSummaryDto);

/**
 * How many whole shipments one instance keeps as JSON (`GET /api/shipments/:id`): those being
 * driven and watched. A shipment with tens of updates is 5 to 20 kB.
 */
const KEPT_SHIPMENTS = 2_000;
const KEPT_SHIPMENT_BYTES = 32 * 1024 * 1024;

/** What deciding who may read a shipment needs (context.ts `mayRead`). */
export type ShipmentHead = Pick<ShipmentRecord, '_id' | 'version' | 'driverId' | 'handoverPendingTo'>;
const HEAD_PROJECTION = { version: 1, driverId: 1, handoverPendingTo: 1 } as const;

/** A shipment as the UTF-8 JSON of `ShipmentDto`, with its weak ETag. */
export interface ShipmentText {
  body: Buffer;
  etag: string;
}

export interface ShipmentTexts {
  /**
   * The shipment as JSON, after `mayRead` accepted it (it throws when not). A shipment kept here
   * costs a read of its head (id, version, driver), not of its history.
   */
  text(id: Types.ObjectId, mayRead: (s: ShipmentHead) => void): Promise<ShipmentText>;
}

/**
 * Whole shipments kept as JSON by id, with the version they were presented at: the same rule as
 * the list's rows (every write increments the version, so what is kept for a version is what
 * presenting that document again gives). One read when nothing is kept for the id (the document);
 * one small read when what is kept is current (the head); both when it is not. The bytes and the
 * ETag are made once per version, not at every answer.
 */
export function createShipmentTexts({ max = KEPT_SHIPMENTS, maxBytes = KEPT_SHIPMENT_BYTES } = {}): ShipmentTexts {
  const kept = new LRUCache<string, ShipmentText & { version: number }>({
    max,
    maxSize: maxBytes,
    sizeCalculation: (entry) => entry.body.length,
  });
  return {
    async text(id, mayRead) {
      const hex = id.toHexString();
      const known = kept.get(hex);
      if (known) {
        const head = (await shipments().findOne({ _id: id }, { projection: HEAD_PROJECTION })) as ShipmentHead | null;
        if (!head) throw ApiError.notFound('Shipment');
        mayRead(head);
        if (head.version === known.version) return known;
      }
      const doc = await shipments().findOne({ _id: id });
      if (!doc) throw ApiError.notFound('Shipment');
      mayRead(doc);
      const body = Buffer.from(JSON.stringify(presentShipment(doc)));
      const text = { version: doc.version, body, etag: weakEtag(body) };
      kept.set(hex, text);
      return text;
    },
  };
}
