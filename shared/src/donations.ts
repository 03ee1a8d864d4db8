import Joi from 'joi';
import { objectId, pageQueryKeys, type PageQuery } from './common';
import { DONOR_KINDS, LOCALES, type DonorKind, type Locale } from './terms';
import { DONATION_LINES_MAX, TEXT_MAX } from './rules';
import { contactPhone, freeText, itemQuantity, packUnitName } from './catalogue';

export interface DonorDto {
  kind: DonorKind;
  name: string | null;
  /** Kept only when the donor agreed to be contacted. */
  phone: string | null;
  consentToContact: boolean;
  /** Language of the donor's receipt. */
  locale?: Locale;
}

export interface DonationLineDto {
  itemId: string;
  /** In the item's base unit. */
  quantity: number;
  /** The lot the line went to. */
  lotId: string;
  /** The lot's expiry (bucketed to the day, or the hour for short-lived goods). */
  expiresAt: string | null;
}

export interface DonationDto {
  id: string;
  campaignId: string;
  locationId: string;
  receivedAt: string;
  /** Id of the user who recorded it. */
  receivedBy: string;
  donor: DonorDto;
  lines: DonationLineDto[];
  note: string | null;
  voided: { at: string; by: string; reason: string } | null;
  createdAt: string;
}

export interface DonationLineInput {
  itemId: string;
  quantity: number;
  /** A pack unit of the item (`crate`, `tray`, ...); omitted: the base unit. */
  unit?: string;
  /** Overrides the default expiry (receivedAt + the item's shelf life). */
  expiresAt?: string | null;
}

export interface DonorInput {
  kind: DonorKind;
  name?: string | null;
  phone?: string | null;
  consentToContact?: boolean;
  locale?: Locale;
}

export interface CreateDonationRequest {
  campaignId: string;
  locationId: string;
  /** When the goods were received (default now); may be up to 10 minutes ahead (clock skew), and no earlier than one day before the campaign starts (422). */
  receivedAt?: string;
  donor?: DonorInput;
  lines: DonationLineInput[];
  note?: string | null;
}

/**
 * The donor. Rules across fields are checked by the server (422), since the OpenAPI document
 * cannot state them: an anonymous donor has no name or phone, and a phone is kept only with
 * `consentToContact: true`.
 */
const donorSchema = Joi.object<DonorInput, true>({
  kind: Joi.string()
    .valid(...DONOR_KINDS)
    .required(),
  name: freeText(TEXT_MAX.name).allow(null),
  phone: contactPhone().allow(null),
  consentToContact: Joi.boolean(),
  locale: Joi.string().valid(...LOCALES),
});

export const createDonationBody = Joi.object<CreateDonationRequest, true>({
  campaignId: objectId().required(),
  locationId: objectId().required(),
  receivedAt: Joi.string().isoDate(),
  donor: donorSchema,
  lines: Joi.array()
    .items(
      Joi.object<DonationLineInput, true>({
        itemId: objectId().required(),
        quantity: itemQuantity().required(),
        unit: packUnitName(),
        expiresAt: Joi.string().isoDate().allow(null),
      }),
    )
    .min(1)
    .max(DONATION_LINES_MAX)
    .required(),
  note: freeText(TEXT_MAX.note, { multiline: true }).allow(null),
});

export interface ListDonationsQuery extends PageQuery {
  campaignId?: string;
  locationId?: string;
  /** receivedAt at or after. */
  from?: string;
  /** receivedAt before. */
  to?: string;
  voided?: boolean;
}
export const listDonationsQuery = Joi.object<ListDonationsQuery, true>({
  campaignId: objectId(),
  locationId: objectId(),
  from: Joi.string().isoDate(),
  to: Joi.string().isoDate(),
  voided: Joi.boolean(),
  ...pageQueryKeys,
});

export interface VoidDonationRequest {
  reason: string;
}
export const voidDonationBody = Joi.object<VoidDonationRequest, true>({
  reason: freeText(TEXT_MAX.voidReason).required(),
});

const hexId = () => Joi.string().hex().length(24);
export const donationDtoSchema = Joi.object<DonationDto, true>({
  id: hexId().required(),
  campaignId: hexId().required(),
  locationId: hexId().required(),
  receivedAt: Joi.string().isoDate().required(),
  receivedBy: hexId().required(),
  donor: Joi.object({
    kind: Joi.string()
      .valid(...DONOR_KINDS)
      .required(),
    name: Joi.string().allow(null).required(),
    phone: Joi.string().allow(null).required(),
    consentToContact: Joi.boolean().required(),
    locale: Joi.string().valid(...LOCALES),
  }).required(),
  lines: Joi.array()
    .items(
      Joi.object({
        itemId: hexId().required(),
        quantity: Joi.number().integer().min(1).required(),
        lotId: hexId().required(),
        expiresAt: Joi.string().isoDate().allow(null).required(),
      }),
    )
    .required(),
  note: Joi.string().allow(null).required(),
  voided: Joi.object({
    at: Joi.string().isoDate().required(),
    by: hexId().required(),
    reason: Joi.string().required(),
  })
    .allow(null)
    .required(),
  createdAt: Joi.string().isoDate().required(),
}).label('Donation');
