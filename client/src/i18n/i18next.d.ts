import type ru from './ru.json';
import type { WorkbenchMessages } from './workbench';

// Russian is the reference: every key used in code must exist in ru.json (en.json is checked against it).
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof ru & WorkbenchMessages };
  }
}
