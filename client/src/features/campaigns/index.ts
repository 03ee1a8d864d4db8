export { CampaignsPage } from './components/CampaignsPage';
