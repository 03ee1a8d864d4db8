import { lazy } from 'react';

export { LabelPage } from './components/LabelPage';
export { ScanLabelButton } from './components/ScanLabelButton';
export type { QrScannerProps, ScanVerdict } from './components/QrScanner';
/** The camera read for QR codes of any kind (the label scanner's); loads when it is shown. */
export const QrScanner = lazy(() => import('./components/QrScanner'));
export { LoadCheckButton } from './components/LoadCheck';
