export { type DonationDoc } from './donations.model';
export { presentDonation } from './donations.presenter';
export {
  createDonationsService,
  donationsFilter,
  donationDatesByItem,
  streamDonations,
  type DonationsService,
} from './donations.service';
export { donationsRoutes } from './donations.routes';
export { renderReceipt, RECEIPT_TEXT } from './receipt';
