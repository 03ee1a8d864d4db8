export * from './roles';
export * from './errors';
export * from './common';
export * from './auth';
export * from './users';
export * from './events';
export * from './catalogue';
export * from './shipments';
