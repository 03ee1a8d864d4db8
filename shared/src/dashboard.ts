import Joi from 'joi';
import type { TranslatedName } from './catalogue';
import type { BaseUnit } from './terms';
import type { WeeklyHours } from './hours';
import { weeklyHoursDto } from './hours.schema';
import type { LocalizedText } from './localized';
import { LOCALES, type Locale } from './terms';
import { localizedTextDto } from './localized.schema';

/*
 * The organisers' dashboard and the public needs page (issue 9).
 */

/** Donations recorded in one hour (UTC), voided ones taken back out. */
export interface DonationBucketDto {
  /** Start of the hour (ISO, UTC). */
  at: string;
  /** The same moment on the campaign's clock, `YYYY-MM-DD HH:MM` (its `timeZone`). */
  local: string;
  donations: number;
  /** Base units of every item together (a rough volume). */
  quantity: number;
}

export interface DonationsOverTimeDto {
  campaignId: string;
  /** The campaign's IANA zone: the buckets are its hours. */
  timeZone: string;
  hours: number;
  buckets: DonationBucketDto[];
}

export interface DonationsOverTimeQuery {
  hours: number;
}

export const DONATIONS_OVER_TIME_MAX_HOURS = 24 * 14;

export const donationsOverTimeQuery = Joi.object<DonationsOverTimeQuery, true>({
  hours: Joi.number().integer().min(1).max(DONATIONS_OVER_TIME_MAX_HOURS).default(48),
});

const hexId = () => Joi.string().hex().length(24);
const count = () => Joi.number().integer();

export const donationsOverTimeSchema = Joi.object<DonationsOverTimeDto, true>({
  campaignId: hexId().required(),
  timeZone: Joi.string().required(),
  hours: count().min(1).required(),
  buckets: Joi.array()
    .items(
      Joi.object<DonationBucketDto, true>({
        at: Joi.string().isoDate().required(),
        local: Joi.string().required(),
        donations: count().required(),
        quantity: count().required(),
      }),
    )
    .required(),
}).label('DonationsOverTime');

/** One item of a public campaign: no personal data, only totals. */
export interface PublicNeedDto {
  itemId: string;
  name: TranslatedName;
  baseUnit: BaseUnit;
  /** The item's pack units, for a pledge in trays or crates. */
  packs: { unit: string; size: number }[];
  target: number;
  /** Donated so far. */
  collected: number;
  /** On hand and not past its expiry (expired goods are not usable). */
  usable: number;
  inTransit: number;
  delivered: number;
  /** Still promised by donors' pledges that have not lapsed (never counted as collected). */
  pledged: number;
  /** max(0, target - delivered - inTransit - usable): spoiled goods bring the need back. */
  needed: number;
  /** The organisers said there is enough: "stop bringing it". */
  enough: boolean;
}

/** A collection point as the public sees it: no contact person, no phone. */
export interface PublicCollectionPointDto {
  id: string;
  name: LocalizedText;
  address: string | null;
  position: { lat: number; lng: number } | null;
  openingHours: string | null;
  /** Per weekday, local time in the campaign's `timeZone` (see hoursToday in shared). */
  weeklyHours: WeeklyHours | null;
}

export interface PublicCampaignDto {
  id: string;
  name: LocalizedText;
  description: LocalizedText | null;
  /** IANA zone the collection points' hours are in. */
  timeZone: string;
  startsAt: string | null;
  endsAt: string | null;
  status: 'draft' | 'active' | 'closed';
  asOf: string;
  needs: PublicNeedDto[];
  collectionPoints: PublicCollectionPointDto[];
}

const nameSchema = Joi.object({
  ru: Joi.string().allow('').required(),
  en: Joi.string().allow('').required(),
  ky: Joi.string().allow(''),
  kk: Joi.string().allow(''),
});

export const publicCampaignSchema = Joi.object<PublicCampaignDto, true>({
  id: hexId().required(),
  name: localizedTextDto().required(),
  description: localizedTextDto().allow(null).required(),
  timeZone: Joi.string().required(),
  startsAt: Joi.string().isoDate().allow(null).required(),
  endsAt: Joi.string().isoDate().allow(null).required(),
  status: Joi.string().valid('draft', 'active', 'closed').required(),
  asOf: Joi.string().isoDate().required(),
  needs: Joi.array()
    .items(
      Joi.object<PublicNeedDto, true>({
        itemId: hexId().required(),
        name: nameSchema.required(),
        baseUnit: Joi.string().required(),
        packs: Joi.array()
          .items(Joi.object({ unit: Joi.string().required(), size: count().min(1).required() }))
          .required(),
        target: count().min(0).required(),
        collected: count().required(),
        usable: count().required(),
        inTransit: count().required(),
        delivered: count().required(),
        pledged: count().min(0).required(),
        needed: count().min(0).required(),
        enough: Joi.boolean().required(),
      }),
    )
    .required(),
  collectionPoints: Joi.array()
    .items(
      Joi.object<PublicCollectionPointDto, true>({
        id: hexId().required(),
        name: localizedTextDto().required(),
        address: Joi.string().allow('', null).required(),
        position: Joi.object({ lat: Joi.number().required(), lng: Joi.number().required() }).allow(null).required(),
        openingHours: Joi.string().allow('', null).required(),
        weeklyHours: weeklyHoursDto().allow(null).required(),
      }),
    )
    .required(),
}).label('PublicCampaign');

/** The language of a channel card or text (default Russian). */
export interface ChannelQuery {
  lang: Locale;
}
export const channelQuery = Joi.object<ChannelQuery, true>({
  lang: Joi.string()
    .valid(...LOCALES)
    .default('ru'),
});
