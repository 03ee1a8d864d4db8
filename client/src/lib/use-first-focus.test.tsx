/** @jest-environment jsdom */
import { afterEach, expect, test } from '@jest/globals';
import { act, cleanup, render, screen } from '@testing-library/react';
import { useRef, useState } from 'react';
import { useFirstFocus } from './use-first-focus';

afterEach(cleanup);

/** The intake page: the point field first, the form with the item field a moment later. */
function Page() {
  const [formShown, setFormShown] = useState(false);
  return (
    <>
      <a href="#intake">Приём пожертвований</a>
      <input aria-label="Пункт приёма" />
      <button type="button" onClick={() => setFormShown(true)}>
        show form
      </button>
      {formShown && <Form />}
    </>
  );
}

function Form() {
  const item = useRef<HTMLInputElement>(null);
  useFirstFocus(item, (field) => field.focus());
  return <input aria-label="Товар" ref={item} />;
}

/** Mounts the form and lets the next frame run (jsdom runs animation frames on a ~16 ms timer). */
async function showForm() {
  act(() => screen.getByRole('button', { name: 'show form' }).click());
  await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
}

test('When the form shows and nothing is being typed, then the item field has the focus', async () => {
  render(<Page />);
  // The menu entry that led here keeps the focus after the tap: it is not a field one types in.
  screen.getByRole('link').focus();
  await showForm();
  expect(document.activeElement).toBe(screen.getByLabelText('Товар'));
});

test('When the coordinator is already typing the point when the form shows, then the focus stays there', async () => {
  render(<Page />);
  const point = screen.getByLabelText('Пункт приёма') as HTMLInputElement;
  point.focus();
  await showForm();
  expect(document.activeElement).toBe(point);
});
