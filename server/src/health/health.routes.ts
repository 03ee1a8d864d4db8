import { ApiError } from '../lib/errors';
import { defineRoute, type RouteSpec } from '../lib/route';
import Joi from 'joi';

/**
 * Health answers are about this moment: no browser, proxy or CDN may keep one (a kept 200 from
 * /readyz would hide an outage from a load balancer).
 */
const NOT_KEPT = { 'Cache-Control': 'no-store' };

const status = Joi.object({ status: Joi.string().valid('ok').required() }).label('Status');

export function healthRoutes(ping: () => Promise<boolean>): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      tag: 'health',
      summary: 'The process is up',
      access: 'public',
      responses: { 200: { description: 'Up', schema: status } },
      handler: () => ({ status: 200, headers: NOT_KEPT, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      tag: 'health',
      summary: 'The database answers',
      description: '503 while the database cannot be reached; recovers by itself.',
      access: 'public',
      responses: { 200: { description: 'Ready', schema: status }, 503: { description: 'The database is unavailable' } },
      async handler() {
        if (!(await ping())) throw new ApiError(503, 'DATABASE_UNAVAILABLE', 'The database is unavailable');
        return { status: 200, headers: NOT_KEPT, body: { status: 'ok' } };
      },
    }),
  ];
}
