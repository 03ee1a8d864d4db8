import type { PledgeDto } from '@karavan/shared';
import type { Types } from 'mongoose';
import type { PledgeFields } from './pledges.model';

export type PledgeLike = PledgeFields & { _id: Types.ObjectId; createdAt: Date };

/** A pledge for coordinators; the donor's contact only where `withContact` (a point's own list). */
export function presentPledge(doc: PledgeLike, now: Date, withContact: boolean): PledgeDto {
  const remaining = Math.max(0, doc.quantity - doc.fulfilled);
  return {
    id: doc._id.toHexString(),
    campaignId: doc.campaignId,
    itemId: doc.itemId,
    locationId: doc.locationId,
    day: doc.day,
    quantity: doc.quantity,
    fulfilled: doc.fulfilled,
    remaining,
    status: remaining === 0 ? 'fulfilled' : doc.lapsesAt <= now ? 'lapsed' : 'open',
    lapsesAt: doc.lapsesAt.toISOString(),
    contact: withContact && doc.contact ? { name: doc.contact.name ?? null, phone: doc.contact.phone ?? null } : null,
    donationIds: [...doc.donationIds],
    createdAt: doc.createdAt.toISOString(),
  };
}
