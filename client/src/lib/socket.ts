// The live connection is one per session, opened by RealtimeProvider (lib/realtime); screens
// read its state through this hook.
export type { LiveStatus } from './realtime/realtime';
export { useLiveConnection } from './realtime/RealtimeProvider';
