import { useEffect, useState } from 'react';
import L from 'leaflet';
import type { ClientConfigDto } from '@karavan/shared';

export { useClientConfig } from '../lib/client-config';
import { useClientConfig } from '../lib/client-config';

/**
 * The base map's state: `loading` until the first tile arrives, `online` once one showed,
 * `offline` when tiles fail and none showed (no network to the tile server, as often in the
 * field), `off` when the deployment has no tile server (MAP_TILE_URL empty) or the client could
 * not learn it. In every state but `online` the map is a plain background with its points.
 */
export type TilesState = 'loading' | 'online' | 'offline' | 'off';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The tile server's attribution as Leaflet shows it: the text, linked when there is a link. */
export function attributionHtml(tiles: NonNullable<ClientConfigDto['mapTiles']>): string {
  const text = escapeHtml(tiles.attribution);
  return tiles.attributionUrl
    ? `<a href="${escapeHtml(tiles.attributionUrl)}" target="_blank" rel="noopener noreferrer">${text}</a>`
    : text;
}

/**
 * Lays the deployment's tiles under `map` (once it exists) and says how they are doing. The
 * tile layer is removed with the map or when the settings change.
 */
export function useBaseMap(map: L.Map | null): TilesState {
  const config = useClientConfig();
  const tiles = config.data?.mapTiles;
  // What the current tile layer reported, by its URL (a new layer starts as `loading`).
  const [seen, setSeen] = useState<{ url: string; state: 'online' | 'offline' } | null>(null);

  useEffect(() => {
    if (!map || !tiles) return;
    let shown = false;
    const layer = L.tileLayer(tiles.url, { maxZoom: 18, attribution: attributionHtml(tiles) });
    layer.on('tileload', () => {
      shown = true;
      setSeen({ url: tiles.url, state: 'online' });
    });
    layer.on('tileerror', () => {
      if (!shown) setSeen({ url: tiles.url, state: 'offline' });
    });
    layer.addTo(map);
    return () => {
      layer.remove();
    };
  }, [map, tiles]);

  if (!tiles) return config.data !== undefined || config.isError ? 'off' : 'loading';
  return seen?.url === tiles.url ? seen.state : 'loading';
}
