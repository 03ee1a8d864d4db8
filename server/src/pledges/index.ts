export { createPledgesService, openPledgedByItem, lapseOf, type PledgesService } from './pledges.service';
export { pledgesRoutes } from './pledges.routes';
