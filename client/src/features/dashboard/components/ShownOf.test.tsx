/** @jest-environment jsdom */
import { afterEach, beforeAll, expect, test } from '@jest/globals';
import { act, cleanup, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { setLanguage } from '../../../i18n';
import { ShownOf } from './ShownOf';
import { stubMatchMedia } from '../../../ui/jsdom-stubs';

beforeAll(stubMatchMedia);
afterEach(cleanup);

const show = (shown: number, total: number) =>
  render(
    <MantineProvider>
      <ShownOf shown={shown} total={total} />
    </MantineProvider>,
  );

test('When the board holds only the first lots of a big drive, then it says how many of how many, in the viewer language', async () => {
  await act(() => setLanguage('ru'));
  show(200, 930);
  expect(screen.getByTestId('stock-shown-of').textContent).toBe(
    'Показаны первые 200 из 930: сначала с ближайшим сроком годности',
  );
  cleanup();
  await act(() => setLanguage('en'));
  show(200, 930);
  expect(screen.getByTestId('stock-shown-of').textContent).toBe('Showing the first 200 of 930: soonest expiry first');
});

test('When every lot is on the board, then nothing is said', () => {
  show(12, 12);
  expect(screen.queryByTestId('stock-shown-of')).toBeNull();
});
