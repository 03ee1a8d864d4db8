/**
 * The outbox: changes made on this device (donations at intake, a driver's status updates) wait
 * here, in IndexedDB, until the server has them. Each entry carries its own id, sent as its
 * `Idempotency-Key` (and, for status updates, as the update's id), so that sending it twice
 * counts once. Entries go out in the order they were made, one at a time, when the device is
 * online; what the server refuses for good stays, marked as needing attention, until the user
 * retries or discards it. Nothing here touches the DOM or React: the wiring is in index.ts.
 */

export type OutboxMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What an entry is, for the screens that show it (e.g. `{ kind: 'donation', locationId }`). */
export type OutboxMeta = { kind: string } & Record<string, string | number | boolean | null>;

export interface OutboxError {
  /** HTTP status; 0 when no answer came. */
  status: number;
  code: string;
  details?: { path: string; message: string }[];
  at: string;
}

export interface OutboxEntry {
  /** Made on the device; sent as the Idempotency-Key. */
  id: string;
  /** The user who made it: only their session sends it. */
  userId: string;
  method: OutboxMethod;
  path: string;
  body: unknown;
  createdAt: string;
  /** Position in the queue (entries go out in this order). */
  order: number;
  attempts: number;
  lastAttemptAt: string | null;
  lastError: OutboxError | null;
  /** The server refused it in a way retrying will not cure: kept for the user to see. */
  needsAttention: boolean;
  /**
   * When a colleague's phone said the server has it (the QR relay's answer, scanned here): it is
   * still sent, and counts once, and leaves the outbox when the server answers that copy.
   */
  relayedAt?: string | null;
  meta: OutboxMeta;
}

export interface NewEntry {
  id?: string;
  method: OutboxMethod;
  path: string;
  body: unknown;
  meta: OutboxMeta;
}

export interface OutboxStore {
  /** Every entry, in queue order. */
  all(): Promise<OutboxEntry[]>;
  get(id: string): Promise<OutboxEntry | undefined>;
  put(entry: OutboxEntry): Promise<void>;
  remove(id: string): Promise<void>;
}

/** The server's answer to one attempt; the transport rejects only when no answer came. */
export interface Answer {
  status: number;
  body: unknown;
}

export interface OutboxDeps {
  store: OutboxStore;
  transport(entry: OutboxEntry, token: string | null): Promise<Answer>;
  /** The signed-in user's id, or null when nobody is signed in. */
  userId(): string | null;
  token(): string | null;
  /** Refreshes the access token; rejects with `{ transient: true }` when the server could not be reached. */
  refresh(): Promise<void>;
  online(): boolean;
  now(): number;
  newId(): string;
  /** Runs `fn` after `ms`; returns a cancel function. */
  schedule(fn: () => void, ms: number): () => void;
  /** Called after the server accepted an entry, with its answer. */
  onSent?(entry: OutboxEntry, body: unknown): void;
  /** Serialises sending across the browser's tabs (navigator.locks). */
  lock?(fn: () => Promise<void>): Promise<void>;
}

export interface OutboxSnapshot {
  /** The signed-in user's entries, in queue order. */
  entries: readonly OutboxEntry[];
  sending: boolean;
  /** When the next automatic try is due (ms since the epoch), if one is scheduled. */
  nextTryAt: number | null;
}

/** Answers that will never succeed by sending the same request again. */
const PERMANENT = new Set([400, 403, 404, 405, 409, 410, 413, 415, 422]);
/** Codes within those statuses that mean "not yet" rather than "never". */
const TRANSIENT_CODES = new Set(['IDEMPOTENCY_IN_PROGRESS']);

export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_MAX_MS = 120_000;
/** The access token is refreshed before sending when it expires within this. */
export const TOKEN_MARGIN_MS = 60_000;

export function backoffDelay(failures: number, random = Math.random): number {
  const exponential = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential * (0.75 + random() * 0.5));
}

/** True when the JWT is missing, unreadable or expires within `marginMs` of `now`. */
export function tokenExpiresSoon(token: string | null, now: number, marginMs = TOKEN_MARGIN_MS): boolean {
  if (!token) return true;
  try {
    const part = token.split('.')[1];
    if (!part) return true;
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp !== 'number' || exp * 1000 - now < marginMs;
  } catch {
    return true;
  }
}

export function classify(answer: Answer): 'sent' | 'unauthorised' | 'refused' | 'retry' {
  if (answer.status >= 200 && answer.status < 300) return 'sent';
  if (answer.status === 401) return 'unauthorised';
  if (PERMANENT.has(answer.status) && !TRANSIENT_CODES.has(errorBody(answer.body).code ?? '')) return 'refused';
  return 'retry';
}

function errorBody(body: unknown): { code?: string; details?: { path: string; message: string }[] } {
  if (typeof body !== 'object' || body === null) return {};
  const { code, details } = body as { code?: unknown; details?: unknown };
  return {
    code: typeof code === 'string' ? code : undefined,
    details: Array.isArray(details) ? (details as { path: string; message: string }[]) : undefined,
  };
}

function isTransient(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { transient?: unknown }).transient === true;
}

/** Deep equality of data read back from IndexedDB (plain objects, arrays and primitives). */
function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) =>
      Object.prototype.hasOwnProperty.call(b, key) &&
      sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

export class Outbox {
  private snapshot: OutboxSnapshot = { entries: [], sending: false, nextTryAt: null };
  private readonly listeners = new Set<() => void>();
  private running: Promise<void> | undefined;
  private again = false;
  /** The current run stopped on a failure and scheduled its own retry. */
  private stalled = false;
  private failures = 0;
  private cancelRetry: (() => void) | undefined;

  constructor(private readonly deps: OutboxDeps) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): OutboxSnapshot => this.snapshot;

  /** Reads the queue again (after a sign-in, or a change made by another tab). */
  async load(): Promise<void> {
    const userId = this.deps.userId();
    const entries = userId ? (await this.deps.store.all()).filter((entry) => entry.userId === userId) : [];
    this.setSnapshot({ entries });
  }

  /** Queues a change and starts sending. Resolves once it is safely stored. */
  async add(input: NewEntry): Promise<OutboxEntry> {
    const userId = this.deps.userId();
    if (!userId) throw new Error('Nobody is signed in');
    const all = await this.deps.store.all();
    const entry: OutboxEntry = {
      id: input.id ?? this.deps.newId(),
      userId,
      method: input.method,
      path: input.path,
      body: input.body,
      meta: input.meta,
      createdAt: new Date(this.deps.now()).toISOString(),
      order: all.reduce((max, other) => Math.max(max, other.order), 0) + 1,
      attempts: 0,
      lastAttemptAt: null,
      lastError: null,
      needsAttention: false,
    };
    await this.deps.store.put(entry);
    await this.load();
    void this.flush();
    return entry;
  }

  /** Sends a refused entry again (after the cause was fixed elsewhere). */
  async retry(id: string): Promise<void> {
    const entry = await this.deps.store.get(id);
    if (!entry) return;
    await this.deps.store.put({ ...entry, needsAttention: false });
    await this.load();
    await this.flush();
  }

  /**
   * Marks the user's entries among `ids` as passed on by a colleague (the QR relay's answer).
   * They stay until this device's own copy is answered (the same id: it changes nothing there).
   * Returns how many were marked.
   */
  async markRelayed(ids: readonly string[]): Promise<number> {
    const userId = this.deps.userId();
    if (!userId) return 0;
    const at = new Date(this.deps.now()).toISOString();
    let marked = 0;
    for (const id of new Set(ids)) {
      const entry = await this.deps.store.get(id);
      if (!entry || entry.userId !== userId) continue;
      if (!entry.relayedAt) await this.deps.store.put({ ...entry, relayedAt: at });
      marked += 1;
    }
    await this.load();
    return marked;
  }

  /** Removes an entry the user chose to give up. */
  async discard(id: string): Promise<void> {
    await this.deps.store.remove(id);
    await this.load();
  }

  /**
   * Sends what waits, in order, one at a time; resolves when the queue is empty or sending has
   * to wait (offline, server unreachable, signed out). Calls while it runs join the same run.
   */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    this.setSnapshot({ nextTryAt: null });
    const lock = this.deps.lock ?? ((fn: () => Promise<void>) => fn());
    this.running = (async () => {
      try {
        this.stalled = false;
        do {
          this.again = false;
          await lock(() => this.sendAll());
          // Calls made while a run failed wait for its retry rather than hammering the server.
        } while (this.again && !this.stalled);
      } finally {
        // In the same step as the last check of `again`: a call in between cannot be lost.
        this.running = undefined;
        this.setSnapshot({ sending: false });
      }
    })();
    return this.running;
  }

  private async sendAll(): Promise<void> {
    const userId = this.deps.userId();
    if (!userId || !this.deps.online()) return;
    const waiting = (await this.deps.store.all()).filter((entry) => entry.userId === userId && !entry.needsAttention);
    await this.load();
    if (waiting.length === 0) return;
    this.setSnapshot({ sending: true });

    if (tokenExpiresSoon(this.deps.token(), this.deps.now())) {
      try {
        await this.deps.refresh();
      } catch (error) {
        if (isTransient(error)) this.retryLater();
        return; // refused: the session ended; the entries wait for the user's next sign-in
      }
    }

    for (const queued of waiting) {
      // Re-read: another tab may have sent it, or the user discarded it, meanwhile.
      const entry = await this.deps.store.get(queued.id);
      if (!entry || entry.needsAttention || this.deps.userId() !== entry.userId) continue;
      if (!this.deps.online()) return;
      const outcome = await this.attempt(entry);
      await this.load();
      if (outcome === 'stop') return;
    }
    this.failures = 0;
  }

  private async attempt(entry: OutboxEntry): Promise<'next' | 'stop'> {
    let answer: Answer;
    try {
      answer = await this.deps.transport(entry, this.deps.token());
      if (classify(answer) === 'unauthorised') {
        await this.deps.refresh();
        answer = await this.deps.transport(entry, this.deps.token());
      }
    } catch (error) {
      // No answer (offline, timeout), or the token could not be refreshed.
      const status = isTransient(error) || !(error instanceof Object && 'status' in error) ? 0 : 401;
      await this.record(entry, { status, code: status === 0 ? 'NETWORK' : 'UNAUTHENTICATED' }, false);
      if (status === 0) this.retryLater();
      return 'stop';
    }

    const kind = classify(answer);
    const { code, details } = errorBody(answer.body);
    switch (kind) {
      case 'sent':
        await this.deps.store.remove(entry.id);
        this.deps.onSent?.(entry, answer.body);
        return 'next';
      case 'refused':
        await this.record(entry, { status: answer.status, code: code ?? `HTTP_${answer.status}`, details }, true);
        return 'next';
      case 'unauthorised':
        await this.record(entry, { status: 401, code: code ?? 'UNAUTHENTICATED' }, false);
        return 'stop';
      case 'retry':
        await this.record(entry, { status: answer.status, code: code ?? `HTTP_${answer.status}` }, false);
        this.retryLater();
        return 'stop';
    }
  }

  private async record(entry: OutboxEntry, error: Omit<OutboxError, 'at'>, needsAttention: boolean): Promise<void> {
    const at = new Date(this.deps.now()).toISOString();
    const current = await this.deps.store.get(entry.id);
    if (!current) return;
    await this.deps.store.put({
      ...current,
      attempts: current.attempts + 1,
      lastAttemptAt: at,
      lastError: { ...error, at },
      needsAttention,
    });
  }

  private retryLater(): void {
    this.stalled = true;
    this.failures += 1;
    const delay = backoffDelay(this.failures);
    this.cancelRetry?.();
    this.cancelRetry = this.deps.schedule(() => {
      this.cancelRetry = undefined;
      void this.flush();
    }, delay);
    this.setSnapshot({ nextTryAt: this.deps.now() + delay });
  }

  /**
   * Screens re-render (synchronously: a store read with useSyncExternalStore) only when something
   * they show changed. The queue is read again after every step, and each read returns new objects:
   * entries equal to the current ones keep the current array, and a snapshot equal in every part
   * is not announced (at start, reading an unchanged queue twice re-rendered the whole driver's
   * list and the intake form twice, each a long task on a phone).
   */
  private setSnapshot(change: Partial<OutboxSnapshot>): void {
    const entries =
      change.entries && !sameData(change.entries, this.snapshot.entries) ? change.entries : this.snapshot.entries;
    const next: OutboxSnapshot = { ...this.snapshot, ...change, entries };
    const keys = Object.keys(next) as (keyof OutboxSnapshot)[];
    if (keys.every((key) => Object.is(next[key], this.snapshot[key]))) return;
    this.snapshot = next;
    this.listeners.forEach((listener) => listener());
  }
}
