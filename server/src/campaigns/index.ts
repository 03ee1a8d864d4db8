export { type CampaignDoc, type CampaignFields } from './campaigns.model';
export { presentCampaign } from './campaigns.presenter';
export { createCampaignsService, campaignNames, getCampaign, type CampaignsService } from './campaigns.service';
export { campaignsRoutes } from './campaigns.routes';
