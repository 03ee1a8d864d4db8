import { useEffect, useRef } from 'react';

/** After a failed submit, moves the focus to the first field marked invalid, if any. */
export function useFocusInvalid(error: unknown) {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (error !== undefined) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [error]);
  return form;
}
