export { RelayReceivePage } from './components/RelayReceivePage';
