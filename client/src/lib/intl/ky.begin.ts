import { beginLocaleData } from './ponyfills';

beginLocaleData();
