import { lazy } from 'react';
export { LabelPage } from './components/LabelPage';
export { ScanLabelButton } from './components/ScanLabelButton';
export { checkLabel, refreshKey } from './keys';
/** The camera reading crate after crate (lazy: the QR reader loads when it opens). */
export const CrateScanner = lazy(() => import('./components/CrateScanner'));
