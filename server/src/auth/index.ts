export { createAuthService, type AuthService } from './auth.service';
export { createPassport, requireRight } from './passport';
export { authRoutes, type AuthLimiters } from './auth.routes';
