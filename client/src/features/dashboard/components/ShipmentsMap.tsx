import { memo, useEffect, useRef, useState } from 'react';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { localize, type LocationDto, type ShipmentSummaryDto } from '@karavan/shared';

const STALE_MS = 2 * 3_600_000;
const DEFAULT_CENTER: L.LatLngTuple = [42.87, 74.59]; // Bishkek

interface Props {
  shipments: ShipmentSummaryDto[];
  locations: Map<string, LocationDto>;
  now: number;
}

/**
 * Trucks (last known position, else their origin), their routes (origin, checkpoints,
 * destination) and the checkpoints. Online map tiles when they load; when they fail (no network
 * to a tile server, as often in the field) the markers and routes stay on a plain background.
 */
export const ShipmentsMap = memo(function ShipmentsMap({ shipments, locations, now }: Props) {
  const { t, i18n } = useTranslation('dashboard');
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layer = useRef<L.LayerGroup | null>(null);
  const [tilesFailed, setTilesFailed] = useState(false);

  useEffect(() => {
    if (!container.current) return;
    const created = L.map(container.current, { zoomControl: true, attributionControl: true }).setView(
      DEFAULT_CENTER,
      6,
    );
    const tiles = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
      maxZoom: 18,
      attribution: '© OpenStreetMap',
    });
    let failures = 0;
    tiles.on('tileerror', () => {
      failures += 1;
      if (failures >= 1) setTilesFailed(true);
    });
    tiles.on('tileload', () => setTilesFailed(false));
    tiles.addTo(created);
    layer.current = L.layerGroup().addTo(created);
    map.current = created;
    return () => {
      created.remove();
      map.current = null;
      layer.current = null;
    };
  }, []);

  useEffect(() => {
    const group = layer.current;
    const created = map.current;
    if (!group || !created) return;
    group.clearLayers();
    const bounds: L.LatLngTuple[] = [];
    const at = (id: string): L.LatLngTuple | null => {
      const position = locations.get(id)?.position;
      return position ? [position.lat, position.lng] : null;
    };
    const checkpoints = new Set<string>();
    for (const shipment of shipments) {
      const path = [shipment.originId, ...shipment.route, shipment.destinationId]
        .map(at)
        .filter((p): p is L.LatLngTuple => p !== null);
      shipment.route.forEach((id) => checkpoints.add(id));
      if (path.length > 1)
        L.polyline(path, { color: '#1f4e79', weight: 3, opacity: 0.6, dashArray: '6 6' }).addTo(group);
      const position: L.LatLngTuple | null = shipment.lastPosition
        ? [shipment.lastPosition.lat, shipment.lastPosition.lng]
        : at(shipment.originId);
      if (!position) continue;
      const stale = !shipment.lastHeardAt || now - new Date(shipment.lastHeardAt).getTime() > STALE_MS;
      L.circleMarker(position, {
        className: 'dashboard-truck',
        radius: 10,
        color: stale ? '#b42318' : '#1f4e79',
        fillColor: stale ? '#f97066' : '#4f8fc9',
        fillOpacity: 0.9,
        weight: 3,
      })
        .bindTooltip(`${shipment.vehicle?.plate ?? shipment.id.slice(-6)} · ${t(`status.${shipment.status}`)}`, {
          permanent: shipments.length <= 12,
          direction: 'top',
        })
        .addTo(group);
      bounds.push(position, ...path);
    }
    for (const id of checkpoints) {
      const position = at(id);
      if (!position) continue;
      L.circleMarker(position, { radius: 6, color: '#7a5a00', fillColor: '#fdb022', fillOpacity: 1, weight: 2 })
        .bindTooltip(localize(locations.get(id)?.name, i18n.language), { direction: 'bottom' })
        .addTo(group);
      bounds.push(position);
    }
    if (bounds.length > 0) created.fitBounds(L.latLngBounds(bounds), { padding: [30, 30], maxZoom: 10 });
  }, [shipments, locations, now, t, i18n.language]);

  return (
    <div>
      <div
        ref={container}
        className="dashboard-map"
        data-tiles={tilesFailed ? 'offline' : 'online'}
        role="region"
        aria-label={t('map')}
        style={{ height: 320, background: '#eef2f6', borderRadius: 8 }}
      />
      {tilesFailed && (
        <Text size="sm" c="dimmed" mt={4} data-testid="tiles-offline">
          {t('tilesOffline')}
        </Text>
      )}
    </div>
  );
});
