export { CataloguePage } from './components/CataloguePage';
