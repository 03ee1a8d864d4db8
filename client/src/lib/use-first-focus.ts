import { useEffect, type RefObject } from 'react';

/** Fields one types in (a checkbox or a button keeps the focus after a tap, but nobody types there). */
const TYPING =
  'input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]), textarea, select, [contenteditable=""], [contenteditable="true"]';

/**
 * Puts the focus in `field` once it is on the screen (the frame after it mounts), unless the
 * person is already in another field: a coordinator who opens intake and at once starts typing the
 * point's name keeps typing there. The form below mounts a moment later (after the first paint,
 * later still on a slow phone); taking the focus then would close the point's list and throw away
 * what was typed. `focus` is how the field is focused (e.g. without opening its list).
 */
export function useFirstFocus(field: RefObject<HTMLElement | null>, focus: (element: HTMLElement) => void) {
  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      const active = document.activeElement;
      // In another field. A link that keeps the focus after a tap (the menu entry that led
      // here) does not count.
      if (active && active !== field.current && active.matches(TYPING)) return;
      if (field.current) focus(field.current);
    });
    return () => cancelAnimationFrame(frame);
    // Once, when the field first shows.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
}
