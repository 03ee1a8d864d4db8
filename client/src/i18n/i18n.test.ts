import { describe, expect, test } from '@jest/globals';
import en from './en.json';
import kk from './kk.json';
import ky from './ky.json';
import ru from './ru.json';

const PLURAL = /_(zero|one|two|few|many|other)$/;

/** Every message key, with plural forms folded into their base key. */
function keys(messages: object, prefix = ''): Set<string> {
  const found = new Set<string>();
  for (const [key, value] of Object.entries(messages)) {
    if (typeof value === 'object' && value !== null) keys(value, `${prefix}${key}.`).forEach((k) => found.add(k));
    else found.add(prefix + key.replace(PLURAL, ''));
  }
  return found;
}

function values(messages: object): string[] {
  return Object.values(messages).flatMap((value) => (typeof value === 'object' ? values(value as object) : [value]));
}

describe('translations', () => {
  const reference = keys(ru);
  test.each([
    ['en', en],
    ['ky', ky],
    ['kk', kk],
  ])('When the interface is in %s, then every Russian message has a translation and nothing else', (_, messages) => {
    const translated = keys(messages);
    expect([...reference].filter((key) => !translated.has(key))).toEqual([]);
    expect([...translated].filter((key) => !reference.has(key))).toEqual([]);
  });

  test.each([
    ['en', en],
    ['ky', ky],
    ['kk', kk],
  ])('When a message in %s has placeholders, then they are those of the Russian one', (_, messages) => {
    const placeholders = (text: string) => [...text.matchAll(/{{(\w+)}}/g)].map((match) => match[1]).sort();
    const flat = (messages: object, prefix = ''): [string, string][] =>
      Object.entries(messages).flatMap(([key, value]) =>
        typeof value === 'object'
          ? flat(value as object, `${prefix}${key}.`)
          : [[`${prefix}${key.replace(PLURAL, '')}`, value as string]],
      );
    const russian = new Map(flat(ru));
    for (const [key, text] of flat(messages)) {
      const expected = placeholders(russian.get(key) ?? '').filter((name) => name !== 'count');
      expect([key, placeholders(text).filter((name) => name !== 'count')]).toEqual([key, expected]);
    }
    expect(values(messages).every((text) => text.trim().length > 0)).toBe(true);
  });
});
