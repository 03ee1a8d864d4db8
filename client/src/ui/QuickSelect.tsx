import { forwardRef, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Select, type SelectProps } from '@mantine/core';

/**
 * A searchable Select made for the keyboard: type a few letters, Enter takes the first match
 * (Mantine's `selectFirstOptionOnChange`), also when the choices arrive after the typing: a
 * volunteer on a slow link types "Пункт…" while the list is still on its way, and Enter then
 * takes what they see marked, not nothing.
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
    return <Select ref={ref} searchable {...props} selectFirstOptionOnChange={!rearming} />;
  },
);
