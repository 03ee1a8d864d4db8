export { RelayReceivePage } from './components/RelayReceivePage';
export { RelayShowButton } from './components/RelayShowButton';
