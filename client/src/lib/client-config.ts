import { useQuery } from '@tanstack/react-query';
import type { ClientConfigDto } from '@karavan/shared';
import { send } from './http';

/**
 * The deployment's settings for the browser (`GET /api/client-config`): the map's tile server,
 * whether the Telegram bot is there. Kept with the rest of the query cache, so a phone offline
 * still knows it.
 */
export function useClientConfig() {
  return useQuery({
    queryKey: ['client-config'],
    queryFn: () => send<ClientConfigDto>('GET', '/api/client-config'),
    staleTime: 10 * 60_000,
  });
}
