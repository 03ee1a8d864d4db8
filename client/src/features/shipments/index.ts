export { ShipmentsPage } from './components/ShipmentsPage';
export { PlanShipmentPage } from './components/PlanShipmentPage';
export { ShipmentPage } from './components/ShipmentPage';
export { EditShipmentPage } from './components/EditShipmentPage';
