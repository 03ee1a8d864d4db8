export { IntakePage } from './components/IntakePage';
