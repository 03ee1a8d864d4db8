import Joi from 'joi';
import { contactPhone, freeText, itemQuantity, packUnitName } from './catalogue';
import { objectId, pageQueryKeys, type PageQuery } from './common';
import { TEXT_MAX } from './rules';
import { text } from './text';

/*
 * Pledges (issue 20): a donor's promise to bring goods to a collection point on a day. Counted
 * as pledged, never as collected, until a coordinator turns it into a donation; it lapses a day
 * after its day.
 */

/** A calendar day on the campaign's clock, `YYYY-MM-DD`. */
export const DAY_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
/** How far ahead a donor may pledge, in days. */
export const PLEDGE_DAYS_AHEAD = 30;

export type PledgeStatus = 'open' | 'fulfilled' | 'lapsed';

export interface CreatePledgeRequest {
  itemId: string;
  /** In the item's base unit, or in `unit` (one of its pack units). */
  quantity: number;
  unit?: string;
  locationId: string;
  /** The day the donor will bring it (`YYYY-MM-DD`, the campaign's clock). */
  day: string;
  name?: string | null;
  phone?: string | null;
  /** Without it, name and phone are not kept. */
  consentToContact?: boolean;
  /** Hidden from people in the form: must be empty (bots fill every field). */
  website?: string;
}

export const createPledgeBody = Joi.object<CreatePledgeRequest, true>({
  itemId: objectId().required(),
  quantity: itemQuantity().required(),
  unit: packUnitName(),
  locationId: objectId().required(),
  day: Joi.string().pattern(DAY_PATTERN, 'YYYY-MM-DD').required(),
  name: freeText(TEXT_MAX.name).allow(null),
  phone: contactPhone().allow(null),
  consentToContact: Joi.boolean(),
  website: text({ min: 0, max: 200 }).allow(''),
});

export interface PledgeCreatedDto {
  id: string;
}
export const pledgeCreatedSchema = Joi.object<PledgeCreatedDto, true>({
  id: Joi.string().hex().length(24).required(),
}).label('PledgeCreated');

/** A pledge as coordinators see it. `contact` only with the donor's consent. */
export interface PledgeDto {
  id: string;
  campaignId: string;
  itemId: string;
  locationId: string;
  day: string;
  /** Base units promised. */
  quantity: number;
  /** Base units brought so far (by the donations that fulfilled it). */
  fulfilled: number;
  /** quantity - fulfilled: what is still pledged while the pledge is open. */
  remaining: number;
  status: PledgeStatus;
  /** When it stops counting as pledged (the end of the day after its day). */
  lapsesAt: string;
  contact: { name: string | null; phone: string | null } | null;
  donationIds: string[];
  createdAt: string;
}

const hex = () => Joi.string().hex().length(24);
const whole = () => Joi.number().integer().min(0);

export const pledgeSchema = Joi.object<PledgeDto, true>({
  id: hex().required(),
  campaignId: hex().required(),
  itemId: hex().required(),
  locationId: hex().required(),
  day: Joi.string().required(),
  quantity: whole().required(),
  fulfilled: whole().required(),
  remaining: whole().required(),
  status: Joi.string().valid('open', 'fulfilled', 'lapsed').required(),
  lapsesAt: Joi.string().isoDate().required(),
  contact: Joi.object({
    name: Joi.string().allow(null).required(),
    phone: Joi.string().allow(null).required(),
  })
    .allow(null)
    .required(),
  donationIds: Joi.array().items(hex()).required(),
  createdAt: Joi.string().isoDate().required(),
}).label('Pledge');

export interface ListPledgesQuery extends PageQuery {
  campaignId: string;
  locationId?: string;
  day?: string;
  status?: PledgeStatus;
}
export const listPledgesQuery = Joi.object<ListPledgesQuery, true>({
  campaignId: objectId().required(),
  locationId: objectId(),
  day: Joi.string().pattern(DAY_PATTERN, 'YYYY-MM-DD'),
  status: Joi.string().valid('open', 'fulfilled', 'lapsed'),
  ...pageQueryKeys,
});

export interface FulfilPledgeRequest {
  donationId: string;
}
export const fulfilPledgeBody = Joi.object<FulfilPledgeRequest, true>({
  donationId: objectId().required(),
});

/** Pledged against fulfilled for one item at one point (the organisers' view). */
export interface PledgeTotalsRowDto {
  itemId: string;
  locationId: string;
  pledges: number;
  /** Base units promised by every pledge, lapsed or not. */
  pledged: number;
  /** Base units brought by the donations that fulfilled them. */
  fulfilled: number;
  /** Still promised by pledges that have not lapsed. */
  open: number;
  /** Promised and never brought by pledges that lapsed. */
  lapsed: number;
}
export interface PledgeTotalsDto {
  campaignId: string;
  rows: PledgeTotalsRowDto[];
}
export const pledgeTotalsSchema = Joi.object<PledgeTotalsDto, true>({
  campaignId: hex().required(),
  rows: Joi.array()
    .items(
      Joi.object<PledgeTotalsRowDto, true>({
        itemId: hex().required(),
        locationId: hex().required(),
        pledges: whole().required(),
        pledged: whole().required(),
        fulfilled: whole().required(),
        open: whole().required(),
        lapsed: whole().required(),
      }),
    )
    .required(),
}).label('PledgeTotals');

export interface SetEnoughRequest {
  enough: boolean;
}
export const setEnoughBody = Joi.object<SetEnoughRequest, true>({
  enough: Joi.boolean().required(),
});
export const campaignItemParams = Joi.object<{ id: string; itemId: string }, true>({
  id: objectId().required(),
  itemId: objectId().required(),
});
