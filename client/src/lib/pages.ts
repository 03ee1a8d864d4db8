import type { Page } from '@karavan/shared';
import { request } from './api';

/** The most a list route gives in one page. */
export const MAX_PAGE = 200;

/**
 * Every row of a list route, page after page (for lookups such as names by id, which must not stop
 * at the first 200). `path` has its filters and no `limit`/`offset`; the answer is one page with
 * all the rows.
 */
export async function fetchAllPages<T>(path: string, maxRows = 20_000): Promise<Page<T>> {
  const items: T[] = [];
  const join = path.includes('?') ? '&' : '?';
  for (let offset = 0; offset < maxRows; offset += MAX_PAGE) {
    const page = await request<Page<T>>('GET', `${path}${join}limit=${MAX_PAGE}&offset=${offset}`);
    items.push(...page.items);
    if (page.items.length < MAX_PAGE || items.length >= page.total) break;
  }
  return { items, total: items.length, limit: items.length, offset: 0 };
}
