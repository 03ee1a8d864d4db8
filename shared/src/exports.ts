import Joi from 'joi';
import { objectId } from './common';
import { LOCALES, MOVEMENT_KINDS, type Locale, type MovementKind } from './terms';
import { SHIPMENT_STATUSES, type ShipmentStatus } from './shipment-life';

/**
 * `GET /api/exports/<donations|stock|movements|shipments>.csv`: the list's filters (without
 * paging: the whole selection is streamed), plus `format=hxl` (a second header row of HXL
 * hashtags) and `bom=1` (a UTF-8 byte order mark, for spreadsheets that need one).
 */
export const EXPORT_KINDS = ['donations', 'stock', 'movements', 'shipments'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export const EXPORT_FORMATS = ['csv', 'hxl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format?: ExportFormat;
  bom?: boolean;
  /** Names of items, places and campaigns in this language (default ru; Russian where a name has no translation). */
  lang?: Locale;
}

const exportKeys = {
  format: Joi.string().valid(...EXPORT_FORMATS),
  bom: Joi.boolean().truthy('1').falsy('0'),
  lang: Joi.string().valid(...LOCALES),
};

export interface ExportDonationsQuery extends ExportOptions {
  campaignId?: string;
  locationId?: string;
  from?: string;
  to?: string;
  voided?: boolean;
}
export const exportDonationsQuery = Joi.object<ExportDonationsQuery, true>({
  campaignId: objectId(),
  locationId: objectId(),
  from: Joi.string().isoDate(),
  to: Joi.string().isoDate(),
  voided: Joi.boolean(),
  ...exportKeys,
});

export interface ExportStockQuery extends ExportOptions {
  locationId?: string;
  itemId?: string;
  campaignId?: string;
  expiringWithinHours?: number;
  includeEmpty?: boolean;
}
export const exportStockQuery = Joi.object<ExportStockQuery, true>({
  locationId: objectId(),
  itemId: objectId(),
  campaignId: objectId(),
  expiringWithinHours: Joi.number()
    .integer()
    .min(0)
    .max(24 * 365),
  includeEmpty: Joi.boolean(),
  ...exportKeys,
});

export interface ExportMovementsQuery extends ExportOptions {
  locationId?: string;
  itemId?: string;
  campaignId?: string;
  kind?: MovementKind;
  shipmentId?: string;
  donationId?: string;
  lotId?: string;
}
export const exportMovementsQuery = Joi.object<ExportMovementsQuery, true>({
  locationId: objectId(),
  itemId: objectId(),
  campaignId: objectId(),
  kind: Joi.string().valid(...MOVEMENT_KINDS),
  shipmentId: objectId(),
  donationId: objectId(),
  lotId: objectId(),
  ...exportKeys,
});

export interface ExportShipmentsQuery extends ExportOptions {
  status?: ShipmentStatus[];
  campaignId?: string;
  driverId?: string;
  active?: boolean;
}
export const exportShipmentsQuery = Joi.object<ExportShipmentsQuery, true>({
  status: Joi.array()
    .items(Joi.string().valid(...SHIPMENT_STATUSES))
    .single()
    .max(SHIPMENT_STATUSES.length),
  campaignId: objectId(),
  driverId: objectId(),
  active: Joi.boolean(),
  ...exportKeys,
});
