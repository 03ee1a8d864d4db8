import { useQuery } from '@tanstack/react-query';
import type { CreateUserRequest, Page, Role, UpdateUserRequest, UserDto } from '@karavan/shared';
import { request } from '../../../lib/api';

export interface UserFilters {
  q: string;
  role: Role | null;
  active: boolean | null;
}

export function useUsers(filters: UserFilters, paging: { limit: number; offset: number }) {
  const params = new URLSearchParams({ limit: String(paging.limit), offset: String(paging.offset) });
  if (filters.q.trim()) params.set('q', filters.q.trim());
  if (filters.role) params.set('role', filters.role);
  if (filters.active !== null) params.set('active', String(filters.active));
  return useQuery({
    queryKey: ['users', params.toString()],
    queryFn: () => request<Page<UserDto>>('GET', `/api/users?${params.toString()}`),
    placeholderData: (previous) => previous,
  });
}

export const createUser = (body: CreateUserRequest, key: string) =>
  request<UserDto>('POST', '/api/users', body, { 'Idempotency-Key': key });

export const updateUser = (id: string, body: UpdateUserRequest) =>
  request<UserDto>('PATCH', `/api/users/${encodeURIComponent(id)}`, body);

export const resetPassword = (id: string, password: string) =>
  request<UserDto>('PUT', `/api/users/${encodeURIComponent(id)}/password`, { password });

// No 0/O, 1/l/I: read aloud or typed from a screen without mistakes.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A one-time password: 14 characters from the browser's cryptographic random source (~81 bits). */
export function generatePassword(length = 14): string {
  const bytes = new Uint32Array(length);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (value) => ALPHABET[value % ALPHABET.length]).join('');
}
