import { describe, expect, test } from '@jest/globals';
import { workbenchMessages } from './workbench';

const PLURAL = /_(zero|one|two|few|many|other)$/;

function flat(messages: object, prefix = ''): [string, string][] {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null
      ? flat(value as object, `${prefix}${key}.`)
      : [[`${prefix}${key.replace(PLURAL, '')}`, value as string]],
  );
}

describe('workbench translations', () => {
  const russian = new Map(flat(workbenchMessages.ru));
  test.each([['en'], ['ky'], ['kk']] as const)(
    'When the workbench screens are in %s, then every Russian message has a translation with the same placeholders',
    (language) => {
      const messages = new Map(flat(workbenchMessages[language]));
      expect([...russian.keys()].filter((key) => !messages.has(key))).toEqual([]);
      expect([...messages.keys()].filter((key) => !russian.has(key))).toEqual([]);
      const placeholders = (text: string) =>
        [...text.matchAll(/{{(\w+)}}/g)]
          .map((match) => match[1])
          .filter((name) => name !== 'count')
          .sort();
      for (const [key, text] of messages) {
        expect([key, placeholders(text)]).toEqual([key, placeholders(russian.get(key) ?? '')]);
        expect(text.trim().length).toBeGreaterThan(0);
      }
    },
  );
});
