import { useMutation, useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';

/**
 * What a write to each kind of record makes stale: one rule per entity, used by every write of
 * the client (forms, row actions, the outbox), instead of each screen naming query keys. A key
 * covers every query that starts with it (`['stock']` also covers `['stock', 'list', ...]`).
 */
export const INVALIDATES = {
  items: [['items'], ['item']],
  locations: [['locations']],
  campaigns: [['campaigns'], ['campaign-progress'], ['public-campaign']],
  users: [['users'], ['driver-choices']],
  volunteers: [['volunteers']],
  // A stock change moves the lots, their movements and the campaign's progress.
  stock: [['stock'], ['movements'], ['campaign-progress'], ['public-campaign']],
  donations: [['donations'], ['stock'], ['movements'], ['campaign-progress'], ['public-campaign']],
  shipments: [['shipments'], ['shipment'], ['stock'], ['movements'], ['campaign-progress']],
  // A pledge changes what the board says is pledged and the organisers' pledged vs fulfilled.
  pledges: [['pledges'], ['pledge-totals'], ['public-campaign']],
} satisfies Record<string, QueryKey[]>;

export type Entity = keyof typeof INVALIDATES;

/** Marks stale (and refetches what is shown) every query a write to `entity` concerns. */
export async function invalidateEntity(queryClient: QueryClient, entity: Entity): Promise<void> {
  await Promise.all(INVALIDATES[entity].map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}

/**
 * A write through TanStack Query's `useMutation`: `mutateAsync(input)` sends it; once it
 * succeeded, the entity's queries are refreshed (see INVALIDATES) before it resolves.
 */
export function useWrite<I, R>(entity: Entity, write: (input: I) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: write, onSuccess: () => invalidateEntity(queryClient, entity) });
}
