import { endLocaleData } from './ponyfills';

endLocaleData();
