export { LabelPage } from './components/LabelPage';
export { ScanLabelButton } from './components/ScanLabelButton';
