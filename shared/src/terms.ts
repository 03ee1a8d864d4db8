/*
 * The closed lists of the domain (languages, units, kinds, statuses, reasons) and their types.
 * Joi-free: the web client imports them without the schema library (see client.ts).
 */

/** The interface languages; Russian is the default and every translated text's fallback. */
export const LOCALES = ['ru', 'en', 'ky', 'kk'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'ru';

export const BASE_UNITS = ['loaf', 'litre', 'kg', 'piece'] as const;
export type BaseUnit = (typeof BASE_UNITS)[number];

/** The languages an item name can be given in; ru and en are required. */
export const ITEM_NAME_LOCALES = ['ru', 'en', 'ky', 'kk'] as const;

export const LOCATION_KINDS = ['collection_point', 'warehouse', 'checkpoint', 'distribution_point'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

export const CAMPAIGN_STATUSES = ['draft', 'active', 'closed'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** Driving licence categories (Vienna Convention, as in Kyrgyzstan, Kazakhstan and Russia). */
export const LICENCE_CATEGORIES = [
  'A',
  'A1',
  'B',
  'B1',
  'BE',
  'C',
  'C1',
  'CE',
  'C1E',
  'D',
  'D1',
  'DE',
  'D1E',
  'M',
] as const;
export type LicenceCategory = (typeof LICENCE_CATEGORIES)[number];

/**
 * Kinds of ledger movement. Each one changes stock in a fixed way (see DOMAIN.md):
 * - `received` (+q): a donation line entered a location's stock.
 * - `voided` (-q): a donation line was taken back out (the donation was voided).
 * - `written_off` (-q): goods at a location were spoiled, damaged, lost, stolen or expired.
 * - `adjusted` (±q): a count found more or less than the books said. Less counts as written
 *   off, more as received, so that donated = onHand + inTransit + delivered + writtenOff holds.
 * - `reserved` (+q) / `released` (-q): the reserved part of on-hand stock for a shipment.
 * - `dispatched` (-q): reserved goods left the origin on a shipment (they are now in transit).
 * - `delivered` (+q): goods in transit were handed over at a distribution point.
 * - `transferred_in` (+q): goods in transit entered the destination's stock.
 * - `written_off_in_transit` (-q): goods in transit that never arrived.
 */
export const MOVEMENT_KINDS = [
  'received',
  'voided',
  'written_off',
  'adjusted',
  'reserved',
  'released',
  'dispatched',
  'delivered',
  'transferred_in',
  'written_off_in_transit',
] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

export const WRITE_OFF_REASONS = ['spoiled', 'damaged', 'lost', 'stolen', 'expired', 'other'] as const;
export type WriteOffReason = (typeof WRITE_OFF_REASONS)[number];

export const ADJUSTMENT_REASONS = ['count', 'found', 'miscount', 'other'] as const;

export const DONOR_KINDS = ['person', 'organisation', 'anonymous'] as const;
export type DonorKind = (typeof DONOR_KINDS)[number];
