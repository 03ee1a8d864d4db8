export * from './roles';
export * from './errors';
export * from './common';
export * from './text';
export * from './auth';
export * from './users';
export * from './events';
