import { forwardRef, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Select, type SelectProps } from '@mantine/core';

/**
 * A searchable Select made for the keyboard: type a few letters, Enter takes the first match
 * (Mantine's `selectFirstOptionOnChange`), also when the choices arrive after the typing: a
 * volunteer on a slow link types "Пункт…" while the list is still on its way, and Enter then
 * takes what they see marked, not nothing.
 *
 * And Enter takes it after a look at the list too: when the list opens, Mantine marks the option
 * of the current value from a timer, and that timer (run late on a busy phone, whose input comes
 * before its timers, or after a search's answer reopens the list) left no option chosen while the
 * first match still showed marked; Enter then did nothing. Marking the first option on opening,
 * at once, has no timer.
 */
export const QuickSelect = forwardRef<HTMLInputElement, Omit<SelectProps, 'selectFirstOptionOnChange'>>(
  function QuickSelect(props, ref) {
    const count = props.data?.length ?? 0;
    const previous = useRef(count);
    // Off for one render when the list grows, then on again: Mantine's effect runs on that change
    // and marks the first option that matches what was typed.
    const [rearming, setRearming] = useState(false);
    useLayoutEffect(() => {
      if (count > previous.current) setRearming(true);
      previous.current = count;
    }, [count]);
    useEffect(() => {
      if (rearming) setRearming(false);
    }, [rearming]);
    return (
      <Select ref={ref} searchable selectFirstOptionOnDropdownOpen {...props} selectFirstOptionOnChange={!rearming} />
    );
  },
);
