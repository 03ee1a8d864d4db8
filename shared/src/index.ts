// Everything shared: the Joi-free modules (also the web client's entry, client.ts) and the
// request schemas the server validates with.
export * from './client';
export * from './common';
export * from './text';
export * from './localized.schema';
export * from './hours.schema';
export * from './auth';
export * from './users';
export * from './events.schema';
export * from './catalogue';
export * from './stock';
export * from './donations';
export * from './shipments';
export * from './dashboard';
export * from './pledges';
export * from './exports';
export * from './errors';
export * from './labels.schema';
export * from './custody.schema';
export * from './handovers.schema';
