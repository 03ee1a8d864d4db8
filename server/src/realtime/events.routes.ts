import Joi from 'joi';
import {
  latestEventsQuery,
  LIVE_EVENT_NAMES,
  listEventsQuery,
  type EventsPage,
  type LatestEventsPage,
  type LatestEventsQuery,
  type ListEventsQuery,
} from '@karavan/shared';
import { ApiError } from '../lib/errors';
import { defineRoute, type Actor, type RouteSpec } from '../lib/route';
import { currentSeq, eventsAfter, latestEvents } from './event-log';
import { authoriseRoom } from './rooms';
import type { Watermark } from './watermark';

const eventDto = Joi.object({
  seq: Joi.number().integer().required(),
  name: Joi.string().required(),
  at: Joi.string().isoDate().required(),
  payload: Joi.object().unknown(true).required(),
});

const eventsPageSchema = Joi.object<EventsPage, true>({
  items: Joi.array().items(eventDto).required(),
  seq: Joi.number().integer().required(),
  limit: Joi.number().integer().required(),
  truncated: Joi.boolean().required(),
}).label('EventsPage');

const latestEventsPageSchema = Joi.object<LatestEventsPage, true>({
  items: Joi.array().items(eventDto).required(),
  seq: Joi.number().integer().required(),
  limit: Joi.number().integer().required(),
}).label('LatestEventsPage');

/** The same rooms and rights as the socket `subscribe`. */
async function mayWatch(actor: Actor, room: string): Promise<void> {
  const verdict = await authoriseRoom(actor, room);
  if (verdict === 'FORBIDDEN') throw ApiError.forbidden('You may not watch this room');
  if (verdict === 'UNKNOWN_ROOM') throw ApiError.notFound('Room');
  if (verdict !== 'ok') {
    throw new ApiError(400, 'VALIDATION_FAILED', 'The request is not valid', [
      {
        path: 'query.room',
        message: 'is not a room (dashboard, campaign:<id>, location:<id>, shipment:<id>)',
        type: verdict,
      },
    ]);
  }
}

export function eventsRoutes(watermark: Watermark): RouteSpec[] {
  return [
    defineRoute<undefined, ListEventsQuery>({
      method: 'get',
      path: '/api/events',
      tag: 'events',
      summary: 'Live events a room was sent after a seq, in order (catching up after a disconnect)',
      description:
        "The same rooms and rights as the socket `subscribe`. Events with `after` < seq ≤ `seq` (the page's `seq`: every event up to it is stored, on every instance), at most `limit`; when `limit` came back, ask again from the last item's seq; once fewer came, the client has every event of the room up to `seq` and resumes from there (never from the highest seq it saw live: with several instances a lower seq may still be on its way). `truncated: true`: events after `after` were already swept (kept 7 days), reload the snapshot. Payloads are as they were sent live: a status update's `shipment.updated` has `partial: true` and only the shipment's identity and changed fields (merge it into the shipment the client has).",
      access: 'authenticated',
      query: listEventsQuery,
      responses: {
        200: { description: 'The events, oldest first', schema: eventsPageSchema },
        404: { description: 'Rooms of this kind are not served (yet)' },
      },
      async handler({ actor, query }) {
        await mayWatch(actor!, query.room);
        // Only up to where the log is complete: every event up to `seq` is in these pages, so the
        // client's cursor moves to `seq` (not to the highest seq it saw) and misses nothing.
        const seq = await watermark.stableSeq();
        const { items, truncated } = await eventsAfter(query.room, query.after, query.limit, seq);
        return { status: 200, body: { items, seq, limit: query.limit, truncated } satisfies EventsPage };
      },
    }),
    defineRoute<undefined, LatestEventsQuery>({
      method: 'get',
      path: '/api/events/latest',
      tag: 'events',
      summary: 'The newest events a room was sent (the history a live feed shows on opening)',
      description: `The same rooms and rights as the socket \`subscribe\`. The newest \`limit\` events of the room, oldest first, only of the names given (\`name\`, repeatable: ${LIVE_EVENT_NAMES.join(', ')}) when any. Read through the room's event index (never a scan of the log); at most 5,000 of the newest events are looked at, so a rare name may yield fewer. \`seq\` is the latest seq when read: live events above it are newer, the ones at or below it may also arrive through a catch-up (drop them by seq).`,
      access: 'authenticated',
      query: latestEventsQuery,
      responses: {
        200: { description: 'The events, oldest first', schema: latestEventsPageSchema },
        404: { description: 'Rooms of this kind are not served (yet)' },
      },
      async handler({ actor, query }) {
        await mayWatch(actor!, query.room);
        const seq = await currentSeq();
        const items = await latestEvents(query.room, query.limit, query.name);
        return { status: 200, body: { items, seq, limit: query.limit } satisfies LatestEventsPage };
      },
    }),
  ];
}
