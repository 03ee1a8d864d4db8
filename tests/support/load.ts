import { randomUUID } from 'node:crypto';
import http from 'node:http';

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
          const res = await postJson(
            `${options.url()}/api/donations`,
            { ...options.auth, 'Idempotency-Key': key },
            options.body(),
            options.clientTimeoutMs ?? 10_000,
          );
          status = res.status;
          const body = res.body as { id?: string; code?: string; message?: string };
          id = body.id;
          if (status !== 201) error = `${body.code}: ${body.message}`;
        } catch (err) {
          // (the network's reason, e.g. ECONNRESET, says which side dropped the connection)
          error = `${(err as Error).name}: ${(err as { code?: string }).code ?? (err as Error).message}`;
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

/**
 * POSTs JSON on a connection of its own, closed after the answer. A kept-alive connection may be
 * closed by the server (its idle timeout) just as the client sends on it: the request then fails
 * without having reached the server, which says nothing of the server under test. Here a request
 * without an answer is one the server dropped or never answered in `timeoutMs`.
 */
function postJson(
  url: string,
  headers: Record<string, string>,
  body: object,
  timeoutMs: number,
): Promise<{ status: number; body: unknown }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        timeout: timeoutMs,
        headers: {
          ...headers,
          'Content-Type': 'application/json',
          'Content-Length': payload.length,
          Connection: 'close',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          let parsed: unknown = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // (not JSON: the status says enough)
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in time'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(payload);
  });
}
