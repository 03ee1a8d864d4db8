import { memo, useCallback, useEffect, useRef, useState } from 'react';
import L from 'leaflet';
import 'leaflet.markercluster';
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import { Button, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { localize, type LocationDto, type ShipmentSummaryDto } from '@karavan/shared';
import { useBaseMap } from '../../../ui/baseMap';

const STALE_MS = 2 * 3_600_000;
const DEFAULT_CENTER: L.LatLngTuple = [42.87, 74.59]; // Bishkek

interface Props {
  shipments: ShipmentSummaryDto[];
  locations: Map<string, LocationDto>;
  now: number;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const overlaps = (a: DOMRect, b: DOMRect) =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/**
 * Hides every truck label that would cover one already placed (in list order: the trucks not
 * heard from first), so labels never cover each other; a hidden one shows while its truck is
 * tapped, hovered or focused.
 */
function declutterLabels(container: HTMLElement, live: Set<HTMLElement>): void {
  const labels: HTMLElement[] = [];
  for (const label of container.querySelectorAll<HTMLElement>('.leaflet-tooltip.truck-label')) {
    // A label of a truck that was redrawn can stay behind (markercluster and permanent
    // tooltips): it goes.
    if (!live.has(label)) label.remove();
    else if (label.isConnected && label.offsetParent !== null) labels.push(label);
  }
  labels.sort((a, b) => Number(a.dataset.rank ?? 0) - Number(b.dataset.rank ?? 0));
  const placed: DOMRect[] = [];
  for (const label of labels) {
    label.classList.remove('truck-label-hidden');
    const rect = label.getBoundingClientRect();
    if (placed.some((other) => overlaps(rect, other))) label.classList.add('truck-label-hidden');
    else placed.push(rect);
  }
}

/** The labels of the trucks' markers (a marker inside a group has its label, not shown). */
function liveLabels(trucks: Map<string, { marker: L.Marker }>): Set<HTMLElement> {
  const live = new Set<HTMLElement>();
  for (const { marker } of trucks.values()) {
    const element = marker.getTooltip()?.getElement();
    if (element) live.add(element);
  }
  return live;
}

/**
 * Trucks (last known position, else their origin), their routes (origin, checkpoints,
 * destination) and the checkpoints, all in view. Trucks close together on the screen become one
 * numbered group (a tap zooms in); labels that would cover another are hidden until their truck
 * is tapped. The deployment's map tiles lie under them when they load; without them (no network
 * to the tile server, as often in the field, or none configured) the markers and routes stay on
 * a plain background.
 */
export const ShipmentsMap = memo(function ShipmentsMap({ shipments, locations, now }: Props) {
  const { t, i18n } = useTranslation('dashboard');
  const container = useRef<HTMLDivElement>(null);
  const [map, setMap] = useState<L.Map | null>(null);
  const layers = useRef<{ routes: L.LayerGroup; trucks: L.MarkerClusterGroup } | null>(null);
  const trucks = useRef(new Map<string, { marker: L.Marker; key: string; rank: number }>());
  const view = useRef({ bounds: null as L.LatLngBounds | null, userMoved: false, fitting: false });
  const tiles = useBaseMap(map);
  // The groups' labels are made by markercluster, long after the map: in the language of then.
  const text = useRef(t);
  useEffect(() => {
    text.current = t;
    layers.current?.trucks.refreshClusters();
  }, [t]);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const created = L.map(element, { zoomControl: true, attributionControl: true, maxZoom: 18 }).setView(
      DEFAULT_CENTER,
      6,
    );
    const routes = L.layerGroup().addTo(created);
    const kept = trucks.current;
    const cluster = L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 48,
      iconCreateFunction: (cluster) => {
        const count = cluster.getChildCount();
        const label = escapeHtml(text.current('trucksHere', { count }));
        return L.divIcon({
          html: `<span aria-hidden="true">${count}</span><span class="visually-hidden">${label}</span>`,
          className: 'truck-cluster',
          iconSize: L.point(36, 36),
        });
      },
    });
    cluster.addTo(created);
    layers.current = { routes, trucks: cluster };
    const declutter = () => requestAnimationFrame(() => declutterLabels(element, liveLabels(kept)));
    created.on('zoomend moveend', declutter);
    cluster.on('animationend', declutter);
    created.on('movestart', () => {
      if (!view.current.fitting) view.current.userMoved = true;
    });
    created.on('moveend', () => {
      view.current.fitting = false;
    });
    setMap(created);
    return () => {
      created.remove();
      layers.current = null;
      kept.clear();
      setMap(null);
    };
    // The map is made once; its texts follow the language (the data effect below, and `text`).
  }, []);

  const fitView = useCallback(
    (force: boolean) => {
      const bounds = view.current.bounds;
      if (!map || !bounds) return;
      if (!force && view.current.userMoved) return;
      view.current.userMoved = false;
      view.current.fitting = true;
      map.fitBounds(bounds, { padding: [40, 40], maxZoom: 10, animate: false });
      view.current.fitting = false;
      requestAnimationFrame(() => container.current && declutterLabels(container.current, liveLabels(trucks.current)));
    },
    [map],
  );

  useEffect(() => {
    const current = layers.current;
    if (!map || !current) return;
    current.routes.clearLayers();
    const points: L.LatLngTuple[] = [];
    const at = (id: string): L.LatLngTuple | null => {
      const position = locations.get(id)?.position;
      return position ? [position.lat, position.lng] : null;
    };
    const checkpoints = new Set<string>();
    // Trucks not heard from for a while are labelled first: they matter most.
    const ranked = shipments
      .map((shipment) => ({
        shipment,
        stale: !shipment.lastHeardAt || now - new Date(shipment.lastHeardAt).getTime() > STALE_MS,
      }))
      .sort((a, b) => Number(b.stale) - Number(a.stale));
    // Markers are kept from one update to the next (only a truck that moved or changed is
    // redrawn), so the map does not flicker on every live event.
    const kept = trucks.current;
    const seen = new Set<string>();
    const added: L.Marker[] = [];
    const removed: L.Marker[] = [];
    ranked.forEach(({ shipment, stale }, rank) => {
      const path = [shipment.originId, ...shipment.route, shipment.destinationId]
        .map(at)
        .filter((p): p is L.LatLngTuple => p !== null);
      shipment.route.forEach((id) => checkpoints.add(id));
      if (path.length > 1)
        L.polyline(path, { color: '#1f4e79', weight: 3, opacity: 0.6, dashArray: '6 6' }).addTo(current.routes);
      points.push(...path);
      const position: L.LatLngTuple | null = shipment.lastPosition
        ? [shipment.lastPosition.lat, shipment.lastPosition.lng]
        : at(shipment.originId);
      if (!position) return;
      points.push(position);
      seen.add(shipment.id);
      const label = `${shipment.vehicle?.plate ?? shipment.id.slice(-6)} · ${t(`status.${shipment.status}`)}`;
      const key = `${label}|${stale}|${position.join(',')}`;
      const before = kept.get(shipment.id);
      if (before?.key === key) {
        before.rank = rank;
        return;
      }
      if (before) removed.push(before.marker);
      const marker = L.marker(position, {
        icon: L.divIcon({
          className: `dashboard-truck${stale ? ' dashboard-truck-stale' : ''}`,
          html: `<span class="visually-hidden">${escapeHtml(label)}</span>`,
          iconSize: L.point(22, 22),
        }),
        keyboard: true,
        riseOnHover: true,
      });
      marker.bindTooltip(label, {
        permanent: true,
        direction: 'top',
        offset: L.point(0, -10),
        className: 'truck-label',
      });
      const entry = { marker, key, rank };
      marker.on('tooltipopen', (event) => {
        const element = (event as L.TooltipEvent).tooltip.getElement();
        if (element) element.dataset.rank = String(entry.rank);
      });
      // A tap (or the keyboard's Enter) shows a hidden label above the others.
      marker.on('click', () => {
        const element = marker.getTooltip()?.getElement();
        if (!element) return;
        container.current
          ?.querySelectorAll('.truck-label-open')
          .forEach((other) => other !== element && other.classList.remove('truck-label-open'));
        element.classList.toggle('truck-label-open');
      });
      kept.set(shipment.id, entry);
      added.push(marker);
    });
    for (const [id, entry] of kept)
      if (!seen.has(id)) {
        removed.push(entry.marker);
        kept.delete(id);
      }
    for (const entry of kept.values()) {
      const element = entry.marker.getTooltip()?.getElement();
      if (element) element.dataset.rank = String(entry.rank);
    }
    if (removed.length > 0) current.trucks.removeLayers(removed);
    if (added.length > 0) current.trucks.addLayers(added);
    for (const id of checkpoints) {
      const position = at(id);
      if (!position) continue;
      L.circleMarker(position, { radius: 6, color: '#7a5a00', fillColor: '#fdb022', fillOpacity: 1, weight: 2 })
        .bindTooltip(localize(locations.get(id)?.name, i18n.language), { direction: 'bottom' })
        .addTo(current.routes);
    }
    const bounds = points.length > 0 ? L.latLngBounds(points) : null;
    const before = view.current.bounds;
    view.current.bounds = bounds;
    // Fitted again when what there is to show grew out of the last fit, unless the user has
    // moved the map since (then "Show all" does it).
    if (bounds && (!before || !before.contains(bounds) || !map.getBounds().contains(bounds))) fitView(false);
    else
      requestAnimationFrame(() => container.current && declutterLabels(container.current, liveLabels(trucks.current)));
  }, [map, shipments, locations, now, t, fitView, i18n.language]);

  return (
    <div>
      <Group justify="space-between" mb={4}>
        <Text size="sm" fw={600}>
          {t('map')}
        </Text>
        <Button size="compact-sm" variant="default" onClick={() => fitView(true)} data-testid="map-fit">
          {t('showAll')}
        </Button>
      </Group>
      <div
        ref={container}
        className="dashboard-map"
        data-tiles={tiles}
        role="region"
        aria-label={t('map')}
        style={{ height: 320, background: '#eef2f6', borderRadius: 8 }}
      />
      {(tiles === 'offline' || tiles === 'off') && (
        <Text size="sm" c="dimmed" mt={4} data-testid="tiles-offline">
          {t('tilesOffline')}
        </Text>
      )}
    </div>
  );
});
