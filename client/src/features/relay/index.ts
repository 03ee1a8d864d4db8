// What the driver's screens import: the button alone (its view is a chunk loaded when opened).
// The colleague's page is its own chunk: ./receive.ts, loaded by the app's route.
export { RelayShowButton } from './components/RelayShowButton';
