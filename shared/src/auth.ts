import Joi from 'joi';
import { userDtoSchema, type UserDto } from './users';
import { email } from './common';
import { PASSWORD_MAX } from './rules';
import { text } from './text';

export interface LoginRequest {
  email: string;
  password: string;
}
export const loginBody = Joi.object<LoginRequest, true>({
  email: email().required(),
  // Old passwords may not meet today's policy: login only bounds the length.
  password: text({ max: PASSWORD_MAX }).required(),
});

export interface RefreshRequest {
  refreshToken: string;
}
export const refreshBody = Joi.object<RefreshRequest, true>({
  refreshToken: text({ min: 20, max: 200 }).required(),
});

/** What login, refresh and a password change return. */
export interface TokenResponse {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** Opaque, single use: each refresh returns a new one and retires the old. */
  refreshToken: string;
  refreshExpiresAt: string;
  user: UserDto;
}

export const tokenResponseSchema = Joi.object<TokenResponse, true>({
  accessToken: Joi.string().required(),
  tokenType: Joi.string().valid('Bearer').required(),
  expiresIn: Joi.number().integer().required(),
  refreshToken: Joi.string().required(),
  refreshExpiresAt: Joi.string().isoDate().required(),
  user: userDtoSchema.required(),
}).label('TokenResponse');
