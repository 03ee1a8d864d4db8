import type { CampaignDto, CampaignStatus } from '@karavan/shared';
import type { Types } from 'mongoose';
import type { CampaignFields } from './campaigns.model';

type CampaignLike = CampaignFields & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export function presentCampaign(campaign: CampaignLike): CampaignDto {
  return {
    id: campaign._id.toHexString(),
    name: campaign.name,
    description: campaign.description ?? null,
    startsAt: campaign.startsAt ? campaign.startsAt.toISOString() : null,
    endsAt: campaign.endsAt ? campaign.endsAt.toISOString() : null,
    status: campaign.status as CampaignStatus,
    public: campaign.public,
    targets: (campaign.targets ?? []).map((t) => ({ itemId: t.itemId.toHexString(), quantity: t.quantity })),
    createdAt: campaign.createdAt.toISOString(),
    updatedAt: campaign.updatedAt.toISOString(),
  };
}
