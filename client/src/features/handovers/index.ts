export { HandoverSection } from './components/HandoverForm';
export { IncomingHandovers } from './components/IncomingHandovers';
