import { useEffect, useRef, useState } from 'react';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { useTranslation } from 'react-i18next';
import { localize, type PublicCollectionPointDto } from '@karavan/shared';
import { useBaseMap } from '../../../ui/baseMap';

/** The collection points on a map: online tiles when they load, else the markers on a plain background. */
export default function PointsMap({ points }: { points: PublicCollectionPointDto[] }) {
  const { t, i18n } = useTranslation('needs');
  const container = useRef<HTMLDivElement>(null);
  const [leaflet, setLeaflet] = useState<L.Map | null>(null);
  const tiles = useBaseMap(leaflet);
  // The board is refetched every minute with new objects: the map is rebuilt only when the points change.
  const shown = JSON.stringify(points.map((p) => ({ position: p.position, name: p.name })));
  useEffect(() => {
    const points = JSON.parse(shown) as Pick<PublicCollectionPointDto, 'position' | 'name'>[];
    if (!container.current) return;
    const map = L.map(container.current).setView([42.87, 74.59], 11);
    const positions: L.LatLngTuple[] = [];
    for (const point of points) {
      if (!point.position) continue;
      const at: L.LatLngTuple = [point.position.lat, point.position.lng];
      positions.push(at);
      L.circleMarker(at, { radius: 9, color: '#1f4e79', fillColor: '#4f8fc9', fillOpacity: 0.9 })
        .bindTooltip(localize(point.name, i18n.language), { permanent: points.length <= 8, direction: 'top' })
        .addTo(map);
    }
    if (positions.length > 0) {
      map.fitBounds(L.latLngBounds(positions), { padding: [30, 30], maxZoom: 14, animate: false });
    }
    setLeaflet(map);
    return () => {
      setLeaflet(null);
      map.remove();
    };
  }, [shown, i18n.language]);
  return (
    <div
      ref={container}
      role="region"
      aria-label={t('map')}
      data-tiles={tiles}
      style={{ height: 280, background: '#eef2f6', borderRadius: 8 }}
    />
  );
}
