import {
  toLocalized,
  toLocalizedOrNull,
  type CampaignDto,
  type CampaignStatus,
  type LocalizedInput,
} from '@karavan/shared';
import type { Types } from 'mongoose';
import type { CampaignFields } from './campaigns.model';
import { defaultTimeZone } from './time-zone';

type CampaignLike = CampaignFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export function presentCampaign(campaign: CampaignLike): CampaignDto {
  return {
    id: campaign._id.toHexString(),
    // Plain strings (older versions) read as the same name in every language.
    name: toLocalized(campaign.name as LocalizedInput),
    description: toLocalizedOrNull(campaign.description as LocalizedInput | null),
    startsAt: campaign.startsAt ? campaign.startsAt.toISOString() : null,
    endsAt: campaign.endsAt ? campaign.endsAt.toISOString() : null,
    status: campaign.status as CampaignStatus,
    public: campaign.public,
    targets: (campaign.targets ?? []).map((t) => ({ itemId: t.itemId.toHexString(), quantity: t.quantity })),
    timeZone: campaign.timeZone ?? defaultTimeZone(),
    locationIds: (campaign.locationIds ?? []).map((id) => id.toHexString()),
    enoughItemIds: (campaign.enoughItemIds ?? []).map((id) => id.toHexString()),
    pledgesOverNeed: campaign.pledgesOverNeed ?? false,
    createdAt: campaign.createdAt.toISOString(),
    updatedAt: campaign.updatedAt.toISOString(),
  };
}
