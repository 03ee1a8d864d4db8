export { VolunteersPage } from './components/VolunteersPage';
