import {
  itemDtoSchema,
  idParams,
  listItemsQuery,
  pageSchema,
  createItemBody,
  updateItemBody,
  type ListItemsQuery,
  type CreateItemRequest,
  type UpdateItemRequest,
} from '@karavan/shared';
import { idempotentId } from '../lib/idempotency';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { ItemsService } from './items.service';

const one = { description: 'The item', schema: itemDtoSchema };
const notFound = { description: 'No such item' };
type Id = { id: string };

export function itemsRoutes(service: ItemsService): RouteSpec[] {
  return [
    defineRoute<undefined, ListItemsQuery>({
      method: 'get',
      path: '/api/items',
      tag: 'catalogue',
      summary: 'List items',
      description: 'Filters: `q` (any translation of the name, or the category), `category`, `active`.',
      access: 'catalogue:read',
      query: listItemsQuery,
      responses: {
        200: { description: 'A page of items sorted by name', schema: pageSchema(itemDtoSchema, 'ItemPage') },
      },
      async handler({ actor, query }) {
        return { status: 200, body: await service.list(actor!, query) };
      },
    }),
    defineRoute<CreateItemRequest>({
      method: 'post',
      path: '/api/items',
      tag: 'catalogue',
      summary: 'Create a item',
      access: 'catalogue:manage',
      idempotent: true,
      body: createItemBody,
      responses: { 201: one, 409: { description: 'Another item has this Russian or English name' } },
      async handler({ actor, body, res }) {
        return { status: 201, body: await service.create(actor!, body, idempotentId(res)) };
      },
    }),
    defineRoute<undefined, undefined, Id>({
      method: 'get',
      path: '/api/items/:id',
      tag: 'catalogue',
      summary: 'Get a item',
      access: 'catalogue:read',
      params: idParams,
      responses: { 200: one, 404: notFound },
      async handler({ actor, params }) {
        return { status: 200, body: await service.get(actor!, params.id) };
      },
    }),
    defineRoute<UpdateItemRequest, undefined, Id>({
      method: 'patch',
      path: '/api/items/:id',
      tag: 'catalogue',
      summary: 'Update a item',
      description:
        'The base unit never changes (the ledger counts in it); `name` and `packs` are replaced whole; turning `perishable` off clears the shelf life. Deactivate with `active: false` (items are never deleted).',
      access: 'catalogue:manage',
      params: idParams,
      body: updateItemBody,
      responses: { 200: one, 404: notFound, 409: { description: 'Another item has this Russian or English name' } },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.update(actor!, params.id, body) };
      },
    }),
  ];
}
