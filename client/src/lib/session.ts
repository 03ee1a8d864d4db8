import { startTransition, useEffect, useState, useSyncExternalStore } from 'react';
import type { TokenResponse, UserDto } from '@karavan/shared';
import { ApiRequestError, send, type ClientErrorCode } from './http';

export type SessionState =
  | { status: 'restoring' }
  /** `reason` says why the user is (still) signed out, when it was not their choice. */
  | { status: 'signedOut'; reason?: ClientErrorCode }
  | { status: 'signedIn'; user: UserDto };

// The access token lives in memory only; the refresh token in localStorage, so a reload keeps the session.
const REFRESH_TOKEN_KEY = 'karavan.refreshToken';
let accessToken: string | null = null;
let state: SessionState = getRefreshToken() ? { status: 'restoring' } : { status: 'signedOut' };
const listeners = new Set<() => void>();

function setState(next: SessionState): void {
  state = next;
  listeners.forEach((listener) => listener());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): SessionState {
  return useSyncExternalStore(subscribe, () => state);
}

/**
 * The session as the pages around it are shown: each change is rendered as a transition, in
 * slices a phone can interrupt (signing in, or the session renewed on opening the app, shows a
 * whole page: as one task, the longest of the page's start). For the gate in front of the pages;
 * a part of a page reads the session with useSession.
 */
export function useSessionTransition(): SessionState {
  const [shown, setShown] = useState(getSession);
  useEffect(() => {
    const show = () => startTransition(() => setShown(getSession()));
    show(); // a change between the render and now
    return subscribe(show);
  }, []);
  return shown;
}

export function getSession(): SessionState {
  return state;
}

/** Calls `listener` with every new session state (sign-in, refresh, user update, sign-out). */
export function onSessionChange(listener: (next: SessionState) => void): () => void {
  return subscribe(() => listener(state));
}

export function getAccessToken(): string | null {
  return accessToken;
}

export function getRefreshToken(): string | null {
  return localStorage.getItem(REFRESH_TOKEN_KEY);
}

/** Starts (or continues) a session with the tokens of a login, refresh or password change. */
export function startSession(tokens: TokenResponse): void {
  accessToken = tokens.accessToken;
  localStorage.setItem(REFRESH_TOKEN_KEY, tokens.refreshToken);
  setState({ status: 'signedIn', user: tokens.user });
}

/**
 * Shows what the server now says about the signed-in user. The same user as shown changes
 * nothing: the live connection says who is signed in each time it opens, and a new object would
 * render every screen again (on a phone, a long task just after the page appears).
 */
export function updateUser(user: UserDto): void {
  if (state.status !== 'signedIn' || JSON.stringify(state.user) === JSON.stringify(user)) return;
  setState({ status: 'signedIn', user });
}

export function endSession(reason?: ClientErrorCode): void {
  accessToken = null;
  localStorage.removeItem(REFRESH_TOKEN_KEY);
  setState({ status: 'signedOut', reason });
}

let refreshing: Promise<void> | undefined;

/**
 * Trades the stored refresh token for new tokens. Callers at the same time share one request:
 * a refresh token works once, and presenting it twice ends the session. When the server refuses,
 * the session ends; when it cannot answer, the session is kept for a later try.
 */
export function refreshSession(): Promise<void> {
  refreshing ??= withRefreshLock(refresh).finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

async function refresh(): Promise<void> {
  // Read inside the lock: another tab may have just replaced it.
  const refreshToken = getRefreshToken();
  try {
    if (!refreshToken) throw new ApiRequestError(401, 'UNAUTHENTICATED');
    startSession(await send<TokenResponse>('POST', '/api/auth/refresh', { body: { refreshToken } }));
  } catch (error) {
    const failure = error instanceof ApiRequestError ? error : new ApiRequestError(0, 'NETWORK');
    if (!failure.transient) endSession('UNAUTHENTICATED');
    else if (state.status === 'restoring') setState({ status: 'signedOut', reason: failure.code });
    throw failure;
  }
}

// Tabs share the refresh token; the lock keeps two of them from presenting it at once.
async function withRefreshLock(fn: () => Promise<void>): Promise<void> {
  if (navigator.locks) await navigator.locks.request('karavan.refresh', fn);
  else await fn();
}

/** On page load: resumes the session of the stored refresh token, if any. */
export function restoreSession(): void {
  if (state.status === 'restoring') refreshSession().catch(() => undefined); // the state says what happened
}
