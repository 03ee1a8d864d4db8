export { type LocationDoc, type LocationFields } from './locations.model';
export { presentLocation } from './locations.presenter';
export {
  activeCollectionPoints,
  collectionPointsByContactPhone,
  createLocationsService,
  getLocation,
  findLocations,
  locationNames,
  migrateLocations,
  type LocationsService,
} from './locations.service';
export { locationsRoutes } from './locations.routes';
