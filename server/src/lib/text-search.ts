/** Escapes every regular-expression character, so user text is matched as plain text. */
export const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A case-insensitive "contains" match of plain user text (bounded by the request schema). */
export const containing = (text: string) => new RegExp(escapeRegex(text), 'i');

/** A case-insensitive whole-value match of plain user text. */
export const exactly = (text: string) => new RegExp(`^${escapeRegex(text)}$`, 'i');

/** True for 24 hex characters: an id that can name a document. */
export const isObjectIdHex = (id: string) => /^[0-9a-f]{24}$/i.test(id);

/**
 * Finds a campaign or place by its Russian name (a translated name's `ru`, or the plain string
 * older versions stored): what seeds use to tell whether it exists already.
 */
export function byRussianName(name: string | { ru: string }): { $or: Record<string, string>[] } {
  const ru = typeof name === 'string' ? name : name.ru;
  return { $or: [{ name: ru }, { 'name.ru': ru }] };
}
