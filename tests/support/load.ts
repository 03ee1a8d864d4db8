import { randomUUID } from 'node:crypto';

export interface Attempt {
  key: string;
  start: number;
  end: number;
  status: number; // 0: no answer (connection refused, reset or our own timeout)
  error?: string;
}

/**
 * Clients that each send one donation at a time with an Idempotency-Key, retrying the same key
 * (after `retryMs`) until it is created, as a phone's outbox does; then the next key.
 */
export function steadyDonations(options: {
  url: () => string;
  auth: Record<string, string>;
  body: () => object;
  clients: number;
  /** Pause between two successful donations of one client. */
  paceMs: number;
  retryMs?: number;
  /** Our own deadline per request: longer means the server hung it. */
  clientTimeoutMs?: number;
}) {
  const attempts: Attempt[] = [];
  const created = new Map<string, string>(); // key -> donation id
  let stopping = false;
  let abandoned = false;
  const unfinished = new Set<string>();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  async function client() {
    while (!stopping) {
      const key = `load-${randomUUID()}`;
      unfinished.add(key);
      while (!abandoned) {
        const start = Date.now();
        let status = 0;
        let error: string | undefined;
        let id: string | undefined;
        try {
          const res = await fetch(`${options.url()}/api/donations`, {
            method: 'POST',
            headers: { ...options.auth, 'Content-Type': 'application/json', 'Idempotency-Key': key },
            body: JSON.stringify(options.body()),
            signal: AbortSignal.timeout(options.clientTimeoutMs ?? 10_000),
          });
          status = res.status;
          const body = (await res.json().catch(() => ({}))) as { id?: string; code?: string; message?: string };
          id = body.id;
          if (status !== 201) error = `${body.code}: ${body.message}`;
        } catch (err) {
          // (the network's reason, e.g. "TypeError: ECONNRESET", says which side dropped the connection)
          const cause = (err as { cause?: { code?: string; message?: string } }).cause;
          error = `${(err as Error).name}: ${cause?.code ?? cause?.message ?? (err as Error).message}`;
        }
        attempts.push({ key, start, end: Date.now(), status, error });
        if (status === 201 && id) {
          const earlier = created.get(key);
          if (earlier && earlier !== id) throw new Error(`key ${key} created two donations: ${earlier}, ${id}`);
          created.set(key, id);
          unfinished.delete(key);
          break;
        }
        await sleep(options.retryMs ?? 250);
      }
      await sleep(options.paceMs);
    }
  }
  const running = Promise.all(Array.from({ length: options.clients }, () => client()));
  return {
    attempts,
    created,
    /** Keys sent but not (yet) created. */
    unfinished,
    /**
     * Lets every client finish the key it is on (retrying until created) for at most `ms`, then
     * gives up on what is left (see `unfinished`).
     */
    stop: async (ms = 20_000) => {
      stopping = true;
      const timer = setTimeout(() => (abandoned = true), ms);
      await running;
      clearTimeout(timer);
    },
  };
}
