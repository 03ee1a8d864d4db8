import Joi from 'joi';
import { idParams, LOCALES, type Locale } from '@karavan/shared';
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
