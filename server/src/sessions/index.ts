export { Session } from './sessions.model';
export * from './sessions.service';
