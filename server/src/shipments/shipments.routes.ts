import {
  createShipmentBody,
  custodySchema,
  idParams,
  listShipmentsQuery,
  photoParams,
  shipmentReceiptBody,
  pageSchema,
  shipmentDocumentParams,
  shipmentDocumentTickBody,
  shipmentPrivacyBody,
  shipmentSchema,
  shipmentSummarySchema,
  shipmentUpdateBody,
  shipmentUpdateResultSchema,
  updateShipmentBody,
  type CreateShipmentRequest,
  type ListShipmentsQuery,
  type ShipmentDocumentTickRequest,
  type ShipmentPrivacyRequest,
  type ShipmentReceiptRequest,
  type ShipmentUpdateRequest,
  type UpdateShipmentRequest,
} from '@karavan/shared';
import Joi from 'joi';
import {
  cancelHandoverBody,
  confirmHandoverBody,
  createHandoverBody,
  handoverParams,
  handoverSchema,
  handoverTakersQuery,
  handoverTakersSchema,
  HANDOVER_STATUSES,
  type CancelHandoverRequest,
  type ConfirmHandoverRequest,
  type CreateHandoverRequest,
} from '@karavan/shared';
import { idempotentId } from '../lib/idempotency';
import { defineRoute, type RouteSpec } from '../lib/route';
import { PHOTO_MAX_BYTES, PHOTO_TYPES, type PhotoUpload } from './proof.commands';
import type { ShipmentsService } from './shipments.service';

const one = { description: 'The shipment with its manifest, checklist and history', schema: shipmentSchema };
const notYours = { description: 'A driver asking about a shipment not assigned to them' };
const disabled = {
  description:
    'Not signed in; `ACCOUNT_DISABLED` when the account was disabled (a phone keeps its queued updates and tells the driver)',
};

export function shipmentsRoutes(service: ShipmentsService): RouteSpec[] {
  return [
    defineRoute<CreateShipmentRequest>({
      method: 'post',
      path: '/api/shipments',
      tag: 'shipments',
      summary: 'Plan a shipment',
      description:
        'Status `planned`; nothing is reserved until `loading`. `driverId` is an active user with the role driver; `route` lists checkpoint locations in order; line quantities may use a pack `unit` (converted to base units). `documents` is the checklist (default: waybill, donation letter, and a veterinary certificate when an item is dairy, meat, fish or eggs). `estimatedRouteHours` (or `plannedArrivalAt`, after `plannedDepartureAt`) defaults to an estimate from the coordinates (1.3 x straight line at 60 km/h, plus 2 h per checkpoint); loading warns about lots that expire before departure + route time. A `WEIGHT_UNKNOWN` or `OVER_CAPACITY` warning is stored when the vehicle has a capacity.',
      access: 'shipments:manage',
      idempotent: true,
      body: createShipmentBody,
      responses: {
        201: { description: 'The planned shipment', schema: shipmentSchema },
        401: disabled,
        422: { description: 'A campaign, place, driver, item or unit that does not fit (details)' },
      },
      async handler({ actor, body, res }) {
        return { status: 201, body: await service.create(actor!, body, idempotentId(res)) };
      },
    }),
    defineRoute<undefined, ListShipmentsQuery>({
      method: 'get',
      path: '/api/shipments',
      tag: 'shipments',
      summary: 'List shipments (a driver: their own)',
      description:
        'Newest first, without history: last status, last position, last heard. Filters: `status` (repeat for several), `campaignId`, `driverId`, `active=true` (not delivered or cancelled). A driver (shipments:drive without shipments:read:any) sees only shipments assigned to them.',
      access: 'authenticated',
      query: listShipmentsQuery,
      responses: {
        200: { description: 'A page of shipments', schema: pageSchema(shipmentSummarySchema, 'ShipmentPage') },
        401: disabled,
        403: { description: 'A role that reads no shipments' },
      },
      async handler({ actor, query }) {
        return {
          status: 200,
          raw: { contentType: 'application/json; charset=utf-8', content: await service.listJson(actor!, query) },
        };
      },
    }),
    defineRoute<undefined, undefined, { id: string }>({
      method: 'get',
      path: '/api/shipments/:id',
      tag: 'shipments',
      summary: 'One shipment with manifest (lots), history and last heard',
      description:
        'History: every status update (device time `at`, server time `receivedAt`, position, note, who sent it, `applied`), oldest received first. `checkpoints` gives arrival, departure and minutes waited at each checkpoint.',
      access: 'authenticated',
      params: idParams,
      responses: { 200: one, 401: disabled, 403: notYours, 404: { description: 'No such shipment' } },
      async handler({ actor, params }) {
        const { body, etag } = await service.getText(actor!, params.id);
        return {
          status: 200,
          headers: { ETag: etag },
          raw: { contentType: 'application/json; charset=utf-8', content: body },
        };
      },
    }),
    defineRoute<UpdateShipmentRequest, undefined, { id: string }>({
      method: 'patch',
      path: '/api/shipments/:id',
      tag: 'shipments',
      summary: 'Change the plan: destination, route, driver, vehicle, times, documents, notes, lines',
      description:
        'While `planned` or `loading`, i.e. before departure (409 after). The same rules as planning (422 for a destination, route, driver, item or unit that does not fit). `documents` replaces the checklist (ticks of documents kept in it stay). `lines` replaces the lines; on a `loading` shipment the reservation follows: an unchanged line keeps its lots, a line that grows keeps them and reserves the rest first-expired-first-out, a line that shrinks releases from its latest-expiring lots, a removed line releases all; not enough stock at the origin is 409 `CONFLICT` with what is missing per item (`type: "insufficient"`), and nothing changes. Warnings (expiry before arrival, capacity) are recomputed. Watchers of `shipment:<id>` get `shipment.updated`.',
      access: 'shipments:manage',
      params: idParams,
      body: updateShipmentBody,
      responses: {
        200: one,
        401: disabled,
        404: { description: 'No such shipment' },
        409: {
          description:
            'The shipment has departed (or is delivered or cancelled), or the origin lacks stock for the new lines (details `type: "insufficient"`)',
        },
        422: {
          description:
            'A destination, driver, route, item or unit that does not fit, or times that contradict (details)',
        },
      },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.update(actor!, params.id, body) };
      },
    }),
    defineRoute<ShipmentUpdateRequest, undefined, { id: string }>({
      method: 'post',
      path: '/api/shipments/:id/updates',
      tag: 'shipments',
      summary: 'Report a status update (the one way a shipment changes state)',
      description: [
        'For every role, online or replayed from a phone outbox. `id` is made by the client (a UUID): the same `id` again changes nothing and gets the first answer (`applied` as then; the shipment as it is now). The same `id` with a different update is 422. (An `Idempotency-Key` header is honoured too, as on every POST; `id` alone is enough.) An update refused (403, 409, 4xx) is not kept: it may be sent again once the cause is fixed.',
        "`at` is the device time, kept as sent; the server adds `receivedAt`, and every time it works out (ordering, departure/arrival/delivery times, checkpoint waits, the last position's time) uses the earlier of `at` and `receivedAt` plus 2 minutes of clock-skew allowance, so a device clock set in the future changes nothing. An update older than the last applied one is kept in the history and answered `applied: false`.",
        'Coordinators and organisers move every step (`shipments:manage`); the assigned driver only `departed`, `at_checkpoint`, `arrived`, `delivered`, and only on their own shipment (403 otherwise). A transition the state machine does not allow is 409 `CONFLICT` with the allowed next statuses in `details` (one detail of `type: "allowed"` per status, the status as its `message`).',
        '`loading` reserves at the origin, first-expired-first-out unless `lots` picks them (the lots of an item must add up to its line); not enough stock is 409 `CONFLICT` with what is missing per item in `details` (`type: "insufficient"`, path `lines.<itemId>`, message `... missing N`); expired lots are refused (409, `type: "expired"`); warnings `EXPIRES_BEFORE_ARRIVAL` (per lot) and `OVER_CAPACITY` are stored on the shipment. The first `departed` dispatches (goods leave the origin and are in transit); `at_checkpoint`/`departed` repeat per checkpoint (`checkpointId`, default the next on the route); `cancelled` only before departure, releasing the reservation.',
        "`delivered` needs `receivedBy` (or `receiver.name`); `lines: [{ itemId, received, reason? }]` (items left out arrived in full); a shortfall needs a reason and is written off; a missing reason, a missing `receivedBy`, more than sent or an item listed twice is 422. At a distribution point received goods count as delivered; anywhere else they enter the destination's stock in the same lots (a transfer).",
        'Receive by scanning: `delivered` may list `labels: [code]`, the crate labels scanned at the destination, instead of or beside `lines` (codes as printed or typed; duplicates count once). Each must be a current label of this shipment: a code that is not a label code, unknown, of another shipment or outdated (the plan changed after printing) is 422 with its path `body.labels.<i>`. The rule: an item with an explicit `lines` entry is received as that line says; else an item that has current labels is received as its quantity less the quantity on its labels not scanned (an item without labels arrived in full, as before). A shortfall left by unscanned crates with no line giving its reason is 422 (path `body.labels`, the message names the item): send a line for the item with `received` and `reason`. The codes scanned are kept on the delivery (`scannedLabels`) and in its chain-of-custody record.',
        "`receiver: { name, signature?, userId? }` is the proof of delivery: the receiver's name, the signature they drew on the driver's phone (SVG path data, moves and lines only, at most 20000 characters) and their user id; kept on the shipment (`receiver`) and in the custody record. The live `shipment.updated` event carries the shipment's lines with `received`, `writtenOff` and `reason`, so whoever watches the shipment sees a shortfall as it is reported.",
        "Position is dropped while the shipment's privacy mode is on, except with `at_checkpoint`, `arrived` and `delivered`. A disabled account gets 401 `ACCOUNT_DISABLED`: keep the update and tell the driver.",
      ].join('\n\n'),
      access: 'authenticated',
      idempotent: true,
      params: idParams,
      body: shipmentUpdateBody,
      responses: {
        200: { description: '`applied` and the shipment', schema: shipmentUpdateResultSchema },
        400: { description: 'Not valid against the schema' },
        401: disabled,
        403: { description: "Not this caller's shipment, or a status a driver may not report" },
        404: { description: 'No such shipment or lot' },
        409: {
          description:
            '`CONFLICT`: a transition not allowed (details `type: "allowed"` name the allowed next statuses), not enough or expired stock (details `type: "insufficient"` / `"expired"`); `IDEMPOTENCY_IN_PROGRESS`: the same id is being processed',
        },
        422: {
          description: 'Lots, items or quantities that do not fit the shipment, or the id reused for another update',
        },
      },
      async handler({ actor, params, body, req }) {
        const { applied, shipment } = await service.report(
          actor!,
          params.id,
          body,
          req.body as Record<string, unknown>,
        );
        return { status: 200, body: { applied, shipment } };
      },
    }),
    defineRoute<CreateHandoverRequest, undefined, { id: string }>({
      method: 'post',
      path: '/api/shipments/:id/handovers',
      tag: 'custody',
      summary: 'Hand the goods over to another person on the road (driver to driver, truck to a warehouse team)',
      description: [
        `By the holder: the assigned driver, or staff (\`shipments:manage\`); 403 for anyone else. Only while the shipment is ${HANDOVER_STATUSES.map((s) => `\`${s}\``).join(', ')} (on the road; 409 otherwise, with the allowed statuses in \`details\`), and not while another hand-over waits for its confirmation (409).`,
        '`id` is made by the client (a UUID): the same `id` again changes nothing and answers the hand-over as recorded; the same `id` with a different hand-over is 422 `IDEMPOTENCY_KEY_REUSED` (an `Idempotency-Key` header is honoured too). `at` is the device time.',
        '`to`: `userId` (an active user: another driver, or a user of the receiving team; not the holder) and/or `name` (someone without an account). With `userId` the hand-over is `pending` until that user confirms it (POST .../confirm); with only a `name` it is `recorded` (nobody can confirm it in Karavan).',
        "`lines`: what was counted, per item the shipment carries (an item left out was counted as carried). Counting fewer than carried needs a `reason` (422 with the field path `body.lines.<i>.reason`); more than carried, an item not carried or listed twice is 422. A difference is recorded, not written off: the delivery's received quantities settle the stock.",
        "`signatures`: at most one, the giver's device `{ deviceId, signature }`: base64url signature of `signedHandoverPayload(shipmentId, 'handover', sent)` (shared/src/custody.ts: the canonical JSON of the body as sent without `signatures`, plus `deviceId`, `shipmentId` and `step: \"handover\"`) by a device registered to the caller. A signature that does not verify is 422 and nothing is written (as for status updates); unsigned (a browser) is recorded with `giverVerified: false`.",
        'The hand-over is a record of the custody chain (kind `handover`, id `handover:<id>`), so `verify-custody` covers it; the shipment\'s history shows it (`kind: "handover"`), and watchers of `shipment:<id>` get `shipment.updated` with that update.',
      ].join('\n\n'),
      access: 'authenticated',
      idempotent: true,
      params: idParams,
      body: createHandoverBody,
      responses: {
        201: {
          description: 'The hand-over (and the shipment); 200 for a copy of one already recorded',
          schema: Joi.object({ handover: handoverSchema.required(), shipment: shipmentSchema.required() }).label(
            'HandoverResult',
          ),
        },
        400: { description: 'Not valid against the schema' },
        401: disabled,
        403: { description: 'Not the holder of the goods, or a device of another user or revoked' },
        404: { description: 'No such shipment' },
        409: { description: 'Not on the road, or another hand-over is pending' },
        422: {
          description:
            'Lines that do not fit what is carried (a difference without a reason), a taker who is not an active user or already holds the goods, a signature that does not verify, or the id reused',
        },
      },
      async handler({ actor, params, body, req }) {
        const { replayed, ...result } = await service.createHandover(
          actor!,
          params.id,
          body,
          req.body as Record<string, unknown>,
        );
        return { status: replayed ? 200 : 201, body: result };
      },
    }),
    defineRoute<ConfirmHandoverRequest, undefined, { id: string; handoverId: string }>({
      method: 'post',
      path: '/api/shipments/:id/handovers/:handoverId/confirm',
      tag: 'custody',
      summary: 'The taker confirms a pending hand-over',
      description: [
        'Only the user named in `to.userId` (403 for anyone else; that user may read the shipment while the hand-over is pending). Confirming again changes nothing and answers the hand-over as it is. 409 when the shipment is no longer on the road.',
        "Signed by the taker's device (`deviceId` + `signature` of `signedHandoverPayload(shipmentId, 'handover.confirm', { handoverId, handoverHash, at, deviceId })`, `handoverHash` being the hand-over's `recordHash`): `takerVerified: true`; a signature that does not verify is 422 and nothing changes; unsigned (a browser): `takerVerified: false`.",
        "A taker with the role driver becomes the shipment's driver: from then on they report its status updates and the former driver no longer may (403) nor reads it. The confirmation is a record of the custody chain (kind `handover`, id `handover:<id>:confirm`).",
      ].join('\n\n'),
      access: 'authenticated',
      idempotent: true,
      params: handoverParams,
      body: confirmHandoverBody,
      responses: {
        200: {
          description: 'The confirmed hand-over and the shipment',
          schema: Joi.object({ handover: handoverSchema.required(), shipment: shipmentSchema.required() }).label(
            'HandoverConfirmResult',
          ),
        },
        400: { description: 'Not valid against the schema' },
        401: disabled,
        403: { description: 'Not the taker, or a device of another user or revoked' },
        404: { description: 'No such shipment or hand-over' },
        409: { description: 'The shipment is no longer on the road, or the hand-over was recorded without an account' },
        422: { description: 'A signature that does not verify, or no such device' },
      },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.confirmHandover(actor!, params.id, params.handoverId, body) };
      },
    }),
    defineRoute<CancelHandoverRequest, undefined, { id: string; handoverId: string }>({
      method: 'post',
      path: '/api/shipments/:id/handovers/:handoverId/cancel',
      tag: 'custody',
      summary: 'Call off a pending hand-over (the giver or staff), or decline it (the taker)',
      description: [
        'Only while the hand-over is `pending`: it becomes `cancelled`, the goods stay with the giver (the driver does not change), the taker can no longer confirm it (409), and another hand-over of the shipment may be made. `note` says why (shown to the other side).',
        'The giver, the taker (declining) or staff; 403 for anyone else. Calling off again changes nothing and answers the hand-over as it is; a confirmed or recorded hand-over is 409. A record of the custody chain (kind `handover`, id `handover:<id>:cancel`, unsigned).',
      ].join('\n\n'),
      access: 'authenticated',
      idempotent: true,
      params: handoverParams,
      body: cancelHandoverBody,
      responses: {
        200: {
          description: 'The hand-over, called off, and the shipment',
          schema: Joi.object({ handover: handoverSchema.required(), shipment: shipmentSchema.required() }).label(
            'HandoverCancelResult',
          ),
        },
        400: { description: 'Not valid against the schema' },
        401: disabled,
        403: { description: 'Not the giver, the taker or staff' },
        404: { description: 'No such shipment or hand-over' },
        409: { description: 'The hand-over is confirmed or was recorded without an account' },
      },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.cancelHandover(actor!, params.id, params.handoverId, body) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/handovers/incoming',
      tag: 'custody',
      summary: "Hand-overs waiting for the caller's confirmation",
      description:
        "The pending hand-overs whose `to.userId` is the caller, each with its shipment (summary): what the taker's screen shows to confirm.",
      access: 'authenticated',
      responses: {
        200: {
          description: 'The pending hand-overs',
          schema: Joi.object({
            items: Joi.array()
              .items(Joi.object({ handover: handoverSchema.required(), shipment: shipmentSummarySchema.required() }))
              .required(),
          }).label('IncomingHandovers'),
        },
        401: disabled,
      },
      async handler({ actor }) {
        return { status: 200, body: await service.incomingHandovers(actor!) };
      },
    }),
    defineRoute<undefined, { q?: string }>({
      method: 'get',
      path: '/api/handovers/takers',
      tag: 'custody',
      summary: 'Who may take a hand-over: active drivers and staff',
      description:
        'Id, name and role (no phone), sorted by name, at most 100; `q` searches the name. For drivers and staff (the giver picks the taker from it); the caller is left out.',
      access: 'authenticated',
      query: handoverTakersQuery,
      responses: {
        200: { description: 'The possible takers', schema: handoverTakersSchema },
        401: disabled,
        403: { description: 'A role that holds no goods' },
      },
      async handler({ actor, query }) {
        return { status: 200, body: await service.handoverTakers(actor!, query.q) };
      },
    }),
    defineRoute<ShipmentReceiptRequest, undefined, { id: string }>({
      method: 'post',
      path: '/api/shipments/:id/receipt',
      tag: 'shipments',
      summary: 'The receiver confirms a delivered shipment on their own phone',
      description:
        "A signed-in user whose places (`locationIds`) include the shipment's destination confirms receiving it, once: kept as `receipt` (who, when) and as a `receipt` record of the history and of the chain of custody. Body `{ note? }`. 403 for anybody else; 409 before delivery or when already confirmed.",
      access: 'authenticated',
      idempotent: true,
      params: idParams,
      body: shipmentReceiptBody,
      responses: {
        200: one,
        401: disabled,
        403: { description: 'The caller does not work at the destination' },
        404: { description: 'No such shipment' },
        409: { description: 'Not delivered yet, or already confirmed' },
      },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.confirmReceipt(actor!, params.id, body) };
      },
    }),
    defineRoute<undefined, undefined, { id: string }>({
      method: 'post',
      path: '/api/shipments/:id/photos',
      tag: 'shipments',
      summary: 'Attach a photo (e.g. of damaged goods at delivery)',
      description: `The body is the image itself (${PHOTO_TYPES.join(', ')}; a phone compresses it to about 1280 px first), at most ${PHOTO_MAX_BYTES} bytes (413); another Content-Type is 415; an empty body, or bytes that do not start as such an image does, is 422. Kept in the database (GridFS) and listed in the shipment's \`photos\`; at most 30 per shipment (409). The shipment's driver or staff who read any shipment. Under an \`Idempotency-Key\` a retry stores the photo once (a phone's queue sends it again after a lost answer).`,
      access: 'authenticated',
      idempotent: true,
      params: idParams,
      upload: { contentTypes: PHOTO_TYPES, maxBytes: PHOTO_MAX_BYTES },
      responses: {
        201: { description: 'The shipment with the photo listed', schema: shipmentSchema },
        401: disabled,
        403: notYours,
        404: { description: 'No such shipment' },
        409: { description: 'The shipment has as many photos as it may keep' },
        422: { description: 'An empty body, or bytes that are not an image of the type sent' },
      },
      async handler({ actor, params, res }) {
        const upload = res.locals.upload as PhotoUpload;
        return {
          status: 201,
          body: await service.addPhoto(actor!, params.id, upload, idempotentId(res).id),
        };
      },
    }),
    defineRoute<undefined, undefined, { id: string; photoId: string }>({
      method: 'get',
      path: '/api/shipments/:id/photos/:photoId',
      tag: 'shipments',
      summary: 'A photo of the shipment',
      description: "The image as uploaded. The shipment's driver or staff who read any shipment.",
      access: 'authenticated',
      params: photoParams,
      responses: {
        200: { description: 'The image', contentType: 'image/jpeg' },
        403: notYours,
        404: { description: 'No such shipment, or no such photo of it' },
      },
      async handler({ actor, params }) {
        const { bytes, contentType } = await service.photo(actor!, params.id, params.photoId);
        return {
          status: 200,
          raw: { contentType, content: bytes },
          headers: { 'Cache-Control': 'private, max-age=86400', 'X-Content-Type-Options': 'nosniff' },
        };
      },
    }),
    defineRoute<undefined, undefined, { id: string }>({
      method: 'get',
      path: '/api/shipments/:id/custody',
      tag: 'custody',
      summary: "The shipment's chain of custody: intact or not, and which device signed which record",
      description:
        "Every record of the history (status updates; `delivery` for `delivered`; `handover` for a hand-over and for its confirmation), oldest first, with `hash` and `prevHash`: `hash` is the SHA-256 (hex) of the canonical JSON (sorted keys, no white space) of `{ content, prevHash }`, `content` being the record as kept plus, when signed, the device, its signature and the update as sent. `intact` is true when every hash is right, each links to the one before and the last is the shipment's head. Records kept before the chain existed have `hash: null` and come first. `deviceId` and `verified: true` when a registered device of the sender signed the update. Whoever may read the shipment (a driver: their own).",
      access: 'authenticated',
      params: idParams,
      responses: {
        200: { description: 'The chain', schema: custodySchema },
        403: notYours,
        404: { description: 'No such shipment' },
      },
      async handler({ actor, params }) {
        return { status: 200, body: await service.custody(actor!, params.id) };
      },
    }),
    defineRoute<undefined, undefined, { id: string }>({
      method: 'get',
      path: '/api/shipments/:id/custody.json',
      tag: 'custody',
      summary: 'The chain of custody as a file, to check offline',
      description:
        'A download (`Content-Disposition: attachment`) of `{ format: "karavan-custody/1", shipmentId, exportedAt, head, base, records: [{ kind, id, at, hash, prevHash, deviceId?, verified, content }], devices: { <id>: { userId, publicKey, revokedAt } } }`: everything `npm run verify-custody -- file.json` needs to recompute the chain and check every signature with no network. Same read rights as the shipment.',
      access: 'authenticated',
      params: idParams,
      responses: {
        200: { description: 'The custody file (JSON)', contentType: 'application/json' },
        403: notYours,
        404: { description: 'No such shipment' },
      },
      async handler({ actor, params }) {
        const file = await service.custodyFile(actor!, params.id);
        return {
          status: 200,
          raw: { contentType: 'application/json; charset=utf-8', content: JSON.stringify(file, null, 2) },
          headers: { 'Content-Disposition': `attachment; filename="custody-${params.id}.json"` },
        };
      },
    }),
    defineRoute<ShipmentPrivacyRequest, undefined, { id: string }>({
      method: 'patch',
      path: '/api/shipments/:id/privacy',
      tag: 'shipments',
      summary: "Switch the driver's privacy mode for a shipment",
      description:
        'While on, positions sent with updates are not kept, except at checkpoints, arrival and delivery. The assigned driver or a coordinator.',
      access: 'authenticated',
      params: idParams,
      body: shipmentPrivacyBody,
      responses: { 200: one, 401: disabled, 403: notYours, 404: { description: 'No such shipment' } },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.setPrivacy(actor!, params.id, body) };
      },
    }),
    defineRoute<ShipmentDocumentTickRequest, undefined, { id: string; key: string }>({
      method: 'post',
      path: '/api/shipments/:id/documents/:key',
      tag: 'shipments',
      summary: 'Tick (or untick) a document of the checklist',
      description:
        'Body `{ checked }` (default true). The assigned driver or a coordinator; the checklist itself is set by coordinators (`documents` on create or PATCH). Repeating it changes nothing more.',
      access: 'authenticated',
      idempotent: true,
      params: shipmentDocumentParams,
      body: shipmentDocumentTickBody,
      responses: {
        200: one,
        401: disabled,
        403: notYours,
        404: { description: 'No such shipment, or no such document on its checklist' },
        409: { description: 'The shipment is delivered or cancelled' },
      },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.tickDocument(actor!, params.id, params.key, body) };
      },
    }),
  ];
}
