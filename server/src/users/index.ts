export { type UserDoc, type UserFields } from './users.model';
export { presentUser } from './users.presenter';
export {
  createUsersService,
  accountActive,
  activeUsersByPhone,
  contactOf,
  driverNames,
  isActiveDriver,
  listHandoverTakers,
  userExists,
  userDoc,
  userDocByEmail,
  userRecord,
  userLocationIds,
  type UsersService,
} from './users.service';
export { ensureFirstOrganiser, DEFAULT_ADMIN_EMAIL } from './bootstrap';
export { usersRoutes } from './users.routes';
