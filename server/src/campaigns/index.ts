export { type CampaignDoc, type CampaignFields } from './campaigns.model';
export { presentCampaign } from './campaigns.presenter';
export {
  createCampaignsService,
  activeCampaigns,
  campaignNames,
  closedCampaignIds,
  getCampaign,
  localizedSearch,
  migrateCampaignNames,
  publicActiveCampaignIds,
  type CampaignsService,
} from './campaigns.service';
export { defaultTimeZone, setDefaultTimeZone } from './time-zone';
export { campaignsRoutes } from './campaigns.routes';
