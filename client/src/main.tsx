import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { createAsyncStoragePersister } from '@tanstack/query-async-storage-persister';
import { QueryClientProvider } from '@tanstack/react-query';
import {
  persistQueryClientRestore,
  persistQueryClientSubscribe,
  type PersistQueryClientOptions,
} from '@tanstack/react-query-persist-client';
import { BrowserRouter } from 'react-router';
import './ui/mantine-styles';
import { languageReady } from './i18n';
import './styles.css';
import './ui/karavan.css';
import { App } from './App';
import { idbKeyValue } from './lib/outbox/store';
import { createQueryClient } from './lib/query';
import { followProfileLanguage } from './lib/language';
import { restoreSession } from './lib/session';
import { theme } from './lib/theme';

followProfileLanguage();
restoreSession();

const queryClient = createQueryClient();
// The cache is saved on the device, so that the driver's and intake screens open with their
// data when the network is down. Only lists the offline screens need are kept, for a day.
const PERSISTED = new Set(['shipments', 'shipment', 'items', 'locations', 'campaigns', 'donations']);
const persister = createAsyncStoragePersister({ storage: idbKeyValue(), key: 'karavan.queries', throttleTime: 2_000 });
const persistOptions: PersistQueryClientOptions = {
  // The persister's package types the client with its own copy of query-core (the same class).
  queryClient: queryClient as unknown as PersistQueryClientOptions['queryClient'],
  persister,
  maxAge: 24 * 60 * 60_000,
  buster: 'v1',
  dehydrateOptions: {
    shouldDehydrateQuery: (query) => query.state.status === 'success' && PERSISTED.has(String(query.queryKey[0])),
  },
};
// The saved cache is read before the first render (in a task of its own, while the session is
// renewed), so that the screens render once with it rather than twice: a second render of the
// whole page when it arrives was the longest task on a phone. A storage that does not answer
// soon does not hold the app back (what it restores later fills in what is older).
const RESTORE_WAIT_MS = 1_500;
const restored = Promise.race([
  persistQueryClientRestore(persistOptions).catch(() => undefined),
  new Promise((resolve) => setTimeout(resolve, RESTORE_WAIT_MS)),
]).then(() => persistQueryClientSubscribe(persistOptions));

// The first render is a transition: React renders it in slices of a few milliseconds and lets the
// phone's browser paint and take taps in between, instead of one long task (which Lighthouse
// counts as blocking time on a mid-range phone). The loading screen stays until it is done.
// It waits for the messages of the browser's language when that is not Russian (a file of its own).
const root = createRoot(document.getElementById('root')!);
void Promise.allSettled([languageReady, restored]).then(() =>
  startTransition(() =>
    root.render(
      <StrictMode>
        <MantineProvider theme={theme} defaultColorScheme="light">
          <QueryClientProvider client={queryClient}>
            <BrowserRouter>
              <App />
            </BrowserRouter>
          </QueryClientProvider>
        </MantineProvider>
      </StrictMode>,
    ),
  ),
);
