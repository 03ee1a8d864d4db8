/**
 * Channels beyond the app: the command language (grammar.ts) and the SMS gateway's webhook, with
 * its messages kept once each (the kernel's idempotency engine) and its counters.
 */
export { parseCommand, type CatalogueItem, type Command, type Understanding } from './grammar';
export { createChannelsService, type ChannelsService, type ChannelsStatus } from './channels.service';
export { channelsRoutes, RAW_BODY_PATHS, type RawBodyRequest } from './channels.routes';
export { type SmsSettings } from './sms.gateway';
export { relayRoutes, type RelayEnvelope, type RelayResult } from './relay';
