import { QueryClient } from '@tanstack/react-query';
import { ApiRequestError } from './http';

/** One cache of server data for the whole client; live events keep it current (lib/realtime). */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        gcTime: 24 * 60 * 60_000,
        // Offline, keep showing what was loaded; the browser's online event fetches again.
        networkMode: 'offlineFirst',
        retry: (failures, error) =>
          failures < 3 && !(error instanceof ApiRequestError && !error.transient && error.status !== 0),
      },
      mutations: { networkMode: 'always' },
    },
  });
}
