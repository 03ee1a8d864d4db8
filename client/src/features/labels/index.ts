export { LabelPage } from './components/LabelPage';
export { ScanLabelButton } from './components/ScanLabelButton';
export { LoadCheckButton } from './components/LoadCheck';
