/** The shipments' domain rules: pure functions, no database (see ../commands for what uses them). */
export * from './route';
export * from './checklist';
export * from './warnings';
export * from './transitions';
export * from './lots';
export { unprocessable } from './errors';
