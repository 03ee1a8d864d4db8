export {
  createPledgesService,
  openPledgedByItem,
  lapseOf,
  releaseFulfilmentsOf,
  type PledgesService,
} from './pledges.service';
export { pledgesRoutes } from './pledges.routes';
