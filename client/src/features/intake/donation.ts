import {
  QUANTITY_MAX,
  isPhoneNumber,
  isTime,
  isWhole,
  toBaseQuantity,
  type CreateDonationRequest,
  type DonorKind,
  type ItemDto,
  type Locale,
} from '@karavan/shared';
import { toLocalInput } from '../../lib/format';
import type { Problems } from '../../ui/forms';

/** The most of one line the form takes: the API's own limit. */
export const MAX_QUANTITY = QUANTITY_MAX;

/** One line of a donation as typed: the item, how many of which of its units, and the expiry. */
export interface DonationLine {
  item: ItemDto;
  quantity: number;
  unit: string;
  /** datetime-local value, empty when the item does not spoil */
  expires: string;
  /** The expiry was changed by hand; otherwise the server applies the shelf life from receipt. */
  expiresSet: boolean;
}

export type DonationField = 'item' | 'quantity' | 'expires' | 'place' | 'phone';

/** The donation form's values: the lines added so far, the line being typed (as typed), and the donor. */
export interface DonationValues {
  lines: DonationLine[];
  itemId: string | null;
  /** As typed: read with the one quantity parser, so nothing typed is changed silently. */
  quantity: string;
  /** The unit the quantity is in ('' before an item is chosen). */
  unit: string;
  expires: string;
  expiresSet: boolean;
  donorKind: DonorKind;
  donorName: string;
  donorPhone: string;
  consent: boolean;
}

/** An empty donation form (anonymous donor). */
export const EMPTY_DONATION: DonationValues = {
  lines: [],
  itemId: null,
  quantity: '',
  unit: '',
  expires: '',
  expiresSet: false,
  donorKind: 'anonymous',
  donorName: '',
  donorPhone: '',
  consent: false,
};

/** The expiry a perishable item gets from its shelf life, as a datetime-local value; '' for the others. */
export function defaultExpiry(item: Pick<ItemDto, 'perishable' | 'shelfLifeHours'>, now = new Date()): string {
  if (!item.perishable || !item.shelfLifeHours) return '';
  return toLocalInput(new Date(now.getTime() + item.shelfLifeHours * 3_600_000));
}

/** The quantity as a whole number of units, NaN while it is empty or not a number. */
export function amountOf(quantity: number | string): number {
  return typeof quantity === 'number' ? quantity : Number.NaN;
}

/** How many base units the line comes to (24 for 2 crates of 12); undefined until it is a whole, positive quantity. */
export function baseTotal(item: ItemDto | undefined, quantity: number | string, unit: string): number | undefined {
  const amount = amountOf(quantity);
  return item && Number.isInteger(amount) && amount > 0 ? toBaseQuantity(item, amount, unit) : undefined;
}

/** What keeps the typed line from being one: no item, a quantity out of range, an expiry that is no date. */
export function lineProblems(
  item: ItemDto | undefined,
  amount: number,
  expires: string,
): Problems<'item' | 'quantity' | 'expires'> {
  const found: Problems<'item' | 'quantity' | 'expires'> = {};
  if (!item) found.item = 'intake.errors.item';
  if (!isWhole(amount, { max: MAX_QUANTITY })) found.quantity = 'intake.errors.quantity';
  if (item?.perishable && expires && !isTime(expires)) found.expires = 'intake.errors.expires';
  return found;
}

/** A donor's phone is checked only when a named donor has one. */
export function phoneProblem(donorKind: DonorKind, phone: string): Problems<'phone'> {
  return donorKind !== 'anonymous' && phone.trim() && !isPhoneNumber(phone.trim())
    ? { phone: 'intake.errors.phone' }
    : {};
}

export interface Donor {
  kind: DonorKind;
  name: string;
  phone: string;
  consent: boolean;
}

/**
 * The donation as the API takes it. A line's unit is sent only when it is a pack, its expiry only
 * when set by hand (the server applies the shelf life from the time of receipt); the phone only
 * with the donor's consent to be contacted; the receipt's language is the coordinator's.
 */
export function donationRequest({
  campaignId,
  locationId,
  receivedAt,
  lines,
  donor,
  locale,
}: {
  campaignId: string;
  locationId: string;
  receivedAt: Date;
  lines: DonationLine[];
  donor: Donor;
  locale: Locale | undefined;
}): CreateDonationRequest {
  const body: CreateDonationRequest = {
    campaignId,
    locationId,
    receivedAt: receivedAt.toISOString(),
    lines: lines.map((line) => ({
      itemId: line.item.id,
      quantity: line.quantity,
      ...(line.unit !== line.item.baseUnit && { unit: line.unit }),
      ...(line.item.perishable &&
        line.expiresSet &&
        line.expires && { expiresAt: new Date(line.expires).toISOString() }),
    })),
  };
  if (donor.kind !== 'anonymous') {
    const phone = donor.phone.trim();
    body.donor = {
      kind: donor.kind,
      ...(donor.name.trim() && { name: donor.name.trim() }),
      ...(phone && donor.consent && { phone, consentToContact: true }),
      ...(locale && { locale }),
    };
  } else if (locale) {
    body.donor = { kind: 'anonymous', locale };
  }
  return body;
}

/** Whether an item matches what was typed in any of its names, so that "молоко" and "milk" both find milk. */
export function matchesItem(names: object, label: string, typed: string): boolean {
  const needle = typed.trim().toLocaleLowerCase();
  if (!needle) return true;
  const all = (Object.values(names) as string[]).join(' ').toLocaleLowerCase();
  return all.includes(needle) || label.toLocaleLowerCase().includes(needle);
}
