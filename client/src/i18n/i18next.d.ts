import type ru from './ru.json';
import type dashboard from '../features/dashboard/i18n/ru.json';
import type needs from '../features/needs/i18n/ru.json';
import type { WorkbenchMessages } from './workbench';

// Russian is the reference: every key used in code must exist in ru.json (en.json is checked against it).
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof ru & WorkbenchMessages; dashboard: typeof dashboard; needs: typeof needs };
  }
}
