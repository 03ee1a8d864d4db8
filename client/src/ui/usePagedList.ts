import { useCallback, useState } from 'react';
import type { Page } from '@karavan/shared';

/** Rows per page of the workbench lists. */
export const PAGE_SIZE = 100;

export interface PagedList {
  limit: number;
  offset: number;
  setOffset(offset: number): void;
  /** `limit` and `offset` as query parameters. */
  params(): Record<'limit' | 'offset', string>;
}

/**
 * Paging through a list whose filters are `filters`: the page is kept while the filters stay the
 * same and goes back to the first page when they change (the filters themselves are the page's own
 * state, so they are kept while paging).
 */
export function usePagedList(filters: unknown, pageSize = PAGE_SIZE): PagedList {
  const key = JSON.stringify(filters) ?? '';
  const [state, setState] = useState({ key, offset: 0 });
  const offset = state.key === key ? state.offset : 0;
  const setOffset = useCallback((next: number) => setState({ key, offset: Math.max(0, next) }), [key]);
  return {
    limit: pageSize,
    offset,
    setOffset,
    params: () => ({ limit: String(pageSize), offset: String(offset) }),
  };
}

/** One page of a list already loaded whole (e.g. the catalogue, which every screen keeps). */
export function slicePage<T>(
  all: Page<T> | undefined,
  paging: Pick<PagedList, 'limit' | 'offset'>,
): Page<T> | undefined {
  if (!all) return undefined;
  return {
    items: all.items.slice(paging.offset, paging.offset + paging.limit),
    total: all.items.length,
    limit: paging.limit,
    offset: paging.offset,
  };
}
