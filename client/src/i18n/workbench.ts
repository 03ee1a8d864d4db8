// The workbench screens' messages in every language (each feature in its own files, merged into
// the one `translation` namespace; see messages.<language>.ts). For the checks and the message types: the app
// loads one language at a time (i18n/index.ts).
import { workbench as en } from './messages.en';
import { workbench as kk } from './messages.kk';
import { workbench as ky } from './messages.ky';
import { workbench as ru } from './messages.ru';

export const workbenchMessages = { ru, en, ky, kk };

export type WorkbenchMessages = typeof ru;
