export { logOut } from './api/auth.api';
export { ChangePasswordForm } from './components/ChangePasswordForm';
export { LoginForm } from './components/LoginForm';
