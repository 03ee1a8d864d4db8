import { useEffect } from 'react';
import { request } from './api';
import { ensureDeviceRegistered, type DeviceKey } from './device-key';

const register = (key: DeviceKey) =>
  request<{ id: string }>(
    'POST',
    '/api/devices',
    { publicKey: key.publicJwk },
    { 'Idempotency-Key': key.registrationKey },
  );

/** Registers the user's device key once online (now, and whenever the browser comes back online). */
export function useDeviceRegistration(userId: string): void {
  useEffect(() => {
    let stopped = false;
    const attempt = () => {
      if (!stopped && navigator.onLine) void ensureDeviceRegistered(userId, register).catch(() => undefined);
    };
    attempt();
    window.addEventListener('online', attempt);
    return () => {
      stopped = true;
      window.removeEventListener('online', attempt);
    };
  }, [userId]);
}
