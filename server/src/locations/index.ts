export { Location, type LocationDoc, type LocationFields } from './locations.model';
export { presentLocation } from './locations.presenter';
export {
  createLocationsService,
  getLocation,
  findLocations,
  migrateLocations,
  type LocationsService,
} from './locations.service';
export { locationsRoutes } from './locations.routes';
