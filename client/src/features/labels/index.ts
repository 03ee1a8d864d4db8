import { lazy } from 'react';
export { LabelPage } from './components/LabelPage';
export { ScanLabelButton } from './components/ScanLabelButton';
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
