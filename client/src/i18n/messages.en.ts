// Every message in one language: the app's main file, the workbench screens' files (merged into
// the one `translation` namespace) and the dashboard's and needs page's namespaces.
import main from './en.json';
import ui from '../ui/i18n/en.json';
import pager from '../ui/i18n/pager.en.json';
import shipments from '../features/shipments/i18n/en.json';
import stock from '../features/stock/i18n/en.json';
import users from '../features/users/i18n/en.json';
import catalogue from '../features/catalogue/i18n/en.json';
import volunteers from '../features/volunteers/i18n/en.json';
import campaigns from '../features/campaigns/i18n/en.json';
import dashboard from '../features/dashboard/i18n/en.json';
import needs from '../features/needs/i18n/en.json';
import labels from '../features/labels/i18n/en.json';
import relay from '../features/relay/i18n/en.json';
import handovers from '../features/handovers/i18n/en.json';
import pod from '../features/driver/i18n/en.json';

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
