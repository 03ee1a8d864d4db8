import {
  volunteerDtoSchema,
  idParams,
  listVolunteersQuery,
  pageSchema,
  createVolunteerBody,
  updateVolunteerBody,
  type ListVolunteersQuery,
  type CreateVolunteerRequest,
  type UpdateVolunteerRequest,
} from '@karavan/shared';
import { idempotentId } from '../lib/idempotency';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { VolunteersService } from './volunteers.service';

const one = { description: 'The volunteer', schema: volunteerDtoSchema };
const notFound = { description: 'No such volunteer' };
type Id = { id: string };

export function volunteersRoutes(service: VolunteersService): RouteSpec[] {
  return [
    defineRoute<undefined, ListVolunteersQuery>({
      method: 'get',
      path: '/api/volunteers',
      tag: 'volunteers',
      summary: 'List volunteers',
      description:
        'Filters: `skill` (a driving licence category such as C, or another skill), `language` (ISO 639 code), `available`, `q` (name, phone, skills, notes).',
      access: 'volunteers:read',
      query: listVolunteersQuery,
      responses: {
        200: {
          description: 'A page of volunteers sorted by name',
          schema: pageSchema(volunteerDtoSchema, 'VolunteerPage'),
        },
      },
      async handler({ actor, query }) {
        return { status: 200, body: await service.list(actor!, query) };
      },
    }),
    defineRoute<CreateVolunteerRequest>({
      method: 'post',
      path: '/api/volunteers',
      tag: 'volunteers',
      summary: 'Create a volunteer',
      access: 'volunteers:manage',
      idempotent: true,
      body: createVolunteerBody,
      responses: {
        201: one,
        409: { description: 'The user is linked to another volunteer' },
        422: { description: 'No user has this id' },
      },
      async handler({ actor, body, res }) {
        return { status: 201, body: await service.create(actor!, body, idempotentId(res)) };
      },
    }),
    defineRoute<undefined, undefined, Id>({
      method: 'get',
      path: '/api/volunteers/:id',
      tag: 'volunteers',
      summary: 'Get a volunteer',
      access: 'volunteers:read',
      params: idParams,
      responses: { 200: one, 404: notFound },
      async handler({ actor, params }) {
        return { status: 200, body: await service.get(actor!, params.id) };
      },
    }),
    defineRoute<UpdateVolunteerRequest, undefined, Id>({
      method: 'patch',
      path: '/api/volunteers/:id',
      tag: 'volunteers',
      summary: 'Update a volunteer',
      description:
        '`skills` and `availability` change only the sub-fields given; `userId: null` unlinks the user account.',
      access: 'volunteers:manage',
      params: idParams,
      body: updateVolunteerBody,
      responses: {
        200: one,
        404: notFound,
        409: { description: 'The user is linked to another volunteer' },
        422: { description: 'No user has this id' },
      },
      async handler({ actor, params, body }) {
        return { status: 200, body: await service.update(actor!, params.id, body) };
      },
    }),
  ];
}
