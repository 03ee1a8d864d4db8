import Joi from 'joi';
import { ROLES, type Role } from './roles';
import { phoneNumber, text, trimmedText } from './text';
import { email, objectId, pageQueryKeys, type PageQuery, password } from './common';
import { LOCALES, type Locale } from './terms';
import { PASSWORD_MAX } from './rules';

/** A user as the API shows it; never the password hash. */
export interface UserDto {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  /** True until the user replaces a password that somebody else set (first run, reset). */
  mustChangePassword: boolean;
  locale: Locale;
  phone: string | null;
  /** The places this user works at (collection points): a pledge's donor contact is shown to them only. */
  locationIds: string[];
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const name = () => trimmedText({ max: 120 });
const phone = () => phoneNumber().allow(null);
const locationIds = () => Joi.array().items(objectId()).unique().max(50);

export interface CreateUserRequest {
  email: string;
  name: string;
  role: Role;
  /** The initial password; the user must change it at first login. */
  password: string;
  locale?: Locale;
  phone?: string | null;
  locationIds?: string[];
}
export const createUserBody = Joi.object<CreateUserRequest, true>({
  email: email().required(),
  name: name().required(),
  role: Joi.string()
    .valid(...ROLES)
    .required(),
  password: password().required(),
  locale: Joi.string().valid(...LOCALES),
  phone: phone(),
  locationIds: locationIds(),
});

export interface UpdateUserRequest {
  name?: string;
  role?: Role;
  active?: boolean;
  locale?: Locale;
  phone?: string | null;
  /** The places the user works at (organisers set them). */
  locationIds?: string[];
}
export const updateUserBody = Joi.object<UpdateUserRequest, true>({
  name: name(),
  role: Joi.string().valid(...ROLES),
  active: Joi.boolean(),
  locale: Joi.string().valid(...LOCALES),
  phone: phone(),
  locationIds: locationIds(),
}).min(1);

export type UpdateOwnProfileRequest = Pick<UpdateUserRequest, 'name' | 'locale' | 'phone'>;
export const updateOwnProfileBody = Joi.object<UpdateOwnProfileRequest, true>({
  name: name(),
  locale: Joi.string().valid(...LOCALES),
  phone: phone(),
}).min(1);

export interface ChangeOwnPasswordRequest {
  currentPassword: string;
  newPassword: string;
}
export const changeOwnPasswordBody = Joi.object<ChangeOwnPasswordRequest, true>({
  currentPassword: text({ max: PASSWORD_MAX }).required(),
  newPassword: password().required().invalid(Joi.ref('currentPassword')).messages({
    'any.invalid': '"newPassword" must differ from the current password',
  }),
});

export interface ResetPasswordRequest {
  /** The new temporary password; the user must change it at next login. */
  password: string;
}
export const resetPasswordBody = Joi.object<ResetPasswordRequest, true>({
  password: password().required(),
});

export interface ListUsersQuery extends PageQuery {
  role?: Role;
  active?: boolean;
  /** Case-insensitive search in name and email. */
  q?: string;
}
export const listUsersQuery = Joi.object<ListUsersQuery, true>({
  role: Joi.string().valid(...ROLES),
  active: Joi.boolean(),
  q: trimmedText({ min: 0, max: 100 }).allow(''),
  ...pageQueryKeys,
});

/** Response schema of a user (for the OpenAPI document and response checks in tests). */
export const userDtoSchema = Joi.object<UserDto, true>({
  id: Joi.string().hex().length(24).required(),
  email: Joi.string().required(),
  name: Joi.string().required(),
  role: Joi.string()
    .valid(...ROLES)
    .required(),
  active: Joi.boolean().required(),
  mustChangePassword: Joi.boolean().required(),
  locale: Joi.string()
    .valid(...LOCALES)
    .required(),
  phone: Joi.string().allow(null).required(),
  locationIds: Joi.array().items(Joi.string().hex().length(24)).required(),
  lastLoginAt: Joi.string().isoDate().allow(null).required(),
  createdAt: Joi.string().isoDate().required(),
  updatedAt: Joi.string().isoDate().required(),
}).label('User');

/**
 * `GET /api/drivers`: the active driver accounts a shipment may be given to, for those who plan
 * shipments (coordinators may not list users). Only what choosing and calling a driver needs.
 */
export interface DriverDto {
  id: string;
  name: string;
  phone: string | null;
}

export interface ListDriversQuery extends PageQuery {
  /** Case-insensitive search in the name. */
  q?: string;
}
export const listDriversQuery = Joi.object<ListDriversQuery, true>({
  q: trimmedText({ min: 0, max: 100 }).allow(''),
  ...pageQueryKeys,
});

export const driverDtoSchema = Joi.object<DriverDto, true>({
  id: Joi.string().hex().length(24).required(),
  name: Joi.string().required(),
  phone: Joi.string().allow(null).required(),
}).label('Driver');
