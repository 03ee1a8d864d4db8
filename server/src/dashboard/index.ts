export { createDashboardService, countDonation, type DashboardService } from './dashboard.service';
export { dashboardRoutes } from './dashboard.routes';
export { DonationCounter } from './dashboard.model';
export { needsPageHtml } from './needs-page';
