import { lazy } from 'react';

export { LabelPage } from './components/LabelPage';
export { ScanLabelButton } from './components/ScanLabelButton';
export type { QrScannerProps, ScanVerdict } from './components/QrScanner';
/** The camera read for QR codes of any kind (the label scanner's); loads when it is shown. */
export const QrScanner = lazy(() => import('./components/QrScanner'));
export { LoadCheckButton } from './components/LoadCheck';
export { checkLabel, refreshKey } from './keys';
/** The camera reading crate after crate (lazy: the QR reader loads when it opens, or when preloaded). */
export const CrateScanner = lazy(() => import('./components/CrateScanner'));
/**
 * Loads the crate scanner and the QR reader now (while online), so that they open with no network
 * later; resolves either way.
 */
export const preloadCrateScanner = (): Promise<void> =>
  Promise.all([import('./components/CrateScanner'), import('./components/zxing-decoder')]).then(
    () => undefined,
    () => undefined,
  );
