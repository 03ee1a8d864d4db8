import {
  locationDtoSchema,
  idParams,
  listLocationsQuery,
  pageSchema,
  createLocationBody,
  updateLocationBody,
  type ListLocationsQuery,
  type CreateLocationRequest,
  type UpdateLocationRequest,
} from '@karavan/shared';
import { idempotentId } from '../lib/idempotency';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { LocationsService } from './locations.service';

const one = { description: 'The location', schema: locationDtoSchema };
const notFound = { description: 'No such location' };
type Id = { id: string };

export function locationsRoutes(service: LocationsService): RouteSpec[] {
  return [
    defineRoute<undefined, ListLocationsQuery>({
      method: 'get',
      path: '/api/locations',
      tag: 'catalogue',
      summary: 'List locations',
      description: 'Filters: `kind`, `q` (name or address), `active`.',
      access: 'catalogue:read',
      query: listLocationsQuery,
      responses: {
        200: {
          description: 'A page of locations sorted by name',
          schema: pageSchema(locationDtoSchema, 'LocationPage'),
        },
      },
      async handler({ actor, query }) {
        return { status: 200, body: await service.list(actor!, query) };
      },
    }),
    defineRoute<CreateLocationRequest>({
      method: 'post',
      path: '/api/locations',
      tag: 'catalogue',
      summary: 'Create a location',
      access: 'catalogue:manage',
      idempotent: true,
      body: createLocationBody,
      responses: { 201: one },
      async handler({ actor, body, res }) {
        return { status: 201, body: await service.create(actor!, body, idempotentId(res)) };
      },
    }),
    defineRoute<undefined, undefined, Id>({
      method: 'get',
      path: '/api/locations/:id',
      tag: 'catalogue',
      summary: 'Get a location',
      access: 'catalogue:read',
      params: idParams,
      responses: { 200: one, 404: notFound },
      async handler({ actor, params }) {
        return { status: 200, body: await service.get(actor!, params.id) };
      },
    }),
    defineRoute<UpdateLocationRequest, undefined, Id>({
      method: 'patch',
      path: '/api/locations/:id',
      tag: 'catalogue',
      summary: 'Update a location',
      description:
        '`position` and `contact` are replaced whole. Deactivate with `active: false` (locations are never deleted).',
      access: 'catalogue:manage',
      params: idParams,
      body: updateLocationBody,
      responses: { 200: one, 404: notFound },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.update(actor!, params.id, body) };
      },
    }),
  ];
}
