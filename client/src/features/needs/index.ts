export { NeedsPage } from './components/NeedsPage';
