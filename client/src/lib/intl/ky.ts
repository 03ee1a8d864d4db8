// Evaluated in this order (ES module semantics): the ponyfills become the global Intl classes,
// the locale data files register on them, then the browser's own classes are put back.
import './ky.begin'; // one per language: a module runs once
import '@formatjs/intl-numberformat/locale-data/ky.js';
import '@formatjs/intl-datetimeformat/locale-data/ky.js';
import '@formatjs/intl-relativetimeformat/locale-data/ky.js';
import '@formatjs/intl-pluralrules/locale-data/ky.js';
import '@formatjs/intl-pluralrules/locale-data/ru.js';
import '@formatjs/intl-pluralrules/locale-data/en.js';
import './ky.end';

export { ponyfills, withPonyfills } from './ponyfills';
