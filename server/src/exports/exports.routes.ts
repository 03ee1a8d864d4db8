import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import type Joi from 'joi';
import { stringify } from 'csv-stringify';
import {
  exportDonationsQuery,
  exportMovementsQuery,
  exportShipmentsQuery,
  exportStockQuery,
  type ExportKind,
  type ExportOptions,
  type Right,
} from '@karavan/shared';
import { defineRoute, type RouteSpec } from '../lib/route';
import { donationsTable, movementsTable, shipmentsTable, stockTable, type Cell, type Table } from './exports.service';

/** First characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * How every cell of every export is written, by its kind: a number stays a number (a `-5`
 * adjustment is written `-5`), `true`/`false` stay words, and text (a name, note, address, reason,
 * plate: anything a user may have typed) that starts like a formula gets a leading `'`, so that a
 * spreadsheet shows it as text instead of running it (OWASP's rule for CSV injection).
 */
export const csvCast = {
  boolean: (v: boolean) => (v ? 'true' : 'false'),
  number: (v: number) => String(v),
  string: (v: string) => (FORMULA_START.test(v) ? `'${v}` : v),
};

/**
 * Streams a table as CSV (RFC 4180, UTF-8, CRLF): the header row, with `format=hxl` a second
 * row of HXL hashtags, then the rows as the cursor yields them, with back-pressure. An error
 * after the first byte can no longer become a JSON error: the connection is cut, so a partial
 * file is never mistaken for a whole one.
 */
export async function streamCsv(res: Response, name: string, table: Table, options: ExportOptions): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const suffix = options.format === 'hxl' ? '-hxl' : '';
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="karavan-${name}-${date}${suffix}.csv"`);
  res.setHeader('Cache-Control', 'no-store');
  async function* records(): AsyncIterable<Cell[]> {
    yield table.columns;
    if (options.format === 'hxl') yield table.hxl;
    yield* table.rows;
  }
  const csv = stringify({
    bom: Boolean(options.bom),
    record_delimiter: 'windows',
    cast: csvCast,
  });
  try {
    await pipeline(Readable.from(records()), csv, res);
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy(err as Error);
  }
}

interface ExportSpec<Q extends ExportOptions> {
  kind: ExportKind;
  access: Right;
  query: Joi.ObjectSchema<Q>;
  summary: string;
  description: string;
  table(query: Q): Promise<Table>;
}

function exportRoute<Q extends ExportOptions>(spec: ExportSpec<Q>): RouteSpec {
  return defineRoute<undefined, Q>({
    method: 'get',
    path: `/api/exports/${spec.kind}.csv`,
    tag: 'exports',
    summary: spec.summary,
    description: `${spec.description} Streamed: any size. UTF-8; \`bom=1\` starts the file with a byte order mark (for Excel); \`format=hxl\` adds a second header row of HXL hashtags (https://hxlstandard.org) for humanitarian data tools; \`lang\` (ru, en, ky, kk) names items, places and campaigns in that language, Russian where a name has no translation. Times are UTC (ISO 8601); the \`_local\` columns give them on the campaign's clock (\`time_zone\`, its IANA zone).`,
    access: spec.access,
    query: spec.query,
    // Until the first byte (the header row); the rows then stream for as long as they take.
    timeoutMs: 30_000,
    responses: {
      200: { description: 'The CSV file', contentType: 'text/csv' },
    },
    async handler({ query, res }) {
      const table = await spec.table(query);
      // The route's deadline may have answered 503 while the lookups ran: then send nothing more.
      if (!res.headersSent && !res.locals.timedOut) await streamCsv(res, spec.kind, table, query);
      return { status: 200 };
    },
  });
}

export function exportsRoutes(): RouteSpec[] {
  return [
    exportRoute({
      kind: 'donations',
      access: 'donations:read',
      query: exportDonationsQuery,
      summary: 'Export donations as CSV (one row per line)',
      description:
        'The filters of GET /api/donations (`campaignId`, `locationId`, `from`/`to` on `receivedAt`, `voided`), without paging; rows in the order donations were recorded. Donor phones are never exported.',
      table: donationsTable,
    }),
    exportRoute({
      kind: 'stock',
      access: 'stock:read',
      query: exportStockQuery,
      summary: 'Export stock per location and lot as CSV',
      description:
        'The filters of GET /api/stock (`locationId`, `itemId`, `campaignId`, `expiringWithinHours`, `includeEmpty`), soonest expiry first.',
      table: stockTable,
    }),
    exportRoute({
      kind: 'movements',
      access: 'stock:read',
      query: exportMovementsQuery,
      summary: 'Export the stock ledger as CSV',
      description:
        'The filters of GET /api/movements (`locationId`, `itemId`, `campaignId`, `kind`, `shipmentId`, `donationId`, `lotId`), oldest first.',
      table: movementsTable,
    }),
    exportRoute({
      kind: 'shipments',
      access: 'shipments:read:any',
      query: exportShipmentsQuery,
      summary: 'Export shipments as CSV (one row per manifest line)',
      description:
        'The filters of GET /api/shipments (`status`, repeat for several; `campaignId`, `driverId`, `active`); sent, received and written-off quantities per line. For coordinators and organisers (drivers are refused).',
      table: shipmentsTable,
    }),
  ];
}
