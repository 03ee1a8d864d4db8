import {
  type DriverDto,
  type ListDriversQuery,
  sameId,
  type CreateUserRequest,
  type ListUsersQuery,
  type Page,
  type UpdateOwnProfileRequest,
  type UpdateUserRequest,
  type UserDto,
} from '@karavan/shared';
import { ApiError, uniqueOn } from '../lib/errors';
import type { EventBus } from '../lib/events';
import { assertPasswordAllowed, hashPassword } from '../lib/passwords';
import type { Actor } from '../lib/route';
import { findLocations } from '../locations';
import { endAllSessions } from '../sessions';
import { User, type UserDoc } from './users.model';
import { presentUser } from './users.presenter';
import { madeBefore } from '../db/operations';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `id` names an active user with the role driver (a shipment may be assigned to them). */
export async function isActiveDriver(id: string): Promise<boolean> {
  const user = await User.findById(id).lean();
  return Boolean(user && user.role === 'driver' && user.active);
}

/**
 * Who may take a hand-over of goods on the road: active drivers and staff (coordinators,
 * organisers), by name (`q`), id, name and role only (no phone: drivers see this list).
 */
export async function listHandoverTakers(q: string | undefined, exceptId: string) {
  const filter: Record<string, unknown> = { active: true, _id: { $ne: exceptId } };
  if (q) filter.name = new RegExp(escapeRegex(q), 'i');
  const found = await User.find(filter, { name: 1, role: 1 }).sort({ name: 1, _id: 1 }).limit(100).lean();
  return found.map((u) => ({ id: String(u._id), name: u.name, role: u.role }));
}

/** The account document (signing in, changing one's password: the auth component saves it). */
export const userDoc = (id: string): Promise<UserDoc | null> => User.findById(id);
/** The account with this email (compared lower-case), as a document. */
export const userDocByEmail = (email: string): Promise<UserDoc | null> =>
  User.findOne({ email: email.trim().toLowerCase() });
/** The account as stored, read-only. */
export const userRecord = (id: string) => User.findById(id).lean();

/** Whether a user has this id (a volunteer may be linked to it). */
export const userExists = async (id: string): Promise<boolean> => Boolean(await User.exists({ _id: id }));

/** Whether the account is active; null when there is no such user. */
export async function accountActive(id: string): Promise<boolean | null> {
  const user = await User.findById(id, { active: 1 }).lean();
  return user ? Boolean(user.active) : null;
}

/** The names of every driver account, by id (exports, documents). */
export async function driverNames(): Promise<Map<string, string>> {
  const drivers = await User.find({ role: 'driver' }, { name: 1 }).lean();
  return new Map(drivers.map((u) => [u._id.toHexString(), u.name]));
}

/** A user's name and phone (a waybill names its driver), null when there is no such user. */
export async function contactOf(id: string): Promise<{ name: string; phone: string | null } | null> {
  const user = await User.findById(id, { name: 1, phone: 1 }).lean();
  return user ? { name: user.name, phone: user.phone ?? null } : null;
}

/**
 * The active accounts with a phone whose digits end like `key` (the last 9 digits, see the SMS
 * channel): whoever sends from that number. Reads every account with a phone (a few hundred).
 */
export async function activeUsersByPhone(key: string) {
  const users = await User.find({ active: true, phone: { $ne: null } }).lean();
  return users.filter((u) => (u.phone ?? '').replace(/\D/g, '').endsWith(key));
}

/** The places a user works at (pledges: whose donor contacts they see). */
export async function userLocationIds(id: string): Promise<string[]> {
  const user = await User.findById(id, { locationIds: 1 }).lean();
  return user?.locationIds ?? [];
}

/** The ids, when each is a place; else 422 naming the first that is not. */
async function knownPlaces(ids: string[]): Promise<string[]> {
  const found = await findLocations(ids);
  const missing = ids.findIndex((id) => !found.has(id));
  if (missing >= 0)
    throw new ApiError(422, 'UNPROCESSABLE', 'No such place', [
      { path: `body.locationIds.${missing}`, message: 'is not a place', type: 'exists' },
    ]);
  return ids;
}

async function findUser(id: string): Promise<UserDoc> {
  const user = await User.findById(id);
  if (!user) throw ApiError.notFound('User');
  return user;
}

export function createUsersService(events: EventBus) {
  return {
    /** Creates an account; the user must replace the given password at first login. */
    async create(_actor: Actor, input: CreateUserRequest, options: { id?: string } = {}): Promise<UserDto> {
      const made = await madeBefore(options.id, (id) => User.findById(id));
      if (made) return presentUser(made);
      assertPasswordAllowed(input.password, 'body.password', { email: input.email });
      const locationIds = await knownPlaces(input.locationIds ?? []);
      const passwordHash = await hashPassword(input.password);
      const user = await uniqueOn('email', () =>
        User.create({
          ...(options.id ? { _id: options.id } : {}),
          email: input.email,
          name: input.name,
          role: input.role,
          locale: input.locale,
          phone: input.phone ?? null,
          locationIds,
          passwordHash,
          mustChangePassword: true,
        }),
      );
      const dto = presentUser(user);
      events.publish('users.created', { user: dto });
      return dto;
    },

    /** Lists users, sorted by name; `q` searches name and email. */
    async list(_actor: Actor, query: ListUsersQuery): Promise<Page<UserDto>> {
      const filter: Record<string, unknown> = {};
      if (query.role) filter.role = query.role;
      if (query.active !== undefined) filter.active = query.active;
      if (query.q) {
        const pattern = new RegExp(escapeRegex(query.q), 'i');
        filter.$or = [{ name: pattern }, { email: pattern }];
      }
      const [items, total] = await Promise.all([
        User.find(filter).sort({ name: 1, _id: 1 }).skip(query.offset).limit(query.limit).lean(),
        User.countDocuments(filter),
      ]);
      return { items: items.map(presentUser), total, limit: query.limit, offset: query.offset };
    },

    /** Active driver accounts by name: what a planner needs to pick and call a driver (no email, no role data). */
    async listDrivers(_actor: Actor, query: ListDriversQuery): Promise<Page<DriverDto>> {
      const filter: Record<string, unknown> = { role: 'driver', active: true };
      if (query.q) filter.name = new RegExp(escapeRegex(query.q), 'i');
      const [items, total] = await Promise.all([
        User.find(filter, { name: 1, phone: 1 }).sort({ name: 1, _id: 1 }).skip(query.offset).limit(query.limit).lean(),
        User.countDocuments(filter),
      ]);
      return {
        items: items.map((u) => ({ id: String(u._id), name: u.name, phone: u.phone ?? null })),
        total,
        limit: query.limit,
        offset: query.offset,
      };
    },

    async get(_actor: Actor, id: string): Promise<UserDto> {
      return presentUser(await findUser(id));
    },

    /**
     * Changes another user's profile, role or active flag. Nobody changes their own role or
     * disables themselves (that is how the last organiser would lock everyone out).
     * Disabling ends every session of the user at once.
     */
    async update(actor: Actor, id: string, patch: UpdateUserRequest): Promise<UserDto> {
      const user = await findUser(id);
      if (sameId(user._id, actor.id) && (patch.role !== undefined || patch.active !== undefined)) {
        throw ApiError.forbidden('You cannot change your own role or disable your own account');
      }
      const disabling = patch.active === false && user.active;
      if (patch.locationIds) await knownPlaces(patch.locationIds);
      user.set(patch);
      if (disabling) user.tokenVersion += 1;
      await user.save();
      if (disabling) await endAllSessions(user._id);
      const dto = presentUser(user);
      // Waits until every instance forgot the user's remembered sign-ins (auth.service).
      await events.publishAndWait('users.updated', { user: dto });
      if (disabling) await events.publishAndWait('users.sessionsRevoked', { userId: dto.id, reason: 'disabled' });
      return dto;
    },

    /** Sets a temporary password that the user must replace; ends the user's sessions. */
    async resetPassword(actor: Actor, id: string, password: string): Promise<UserDto> {
      const user = await findUser(id);
      if (sameId(user._id, actor.id)) {
        throw ApiError.forbidden('Change your own password with PUT /api/users/me/password');
      }
      assertPasswordAllowed(password, 'body.password', { email: user.email });
      user.passwordHash = await hashPassword(password);
      user.mustChangePassword = true;
      user.tokenVersion += 1;
      await user.save();
      await endAllSessions(user._id);
      const dto = presentUser(user);
      await events.publishAndWait('users.updated', { user: dto });
      await events.publishAndWait('users.sessionsRevoked', { userId: dto.id, reason: 'password_reset' });
      return dto;
    },

    async getOwn(actor: Actor): Promise<UserDto> {
      return presentUser(await findUser(actor.id));
    },

    /** Name, language and phone only: role and active are not the user's to change. */
    async updateOwn(actor: Actor, patch: UpdateOwnProfileRequest): Promise<UserDto> {
      const user = await findUser(actor.id);
      user.set(patch);
      await user.save();
      const dto = presentUser(user);
      events.publish('users.updated', { user: dto });
      return dto;
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
