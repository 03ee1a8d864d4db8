import Joi from 'joi';
import type { ClientConfigDto } from '@karavan/shared';
import type { Config } from '../config';
import { defineRoute, type RouteSpec } from '../lib/route';

export const CLIENT_CONFIG_PATH = '/api/client-config';

const clientConfigSchema = Joi.object({
  mapTiles: Joi.object({
    url: Joi.string().required(),
    attribution: Joi.string().required(),
    attributionUrl: Joi.string().allow(null).required(),
  })
    .allow(null)
    .required(),
  telegram: Joi.boolean().required().description('Staff can link a Telegram account (the bot is configured)'),
}).label('ClientConfig');

/** The deployment's settings the client needs (the map's tile server), public and cacheable for a while. */
export function clientConfigRoutes(config: Pick<Config, 'mapTiles' | 'telegram'>): RouteSpec[] {
  const body: ClientConfigDto = {
    mapTiles: config.mapTiles
      ? {
          url: config.mapTiles.url,
          attribution: config.mapTiles.attribution,
          attributionUrl: config.mapTiles.attributionUrl ?? null,
        }
      : null,
    telegram: Boolean(config.telegram),
  };
  return [
    defineRoute({
      method: 'get',
      path: CLIENT_CONFIG_PATH,
      tag: 'meta',
      summary: "The deployment's settings the client needs",
      description:
        'The base map: the tile URL template (MAP_TILE_URL) and its attribution, or null when the deployment turned tiles off; whether the Telegram bot is configured. No sign-in; answers while the database is away.',
      access: 'public',
      responses: { 200: { description: 'The settings', schema: clientConfigSchema } },
      handler: () => ({ status: 200, body, headers: { 'Cache-Control': 'public, max-age=300' } }),
    }),
  ];
}
