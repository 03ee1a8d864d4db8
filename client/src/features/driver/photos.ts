import { useSyncExternalStore } from 'react';
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { getAccessToken, refreshSession } from '../../lib/session';
import { uuid } from '../../lib/uuid';

/*
 * Photos of a delivery (damaged goods): compressed on the phone, kept in IndexedDB (a sibling of
 * the outbox, which holds JSON only) and sent one by one to POST /api/shipments/:id/photos with
 * the photo's id as Idempotency-Key, so a retry after a lost answer stores it once. What waits is
 * shown honestly: "N photos waiting to be sent".
 */

/** The longest side after compression, and the JPEG quality: some 150-400 kB a photo. */
export const PHOTO_SIDE_MAX = 1280;
export const PHOTO_QUALITY = 0.7;

export interface QueuedPhoto {
  id: string;
  shipmentId: string;
  blob: Blob;
  createdAt: string;
  /** `failed`: the server refused it for good (shown, kept until the user removes it). */
  state: 'waiting' | 'failed';
}

interface PhotosDb extends DBSchema {
  photos: { key: string; value: QueuedPhoto };
}

let db: Promise<IDBPDatabase<PhotosDb>> | undefined;
const open = () =>
  (db ??= openDB<PhotosDb>('karavan-photos', 1, {
    upgrade(database) {
      database.createObjectStore('photos', { keyPath: 'id' });
    },
  }));

/** A photo made smaller on the phone: at most PHOTO_SIDE_MAX px on its longest side, JPEG. */
export async function compressPhoto(file: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, PHOTO_SIDE_MAX / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('toBlob'))), 'image/jpeg', PHOTO_QUALITY),
  );
}

// What the screen shows: the photos waiting and failed, per shipment, and how many were sent.
type Snapshot = { photos: QueuedPhoto[]; sent: Record<string, number> };
let snapshot: Snapshot = { photos: [], sent: {} };
const listeners = new Set<() => void>();
const emit = (next: Partial<Snapshot>) => {
  snapshot = { ...snapshot, ...next };
  listeners.forEach((l) => l());
};
async function reload() {
  emit({ photos: await (await open()).getAll('photos') });
}

let flushing: Promise<void> | undefined;

async function post(photo: QueuedPhoto): Promise<number> {
  const attempt = () =>
    fetch(`/api/shipments/${encodeURIComponent(photo.shipmentId)}/photos`, {
      method: 'POST',
      headers: {
        'Content-Type': photo.blob.type || 'image/jpeg',
        'Idempotency-Key': photo.id,
        Authorization: `Bearer ${getAccessToken() ?? ''}`,
      },
      body: photo.blob,
    }).then((r) => r.status);
  const status = await attempt();
  if (status !== 401) return status;
  await refreshSession();
  return attempt();
}

/** Sends what waits, oldest first; stops at the first network failure (tried again later). */
export function flushPhotos(): Promise<void> {
  flushing ??= (async () => {
    try {
      const store = await open();
      const waiting = (await store.getAll('photos'))
        .filter((p) => p.state === 'waiting')
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      for (const photo of waiting) {
        if (!navigator.onLine) break;
        let status: number;
        try {
          status = await post(photo);
        } catch {
          break; // no answer: later
        }
        if (status >= 200 && status < 300) {
          await store.delete('photos', photo.id);
          emit({ sent: { ...snapshot.sent, [photo.shipmentId]: (snapshot.sent[photo.shipmentId] ?? 0) + 1 } });
        } else if (status === 408 || status === 409 || status === 429 || status >= 500) {
          break;
        } else {
          await store.put('photos', { ...photo, state: 'failed' });
        }
      }
    } finally {
      await reload();
      flushing = undefined;
    }
  })();
  return flushing;
}

/** Removes the shipment's photos the server refused for good (it will never take them). */
export async function discardRefusedPhotos(shipmentId: string): Promise<void> {
  const store = await open();
  for (const photo of await store.getAll('photos')) {
    if (photo.shipmentId === shipmentId && photo.state === 'failed') await store.delete('photos', photo.id);
  }
  await reload();
}

/** Compresses the photo and queues it for the shipment; sent now when online. */
export async function addPhoto(shipmentId: string, file: Blob): Promise<void> {
  const blob = await compressPhoto(file);
  await (
    await open()
  ).put('photos', { id: uuid(), shipmentId, blob, createdAt: new Date().toISOString(), state: 'waiting' });
  await reload();
  void flushPhotos();
}

let started = false;
function start() {
  if (started) return;
  started = true;
  void reload().then(() => flushPhotos());
  window.addEventListener('online', () => void flushPhotos());
  setInterval(() => void flushPhotos(), 30_000);
}

/** The shipment's photos: waiting, refused, and sent from this phone since the page opened. */
export function usePhotoQueue(shipmentId: string) {
  start();
  const current = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => snapshot,
  );
  const mine = current.photos.filter((p) => p.shipmentId === shipmentId);
  return {
    waiting: mine.filter((p) => p.state === 'waiting').length,
    failed: mine.filter((p) => p.state === 'failed').length,
    sent: current.sent[shipmentId] ?? 0,
  };
}
