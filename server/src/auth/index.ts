export { createAuthService, type AuthService } from './auth.service';
export { createPassport, requireRight } from './passport';
export { authRoutes } from './auth.routes';
