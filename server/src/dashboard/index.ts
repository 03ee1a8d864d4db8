export { createDashboardService, countDonation, type DashboardService } from './dashboard.service';
export { dashboardRoutes } from './dashboard.routes';
export { counterId, hourStart } from './dashboard.model';
export { boardDataScript, needsBoardHtml, needsPageHtml, withRootContent } from './needs-page';
