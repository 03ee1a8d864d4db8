import { createHmac } from 'node:crypto';

/**
 * A key for one purpose, derived from the server secret (JWT_SECRET or the generated one in
 * settings): each purpose gets its own key, so that none can stand in for another.
 */
export function deriveKey(serverSecret: string, purpose: string): Buffer {
  return createHmac('sha256', serverSecret).update(`karavan:${purpose}`).digest();
}

/** HMAC-SHA256 of `data` under `key`, as hex. */
export const hmacHex = (key: Buffer, data: string): string => createHmac('sha256', key).update(data).digest('hex');

/** Field names whose values are secrets: never stored by the application outside their own hashes. */
export const SECRET_FIELD =
  /^(password|currentPassword|newPassword|oldPassword|passwordHash|token|accessToken|refreshToken|secret|apiKey)$/i;

/** A deep copy of `value` without any field named like a secret (password, refreshToken, ...). */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !SECRET_FIELD.test(key))
        .map(([key, v]) => [key, withoutSecrets(v)]),
    );
  }
  return value;
}
