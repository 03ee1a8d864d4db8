// The workbench screens' messages (stock, shipments, users, shared pieces), each feature in its
// own files, merged into the one `translation` namespace. Each top-level key belongs to one feature.
import uiEn from '../ui/i18n/en.json';
import uiKk from '../ui/i18n/kk.json';
import uiKy from '../ui/i18n/ky.json';
import uiRu from '../ui/i18n/ru.json';
import pagerEn from '../ui/i18n/pager.en.json';
import pagerKk from '../ui/i18n/pager.kk.json';
import pagerKy from '../ui/i18n/pager.ky.json';
import pagerRu from '../ui/i18n/pager.ru.json';
import shipmentsEn from '../features/shipments/i18n/en.json';
import shipmentsKk from '../features/shipments/i18n/kk.json';
import shipmentsKy from '../features/shipments/i18n/ky.json';
import shipmentsRu from '../features/shipments/i18n/ru.json';
import stockEn from '../features/stock/i18n/en.json';
import stockKk from '../features/stock/i18n/kk.json';
import stockKy from '../features/stock/i18n/ky.json';
import stockRu from '../features/stock/i18n/ru.json';
import usersEn from '../features/users/i18n/en.json';
import usersKk from '../features/users/i18n/kk.json';
import usersKy from '../features/users/i18n/ky.json';
import usersRu from '../features/users/i18n/ru.json';
import catalogueEn from '../features/catalogue/i18n/en.json';
import catalogueKk from '../features/catalogue/i18n/kk.json';
import catalogueKy from '../features/catalogue/i18n/ky.json';
import catalogueRu from '../features/catalogue/i18n/ru.json';
import volunteersEn from '../features/volunteers/i18n/en.json';
import volunteersKk from '../features/volunteers/i18n/kk.json';
import volunteersKy from '../features/volunteers/i18n/ky.json';
import volunteersRu from '../features/volunteers/i18n/ru.json';
import campaignsEn from '../features/campaigns/i18n/en.json';
import campaignsKk from '../features/campaigns/i18n/kk.json';
import campaignsKy from '../features/campaigns/i18n/ky.json';
import campaignsRu from '../features/campaigns/i18n/ru.json';

export const workbenchMessages = {
  ru: { ...uiRu, ...pagerRu, ...shipmentsRu, ...stockRu, ...usersRu, ...volunteersRu, ...catalogueRu, ...campaignsRu },
  en: { ...uiEn, ...pagerEn, ...shipmentsEn, ...stockEn, ...usersEn, ...volunteersEn, ...catalogueEn, ...campaignsEn },
  ky: { ...uiKy, ...pagerKy, ...shipmentsKy, ...stockKy, ...usersKy, ...volunteersKy, ...catalogueKy, ...campaignsKy },
  kk: { ...uiKk, ...pagerKk, ...shipmentsKk, ...stockKk, ...usersKk, ...volunteersKk, ...catalogueKk, ...campaignsKk },
};

export type WorkbenchMessages = typeof workbenchMessages.ru;
