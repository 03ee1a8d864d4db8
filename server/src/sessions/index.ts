export * from './sessions.service';
