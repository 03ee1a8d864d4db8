// Every message in Russian (the default, bundled with the app; the other languages are loaded
// when chosen): the app's main file, the workbench screens' files (merged into the one
// `translation` namespace) and the dashboard's and needs page's namespaces.
import main from './ru.json';
import ui from '../ui/i18n/ru.json';
import pager from '../ui/i18n/pager.ru.json';
import shipments from '../features/shipments/i18n/ru.json';
import stock from '../features/stock/i18n/ru.json';
import users from '../features/users/i18n/ru.json';
import catalogue from '../features/catalogue/i18n/ru.json';
import volunteers from '../features/volunteers/i18n/ru.json';
import campaigns from '../features/campaigns/i18n/ru.json';
import dashboard from '../features/dashboard/i18n/ru.json';
import needs from '../features/needs/i18n/ru.json';
import labels from '../features/labels/i18n/ru.json';
import relay from '../features/relay/i18n/ru.json';
import handovers from '../features/handovers/i18n/ru.json';
import pod from '../features/driver/i18n/ru.json';

/** The workbench screens' messages; each top-level key belongs to one feature. */
export const workbench = {
  ...ui,
  ...pager,
  ...shipments,
  ...stock,
  ...users,
  ...volunteers,
  ...catalogue,
  ...campaigns,
  ...labels,
  ...relay,
  ...handovers,
  ...pod,
};

export default { translation: { ...main, ...workbench }, dashboard, needs };
