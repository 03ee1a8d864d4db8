export { DriverShipmentPage } from './components/DriverShipmentPage';
export { DriverShipmentsPage } from './components/DriverShipmentsPage';
export { ProofPanel } from './components/ProofPanel';
