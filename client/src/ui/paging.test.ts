import { describe, expect, test } from '@jest/globals';
import { slicePage } from './usePagedList';

describe('slicePage', () => {
  const all = { items: Array.from({ length: 230 }, (_, n) => n + 1), total: 230, limit: 230, offset: 0 };

  test('When the third page of 230 rows is asked, then rows 201 to 230 come with the whole total', () => {
    expect(slicePage(all, { limit: 100, offset: 200 })).toEqual({
      items: all.items.slice(200),
      total: 230,
      limit: 100,
      offset: 200,
    });
  });

  test('When nothing is loaded yet, then there is no page', () => {
    expect(slicePage(undefined, { limit: 100, offset: 0 })).toBeUndefined();
  });
});
