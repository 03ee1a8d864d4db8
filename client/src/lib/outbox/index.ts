import { useEffect, useState, useSyncExternalStore } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { getAccessToken, refreshSession } from '../session';
import { uuid } from '../uuid';
import { invalidateEntity, type Entity } from '../writes';
import { Outbox, type Answer, type OutboxEntry, type OutboxSnapshot } from './outbox';
import { idbOutboxStore } from './store';

export type { OutboxEntry, OutboxSnapshot, NewEntry, OutboxMeta } from './outbox';

const TIMEOUT_MS = 30_000;

async function transport(entry: OutboxEntry, token: string | null): Promise<Answer> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Content-Type': 'application/json',
    'Idempotency-Key': entry.id,
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(entry.path, {
      method: entry.method,
      headers,
      body: entry.body === undefined ? undefined : JSON.stringify(entry.body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw Object.assign(new Error('NETWORK'), { transient: true });
  }
  const body: unknown = await response.json().catch(() => undefined);
  // An answer cut off on the way (the link dropped mid-body) is no answer: send it again under
  // the same Idempotency-Key, which returns the first answer and changes nothing.
  if (response.ok && response.status !== 204 && body === undefined) {
    throw Object.assign(new Error('NETWORK'), { transient: true });
  }
  // A proxy that could not reach Karavan answers 502-504 without our error body: not an answer.
  if (response.status >= 502 && response.status <= 504 && !(body as { code?: unknown })?.code) {
    throw Object.assign(new Error('NETWORK'), { transient: true });
  }
  return { status: response.status, body };
}

let currentUserId: string | null = null;
const sentListeners = new Set<(entry: OutboxEntry, body: unknown) => void>();

export const outbox = new Outbox({
  store: idbOutboxStore(),
  transport,
  userId: () => currentUserId,
  token: getAccessToken,
  refresh: refreshSession,
  online: () => navigator.onLine,
  now: Date.now,
  newId: uuid,
  schedule: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  onSent: (entry, body) => sentListeners.forEach((listener) => listener(entry, body)),
  lock: navigator.locks
    ? async (fn) => {
        await navigator.locks.request('karavan.outbox', fn);
      }
    : undefined,
});

/** Calls `listener` with the id of each entry the server accepted; returns the unsubscribe. */
export function onOutboxSent(listener: (id: string) => void): () => void {
  const wrapped = (entry: OutboxEntry) => listener(entry.id);
  sentListeners.add(wrapped);
  return () => sentListeners.delete(wrapped);
}

/**
 * The ids of the entries the server accepted since the calling component mounted: an answer the
 * screen says is "sent" must have been, not merely have left the outbox (a refused one the user
 * discarded leaves it too).
 */
export function useSentIds(): ReadonlySet<string> {
  const [sent, setSent] = useState<ReadonlySet<string>>(() => new Set());
  useEffect(() => onOutboxSent((id) => setSent((current) => new Set(current).add(id))), []);
  return sent;
}

/** The entity each kind of queued write changes: its one invalidation rule (lib/writes) applies once it is sent. */
const ENTITY_OF: Partial<Record<string, Entity>> = {
  donation: 'donations',
  donationVoid: 'donations',
  shipmentDocument: 'shipments',
  shipmentPrivacy: 'shipments',
  shipmentUpdate: 'shipments',
};

/** Refreshes what an entry that reached the server changed: its entity's queries (INVALIDATES). */
function refreshAfterSent(queryClient: QueryClient, entry: OutboxEntry, body: unknown): void {
  const entity = ENTITY_OF[entry.meta.kind];
  if (entity === 'shipments') {
    // The updates route answers { applied, shipment }; the others the shipment itself: shown at once.
    const answer = body as { shipment?: { id?: string }; id?: string } | undefined;
    const shipment = answer?.shipment ?? (answer?.id ? answer : undefined);
    if (shipment?.id) queryClient.setQueryData(['shipment', shipment.id], shipment);
  }
  if (entity) void invalidateEntity(queryClient, entity);
}

/**
 * Runs the outbox for the signed-in user: loads their queue, sends it when the browser comes
 * online or the tab comes back, and refreshes the screens' data after each entry is sent.
 * Mounted once, inside the session and the query client.
 */
export function OutboxRunner({ userId }: { userId: string | null }) {
  const queryClient = useQueryClient();

  useEffect(() => {
    currentUserId = userId;
    void outbox.load().then(() => outbox.flush());
    return () => {
      currentUserId = null;
    };
  }, [userId]);

  useEffect(() => {
    const listener = (entry: OutboxEntry, body: unknown) => refreshAfterSent(queryClient, entry, body);
    sentListeners.add(listener);
    const flush = () => void outbox.flush();
    const onVisible = () => {
      if (document.visibilityState === 'visible') void outbox.load().then(flush);
    };
    window.addEventListener('online', flush);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      sentListeners.delete(listener);
      window.removeEventListener('online', flush);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [queryClient]);

  return null;
}

export function useOutbox(): OutboxSnapshot {
  return useSyncExternalStore(outbox.subscribe, outbox.getSnapshot);
}
