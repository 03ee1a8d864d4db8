import { lazy, useState, type ComponentType } from 'react';

const RELOADED = 'karavan.chunkReload';

/**
 * A page loaded on first use, so that a phone on a slow link downloads only the screens it
 * opens. After a new release the old chunk may be gone: the page is reloaded once to get the new
 * one rather than showing an error.
 *
 * `preload()` fetches it ahead (the page a device opens on, while its session is renewed): a page
 * already loaded when it is first shown renders at once, in the render that shows it, instead of
 * suspending and being built again in a render of its own.
 */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>) {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  const fetchPage = () =>
    (loading ??= load().then(
      (component) => {
        loaded = component;
        return component;
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    ));
  const Lazy = lazy(async () => {
    try {
      const component = await fetchPage();
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
  // Chosen once per mount: switching from the lazy one to the loaded one would mount it again.
  function Page(props: P) {
    const [Component] = useState<ComponentType<P>>(() => loaded ?? Lazy);
    return <Component {...props} />;
  }
  Page.preload = () => void fetchPage().catch(() => undefined);
  return Page;
}
