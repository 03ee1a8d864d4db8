/*
 * The web client's entry to shared/: the field rules, the closed lists and the pure functions,
 * with no schema library. Every module exported here as a value is Joi-free (a unit test walks
 * their imports, and the build is checked for Joi); the schema modules give the client their
 * types only. The server uses index.ts, which adds the Joi request schemas.
 */
export * from './rules';
export * from './terms';
export * from './roles';
export * from './localized';
export * from './hours';
export * from './quantity';
export * from './shipment-life';
export * from './events';
export * from './client-config';
export * from './labels';
export * from './custody';
export * from './handovers';

export type * from './common';
export type * from './auth';
export type * from './users';
export type * from './catalogue';
export type * from './stock';
export type * from './donations';
export type * from './shipments';
export type * from './dashboard';
export type * from './pledges';
export type * from './exports';
export type * from './errors';
export type * from './labels.schema';
