// Every message in one language: the app's main file, the workbench screens' files (merged into
// the one `translation` namespace) and the dashboard's and needs page's namespaces.
import main from './ky.json';
import ui from '../ui/i18n/ky.json';
import pager from '../ui/i18n/pager.ky.json';
import shipments from '../features/shipments/i18n/ky.json';
import stock from '../features/stock/i18n/ky.json';
import users from '../features/users/i18n/ky.json';
import catalogue from '../features/catalogue/i18n/ky.json';
import volunteers from '../features/volunteers/i18n/ky.json';
import campaigns from '../features/campaigns/i18n/ky.json';
import dashboard from '../features/dashboard/i18n/ky.json';
import needs from '../features/needs/i18n/ky.json';
import labels from '../features/labels/i18n/ky.json';
import relay from '../features/relay/i18n/ky.json';
import handovers from '../features/handovers/i18n/ky.json';
import pod from '../features/driver/i18n/ky.json';

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
