import { lazy, type ComponentType } from 'react';

const RELOADED = 'karavan.chunkReload';

/**
 * A page loaded on first use, so that a phone on a slow link downloads only the screens it
 * opens. After a new release the old chunk may be gone: the page is reloaded once to get the new
 * one rather than showing an error.
 */
export function lazyPage<T extends ComponentType<object>>(load: () => Promise<T>) {
  return lazy(async () => {
    try {
      const component = await load();
      sessionStorage.removeItem(RELOADED);
      return { default: component };
    } catch (error) {
      if (navigator.onLine && !sessionStorage.getItem(RELOADED)) {
        sessionStorage.setItem(RELOADED, '1');
        window.location.reload();
      }
      throw error;
    }
  });
}
