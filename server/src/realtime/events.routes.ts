import Joi from 'joi';
import { listEventsQuery, type EventsPage, type ListEventsQuery } from '@karavan/shared';
import { ApiError } from '../lib/errors';
import { defineRoute, type RouteSpec } from '../lib/route';
import { currentSeq, eventsAfter } from './event-log';
import { authoriseRoom } from './rooms';

const eventsPageSchema = Joi.object<EventsPage, true>({
  items: Joi.array()
    .items(
      Joi.object({
        seq: Joi.number().integer().required(),
        name: Joi.string().required(),
        at: Joi.string().isoDate().required(),
        payload: Joi.object().unknown(true).required(),
      }),
    )
    .required(),
  seq: Joi.number().integer().required(),
  limit: Joi.number().integer().required(),
  truncated: Joi.boolean().required(),
}).label('EventsPage');

export function eventsRoutes(): RouteSpec[] {
  return [
    defineRoute<undefined, ListEventsQuery>({
      method: 'get',
      path: '/api/events',
      tag: 'events',
      summary: 'Live events a room was sent after a seq, in order (catching up after a disconnect)',
      description:
        'The same rooms and rights as the socket `subscribe`. At most `limit` events; ask again from the last seq for more. `truncated: true`: events after `after` were already swept (kept 7 days), reload the snapshot.',
      access: 'authenticated',
      query: listEventsQuery,
      responses: {
        200: { description: 'The events, oldest first', schema: eventsPageSchema },
        404: { description: 'Rooms of this kind are not served (yet)' },
      },
      async handler({ actor, query }) {
        const verdict = await authoriseRoom(actor!, query.room);
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
        const seq = await currentSeq();
        const { items, truncated } = await eventsAfter(query.room, query.after, query.limit);
        return { status: 200, body: { items, seq, limit: query.limit, truncated } satisfies EventsPage };
      },
    }),
  ];
}
