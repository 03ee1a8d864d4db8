import type { UserDto, Locale, Role } from '@karavan/shared';
import type { UserFields } from './users.model';
import type { Types } from 'mongoose';

type UserLike = UserFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export function presentUser(user: UserLike): UserDto {
  return {
    id: user._id.toHexString(),
    email: user.email,
    name: user.name,
    role: user.role as Role,
    active: user.active,
    mustChangePassword: user.mustChangePassword,
    locale: user.locale as Locale,
    phone: user.phone ?? null,
    locationIds: [...(user.locationIds ?? [])],
    lastLoginAt: user.lastLoginAt ? user.lastLoginAt.toISOString() : null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
