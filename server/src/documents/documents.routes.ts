import { pipeline } from 'node:stream/promises';
import Joi from 'joi';
import { idParams, labelsPdfQuery, LOCALES, type LabelsPdfQuery, type Locale } from '@karavan/shared';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { DocumentsService } from './documents.service';

type Id = { id: string };
const langQuery = Joi.object<{ lang?: Locale }, true>({ lang: Joi.string().valid(...LOCALES) });
const pdf = (body: Buffer, name: string) => ({
  status: 200,
  headers: { 'Content-Disposition': `inline; filename="${name}.pdf"`, 'Cache-Control': 'no-store' },
  raw: { contentType: 'application/pdf', content: body },
});

export function documentsRoutes(documents: DocumentsService): RouteSpec[] {
  return [
    defineRoute<undefined, undefined, Id>({
      method: 'get',
      path: '/api/shipments/:id/waybill.pdf',
      tag: 'documents',
      summary: 'The printable waybill of a shipment (PDF)',
      description:
        'Russian with English labels: parties and route, the manifest per item and lot with expiry (and received quantities once delivered), the documents checklist, a QR code opening the shipment (`/driver/<id>` on PUBLIC_URL, or the host the request came to), signature boxes. Whoever may read the shipment (a driver: their own).',
      access: 'authenticated',
      params: idParams,
      responses: {
        200: { description: 'The waybill', contentType: 'application/pdf' },
        403: { description: 'A driver asking for a shipment not assigned to them' },
        404: { description: 'No such shipment' },
      },
      async handler({ actor, params, req }) {
        return pdf(await documents.waybill(actor!, params.id, req), `waybill-${params.id}`);
      },
    }),
    defineRoute<undefined, LabelsPdfQuery, Id>({
      method: 'get',
      path: '/api/shipments/:id/labels.pdf',
      tag: 'documents',
      summary: "The shipment's crate labels to print (PDF, streamed)",
      description:
        "`format=a4` (the default): sheets of 8 labels (2 x 4, 99 x 67 mm); `format=thermal58`: one label per 58 x 100 mm page for a thermal roll printer. Each label: the item in Russian and `lang` (en, ky or kk; default en, for the destination's readers), the quantity, the lot's expiry in large type, the human code large, the signed QR code, the destination and the shipment. The current labels only (not outdated ones); 409 when there are none. Whoever may read the shipment (a driver: their own).",
      access: 'authenticated',
      params: idParams,
      query: labelsPdfQuery,
      timeoutMs: 30_000,
      responses: {
        200: { description: 'The labels', contentType: 'application/pdf' },
        403: { description: 'A driver asking for a shipment not assigned to them' },
        404: { description: 'No such shipment' },
        409: { description: 'The shipment has no current labels' },
      },
      async handler({ actor, params, query, res }) {
        const { doc, write } = await documents.labelsPdf(actor!, params.id, query.format, query.lang);
        if (res.headersSent || res.locals.timedOut) return { status: 200 };
        res.status(200);
        res.setHeader('Content-Type', 'application/pdf');
        res.setHeader('Content-Disposition', `inline; filename="labels-${params.id}-${query.format}.pdf"`);
        res.setHeader('Cache-Control', 'no-store');
        // Streamed page by page as pdfkit writes it; an error after the first byte cuts the connection.
        const sent = pipeline(doc, res);
        try {
          await Promise.all([write(), sent]);
        } catch (err) {
          if (!res.headersSent) throw err;
          res.destroy(err as Error);
        }
        return { status: 200 };
      },
    }),
    defineRoute<undefined, { lang?: Locale }, Id>({
      method: 'get',
      path: '/api/donations/:id/receipt.pdf',
      tag: 'documents',
      summary: "A donor receipt (PDF, in the donor's language)",
      description: "The same content as GET /api/donations/{id}/receipt. `lang` overrides the donor's language.",
      access: 'donations:read',
      params: idParams,
      query: langQuery,
      responses: {
        200: { description: 'The receipt', contentType: 'application/pdf' },
        404: { description: 'No such donation' },
      },
      async handler({ actor, params, query }) {
        return pdf(await documents.receipt(actor!, params.id, query.lang), `receipt-${params.id}`);
      },
    }),
    defineRoute<undefined, { lang?: Locale }, Id>({
      method: 'get',
      path: '/api/campaigns/:id/summary.pdf',
      tag: 'documents',
      summary: 'A campaign summary for donors (PDF)',
      description:
        "Per item: target, collected, delivered, written off and still on the way or in stock, with the dates of the first and last donation and delivery (days and times on the campaign's `timeZone` clock). Russian unless `lang` names another language (en, ky, kk); names fall back to Russian where a translation is missing.",
      access: 'campaigns:read',
      params: idParams,
      query: langQuery,
      responses: {
        200: { description: 'The summary', contentType: 'application/pdf' },
        404: { description: 'No such campaign' },
      },
      async handler({ actor, params, query }) {
        return pdf(await documents.campaignSummary(actor!, params.id, query.lang ?? 'ru'), `campaign-${params.id}`);
      },
    }),
  ];
}
