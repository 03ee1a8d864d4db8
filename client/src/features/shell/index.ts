export { HomePage } from './components/HomePage';
export { NotFound } from './components/NotFound';
export { RequireRight } from './components/RequireRight';
export { SessionGate } from './components/SessionGate';
