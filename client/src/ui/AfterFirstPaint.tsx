import { startTransition, useEffect, useState, type ReactNode } from 'react';

const NO_FRAME_MS = 500;

/**
 * Shows its children once the rest of the screen has been painted, rendered as a transition (in
 * slices the phone can interrupt): the parts of a page below its form or first list, so that the
 * page appears, and takes taps, before they are built. They render as they would have, a moment
 * later, and load their data from then on.
 */
export function AfterFirstPaint({ children, fallback = null }: { children: ReactNode; fallback?: ReactNode }) {
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // After the next frame (the screen above is on it), in a task of its own; a tab in the
    // background draws no frames: there, after a moment.
    const show = () => {
      clearTimeout(timer);
      timer = setTimeout(() => startTransition(() => setPainted(true)), 0);
    };
    const frame = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(show) : undefined;
    timer = setTimeout(show, NO_FRAME_MS);
    return () => {
      if (frame !== undefined) cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, []);
  return painted ? children : fallback;
}
