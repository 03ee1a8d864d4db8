import {
  createUserBody,
  driverDtoSchema,
  listDriversQuery,
  idParams,
  listUsersQuery,
  pageSchema,
  resetPasswordBody,
  updateOwnProfileBody,
  updateUserBody,
  userDtoSchema,
  type CreateUserRequest,
  type ListDriversQuery,
  type ListUsersQuery,
  type ResetPasswordRequest,
  type UpdateOwnProfileRequest,
  type UpdateUserRequest,
} from '@karavan/shared';
import { idempotentId } from '../lib/idempotency';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { UsersService } from './users.service';

const user = { description: 'The user', schema: userDtoSchema };
type Id = { id: string };

export function usersRoutes(users: UsersService): RouteSpec[] {
  return [
    defineRoute<undefined, ListUsersQuery>({
      method: 'get',
      path: '/api/users',
      tag: 'users',
      summary: 'List users',
      access: 'users:manage',
      query: listUsersQuery,
      responses: {
        200: { description: 'A page of users sorted by name', schema: pageSchema(userDtoSchema, 'UserPage') },
      },
      async handler({ actor, query }) {
        return { status: 200, body: await users.list(actor!, query) };
      },
    }),
    defineRoute<undefined, ListDriversQuery>({
      method: 'get',
      path: '/api/drivers',
      tag: 'users',
      summary: 'List active drivers (for planning shipments)',
      description:
        'Active accounts with the role driver, sorted by name: id, name and phone only. For those who plan shipments (`shipments:manage`), who may not list users. `q` searches the name.',
      access: 'shipments:manage',
      query: listDriversQuery,
      responses: {
        200: { description: 'A page of drivers sorted by name', schema: pageSchema(driverDtoSchema, 'DriverPage') },
      },
      async handler({ actor, query }) {
        return { status: 200, body: await users.listDrivers(actor!, query) };
      },
    }),
    defineRoute<CreateUserRequest>({
      method: 'post',
      path: '/api/users',
      tag: 'users',
      summary: 'Create a user',
      description: 'The user must replace the given password at first login.',
      access: 'users:manage',
      idempotent: true,
      body: createUserBody,
      responses: { 201: user, 409: { description: 'A user with this email exists' } },
      async handler({ actor, body, res }) {
        return { status: 201, body: await users.create(actor!, body, idempotentId(res)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/users/me',
      tag: 'users',
      summary: 'My profile',
      access: 'profile:own',
      allowPendingPasswordChange: true,
      responses: { 200: user },
      async handler({ actor }) {
        return { status: 200, body: await users.getOwn(actor!) };
      },
    }),
    defineRoute<UpdateOwnProfileRequest>({
      method: 'patch',
      path: '/api/users/me',
      tag: 'users',
      summary: 'Update my name, language or phone',
      access: 'profile:own',
      body: updateOwnProfileBody,
      responses: { 200: user },
      async handler({ actor, body }) {
        return { status: 200, body: await users.updateOwn(actor!, body) };
      },
    }),
    defineRoute<undefined, undefined, Id>({
      method: 'get',
      path: '/api/users/:id',
      tag: 'users',
      summary: 'Get a user',
      access: 'users:manage',
      params: idParams,
      responses: { 200: user, 404: { description: 'No such user' } },
      async handler({ actor, params }) {
        return { status: 200, body: await users.get(actor!, params.id) };
      },
    }),
    defineRoute<UpdateUserRequest, undefined, Id>({
      method: 'patch',
      path: '/api/users/:id',
      tag: 'users',
      summary: "Update a user's profile, role or active flag",
      description:
        'Disabling a user ends all their sessions and live connections at once. Nobody changes their own role or disables themselves.',
      access: 'users:manage',
      params: idParams,
      body: updateUserBody,
      responses: { 200: user, 403: { description: 'Own role or own account' }, 404: { description: 'No such user' } },
      async handler({ actor, params, body }) {
        return { status: 200, body: await users.update(actor!, params.id, body) };
      },
    }),
    defineRoute<ResetPasswordRequest, undefined, Id>({
      method: 'put',
      path: '/api/users/:id/password',
      tag: 'users',
      summary: "Reset a user's password",
      description: 'Sets a temporary password the user must replace at next login, and ends all their sessions.',
      access: 'users:manage',
      params: idParams,
      body: resetPasswordBody,
      responses: { 200: user, 404: { description: 'No such user' } },
      async handler({ actor, params, body }) {
        return { status: 200, body: await users.resetPassword(actor!, params.id, body.password) };
      },
    }),
  ];
}
