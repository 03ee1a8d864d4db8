import {
  createLabelsBody,
  idParams,
  labelCodeParams,
  labelListSchema,
  labelLookupSchema,
  publicKeySchema,
  type CreateLabelsRequest,
} from '@karavan/shared';
import { baseUrl } from '../lib/base-url';
import { idempotentId } from '../lib/idempotency';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { LabelsService } from './labels.service';

export function labelsRoutes(service: LabelsService, publicUrl: string | undefined): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/keys/public',
      tag: 'labels',
      summary: "The deployment's label-signing public key (JWK)",
      description:
        'Ed25519 (`kty: OKP`, `crv: Ed25519`), `kid` its RFC 7638 thumbprint. A label\'s or a waybill\'s QR code reads `<url>#<summary>.<signature>`: the summary is base64url JSON, the signature Ed25519 over exactly those JSON bytes, base64url. With this key anyone checks it offline (WebCrypto `verify({ name: "Ed25519" })`). KARAVAN_LABEL_KEY, or a key generated once and kept in the database.',
      access: 'public',
      responses: { 200: { description: 'The public key', schema: publicKeySchema } },
      async handler() {
        return {
          status: 200,
          body: await service.publicKey(),
          headers: { 'Cache-Control': 'public, max-age=86400' },
        };
      },
    }),
    defineRoute<CreateLabelsRequest, undefined, { id: string }>({
      method: 'post',
      path: '/api/shipments/:id/labels',
      tag: 'labels',
      summary: 'Issue labels for crates of a shipment',
      description:
        "One label per crate, tray or pallet: item, quantity (base units), lot and its expiry, shipment and destination, a random human code `XXXX-XXXX-C` (Crockford base 32, check symbol mod 37) and a signed QR (`qr`: `<PUBLIC_URL>/l/<code>#<summary>.<signature>`). Each crate's item must be in the plan, the current labels of an item never total more than its planned quantity, a `lotId` must be a lot of the item that the shipment carries (without one: the line's loaded lot, else its earliest expiry). All or nothing: 422 names the crate's field. Not for a cancelled or delivered shipment (409).",
      access: 'shipments:manage',
      idempotent: true,
      params: idParams,
      body: createLabelsBody,
      responses: {
        201: { description: 'The labels, in the order of the crates', schema: labelListSchema },
        404: { description: 'No such shipment' },
        409: { description: 'The shipment is cancelled or delivered' },
        422: { description: 'A crate that does not match the plan (details name it)' },
      },
      async handler({ actor, params, body, req, res }) {
        return {
          status: 201,
          body: await service.create(actor!, params.id, body, baseUrl(publicUrl, req), idempotentId(res)),
        };
      },
    }),
    defineRoute<undefined, undefined, { id: string }>({
      method: 'get',
      path: '/api/shipments/:id/labels',
      tag: 'labels',
      summary: "A shipment's current labels (the crates), for receiving by scanning",
      description:
        "The labels that still match the shipment's plan (not outdated), in print order; empty when it has none. A phone keeps them to count crates as they are scanned, offline too. Whoever may read the shipment (a driver: their own).",
      access: 'authenticated',
      params: idParams,
      responses: {
        200: { description: 'The current labels', schema: labelListSchema },
        403: { description: "A driver asking about another driver's shipment" },
        404: { description: 'No such shipment' },
      },
      async handler({ actor, params }) {
        return { status: 200, body: await service.current(actor!, params.id) };
      },
    }),
    defineRoute<undefined, undefined, { code: string }>({
      method: 'get',
      path: '/api/labels/:code',
      tag: 'labels',
      summary: 'A label by its code, with its shipment now',
      description:
        "The code with or without dashes, any case (I and L read as 1, O as 0). A wrong check symbol (a misread or swapped symbol) is 400. `outdated` is true when the shipment's destination, items or quantities changed, or it was cancelled, since the label was printed. Whoever may read the shipment (a driver: their own).",
      access: 'authenticated',
      params: labelCodeParams,
      responses: {
        200: { description: 'The label', schema: labelLookupSchema },
        400: { description: 'Not a label code, or its check symbol does not match' },
        403: { description: "A driver asking about another driver's shipment" },
        404: { description: 'No such label' },
      },
      async handler({ actor, params }) {
        return { status: 200, body: await service.lookup(actor!, params.code) };
      },
    }),
  ];
}
