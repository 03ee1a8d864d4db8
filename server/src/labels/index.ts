/** Crate labels: human codes with a check symbol, QR codes signed with the deployment's Ed25519 key. */
export {
  createLabelsService,
  cratesForDelivery,
  manifestHash,
  type CrateLabel,
  type LabelsService,
} from './labels.service';
export { createLabelKeyring, type LabelSigner } from './signing';
export { labelsRoutes } from './labels.routes';
