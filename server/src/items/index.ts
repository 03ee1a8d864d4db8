export { type ItemDoc, type ItemFields } from './items.model';
export { presentItem } from './items.presenter';
export { activeItems, createItemsService, getItem, findItems, itemNames, type ItemsService } from './items.service';
export { itemsRoutes } from './items.routes';
