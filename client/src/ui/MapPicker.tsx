import 'leaflet/dist/leaflet.css';
import { useEffect, useRef, useState } from 'react';
import L from 'leaflet';
import { useBaseMap } from './baseMap';

interface MapPickerProps {
  lat: number | null;
  lng: number | null;
  onPick(position: { lat: number; lng: number }): void;
  /** What the map is for, for screen readers (the typed fields next to it are the keyboard way). */
  label: string;
}

const CENTRE: L.LatLngTuple = [42.87, 74.59]; // Bishkek

/**
 * A position picked on a map with a click. Tiles come from the deployment's tile server
 * (MAP_TILE_URL) when the network reaches it; without them the map is a plain background on which a click still picks a position. The
 * latitude and longitude fields beside it are the keyboard's way to set it.
 */
export function MapPicker({ lat, lng, onPick, label }: MapPickerProps) {
  const element = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const marker = useRef<L.CircleMarker | null>(null);
  const [leaflet, setLeaflet] = useState<L.Map | null>(null);
  const tiles = useBaseMap(leaflet);
  const pick = useRef(onPick);
  useEffect(() => {
    pick.current = onPick;
  }, [onPick]);

  useEffect(() => {
    if (!element.current) return;
    const created = L.map(element.current, { keyboard: false }).setView(
      lat !== null && lng !== null ? [lat, lng] : CENTRE,
      lat !== null ? 10 : 6,
    );
    created.on('click', (event: L.LeafletMouseEvent) =>
      pick.current({ lat: Number(event.latlng.lat.toFixed(6)), lng: Number(event.latlng.lng.toFixed(6)) }),
    );
    map.current = created;
    setLeaflet(created);
    return () => {
      setLeaflet(null);
      created.remove();
      map.current = null;
      marker.current = null;
    };
    // The map is made once; the position follows below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const current = map.current;
    if (!current) return;
    if (lat === null || lng === null || !Number.isFinite(lat) || !Number.isFinite(lng)) {
      marker.current?.remove();
      marker.current = null;
      return;
    }
    if (marker.current) marker.current.setLatLng([lat, lng]);
    else marker.current = L.circleMarker([lat, lng], { radius: 8, color: '#1f4e79', weight: 3 }).addTo(current);
  }, [lat, lng]);

  return (
    <div
      ref={element}
      role="img"
      aria-label={label}
      data-testid="map-picker"
      data-tiles={tiles}
      style={{ height: 260, borderRadius: 8, background: '#e8eef3', border: '1px solid #adb5bd' }}
    />
  );
}
