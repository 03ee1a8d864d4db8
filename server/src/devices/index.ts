/**
 * Devices: the phones' device keys of the chain of custody (registration, listing, revocation),
 * and the signature check the shipments' status updates and `npm run verify-custody` use.
 */
export {
  createDevicesService,
  deviceForSigning,
  findDevices,
  presentDevice,
  type DevicesService,
} from './devices.service';
export { devicesRoutes } from './devices.routes';
export { verifySignature, publicKeyObject, normalisedKey } from './signatures';
