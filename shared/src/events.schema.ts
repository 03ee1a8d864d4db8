import Joi from 'joi';
import {
  LATEST_EVENTS_MAX,
  LIVE_EVENT_NAMES,
  WATCHABLE_ROOM_PATTERN,
  type LatestEventsQuery,
  type ListEventsQuery,
} from './events';

export const listEventsQuery = Joi.object<ListEventsQuery, true>({
  after: Joi.number().integer().min(0).max(Number.MAX_SAFE_INTEGER).required(),
  room: Joi.string().pattern(WATCHABLE_ROOM_PATTERN, 'room').required(),
  limit: Joi.number().integer().min(1).max(1000).default(500),
});

export const latestEventsQuery = Joi.object<LatestEventsQuery, true>({
  room: Joi.string().pattern(WATCHABLE_ROOM_PATTERN, 'room').required(),
  limit: Joi.number().integer().min(1).max(LATEST_EVENTS_MAX).default(50),
  name: Joi.array()
    .items(Joi.string().valid(...LIVE_EVENT_NAMES))
    .single()
    .max(LIVE_EVENT_NAMES.length),
});
